"""Retroactive matching: content seen recently that matches entries added since.

The signals (hashes, never content) of every item recorded (uploads, scans: the
events database's ``item_signals``) are what it reads, for ``retro_days`` and at
most the ``retro_max_items`` most recent items. ``run`` takes the entries added
since its watermark (an entry id in ``counters``; import, API and exchange alike),
finds candidate items (exact types: one indexed look-up per batch of values; other
types such as PDQ: an index of the new entries, searched with each recent item's
hash), then matches those items again through the ``Matcher`` (so list thresholds
and list policies apply as to any match) and records the new matches, marked
``retroactive``, with the lists' webhooks. Review actions cannot run: the content
is not kept.

The watermark moves before the work (compare-and-set), so two workers never record
the same retroactive matches; a worker killed in between loses that batch's
retroactive matches (at most once, never twice).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from brightline.core import signals
from brightline.core.actor import system
from brightline.core.models import Match, Suppressed, suppressed_of
from brightline.services.lists.matching import Matcher, Query
from brightline.services.pipeline.job import Job
from brightline.services.pipeline.match import match_queries
from brightline.services.review.env import ReviewEnv
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store import retro as store_retro
from brightline.settings import Settings

log = logging.getLogger("brightline.retro")
ACTOR = system("retro")
_VALUES = 5000


@dataclass
class RetroResult:
    entries: int = 0
    items: int = 0
    matches: int = 0
    suppressed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def run(store: Store, settings: Settings, matcher: Matcher | None = None) -> RetroResult:
    """Match recent content against entries added since the last run."""
    with store.connect() as conn:  # the common case: nothing new, nothing written
        old = store_retro.watermark(conn)
        head = store_retro.max_entry_id(conn)
    if head <= old:
        return RetroResult()
    with store.begin() as conn:
        if not store_retro.advance(conn, old, head):
            return RetroResult()
    if settings.retro_days <= 0:
        return RetroResult()
    with store.connect() as conn:
        new = store_retro.new_entries(conn, old, head)
    return match_entries(store, settings, new, matcher)


def run_after_change(store: Store, settings: Settings, matcher: Matcher | None = None) -> None:
    """``run``, for a command that just added entries: a failure is logged only."""
    try:
        found = run(store, settings, matcher)
        if found.matches:
            log.info("retroactive matches", extra=found.as_dict())
    except Exception:
        log.exception("retroactive matching failed")


def match_entries(
    store: Store,
    settings: Settings,
    new: list[tuple[int, int, str, str]],
    matcher: Matcher | None = None,
) -> RetroResult:
    """Find and record recent content matching the entries ``(id, list, type, value)``."""
    result = RetroResult(entries=len(new))
    if not new:
        return result
    cutoff = datetime.now(UTC) - timedelta(days=settings.retro_days)
    candidates = candidate_items(store, settings, new, cutoff)
    result.items = len(candidates)
    if not candidates:
        return result
    if matcher is None:
        from brightline.services.context import index_dir_for

        matcher = Matcher(store, index_dir_for(settings)).open()
    else:
        matcher.refresh(save=False)
    found, held = _rematch(store, matcher, candidates, {e[0] for e in new})
    result.matches, result.suppressed = len(found), len(held)
    _record(store, settings, found, held)
    return result


def candidate_items(
    store: Store, settings: Settings, new: list[tuple[int, int, str, str]], cutoff: datetime
) -> set[int]:
    by_type: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for entry_id, list_id, signal_type, value in new:
        by_type[signal_type].append((entry_id, list_id, value))
    with store.connect() as conn:
        lists = {hl.id: hl for hl in store_lists.list_settings(conn)}
    found: set[int] = set()
    with store.connect_events() as ev:
        floor, top = store_retro.recent_floor(ev, settings.retro_max_items, cutoff)
        for signal_type, rows in by_type.items():
            signal = signals.find(signal_type)
            if signal is None:
                continue  # a type nothing computes (PhotoDNA): no item has it
            if signal.exact:
                values = sorted({v for _, _, v in rows})
                for start in range(0, len(values), _VALUES):
                    chunk = values[start : start + _VALUES]
                    found.update(store_retro.items_with_values(ev, signal_type, chunk, floor, top))
                continue
            index = signal.build_index()
            if index is None:
                continue
            radius = max(
                (
                    lists[lst].threshold_for(signal_type, signal.default_threshold)
                    for _, lst, _ in rows
                    if lst in lists
                ),
                default=signal.default_threshold,
            )
            recent = store_retro.recent_signals(ev, signal_type, floor, top)
            bulk_load = getattr(index, "bulk_load", None)
            if bulk_load is not None and len(rows) * 20 < top - floor:
                # Few new entries, many items: index the items, search the entries.
                bulk_load(([i for i, _ in b], [v for _, v in b]) for b in recent)
                hits = index.search([(v,) for _, _, v in rows], radius)
                found.update(h.entry_id for near in hits for h in near)
                continue
            index.add([e for e, _, _ in rows], [v for _, _, v in rows])
            for batch in recent:
                hits = index.search([(v,) for _, v in batch], radius)
                found.update(item for (item, _), near in zip(batch, hits, strict=True) if near)
    return found


def _rematch(
    store: Store, matcher: Matcher, candidates: set[int], new_ids: set[int]
) -> tuple[list[tuple[int, Match]], list[tuple[int, Suppressed]]]:
    with store.connect_events() as ev:
        by_item = store_retro.signals_of(ev, sorted(candidates))
    queries: list[Query] = []
    owners: list[int] = []
    for item_id, found in sorted(by_item.items()):
        for signal_type, value in found:
            if signals.find(signal_type) is None:
                continue
            queries.append(Query(signal_type, value))
            owners.append(item_id)
    results = match_queries(matcher, queries, None, groups=owners)
    matches: list[tuple[int, Match]] = []
    held: list[tuple[int, Suppressed]] = []
    for item_id, found_here in zip(owners, results, strict=True):
        matches += [(item_id, m) for m in found_here if m.entry_id in new_ids]
        held += [(item_id, s) for s in suppressed_of(found_here) if s.entry_id in new_ids]
    with store.connect_events() as ev:
        done = store_retro.recorded_pairs(ev, [(i, m.entry_id) for i, m in matches])
    fresh = {(i, m.entry_id): m for i, m in matches if (i, m.entry_id) not in done}
    return [(i, dataclasses.replace(m, retroactive=True)) for (i, _), m in fresh.items()], held


def _record(
    store: Store,
    settings: Settings,
    found: list[tuple[int, Match]],
    held: list[tuple[int, Suppressed]],
) -> None:
    """One ``retro`` job: the matches on the items, logged, and the lists' ``record``
    actions (webhooks) for those that act; the suppressed ones logged as such."""
    if not found and not held:
        return
    job = Job(ReviewEnv(store, settings), ACTOR, "retro")
    job.record_found(found, held)
