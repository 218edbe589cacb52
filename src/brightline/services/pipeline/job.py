"""A job: one run of content through start -> hash -> match -> record -> act -> finish.

Every source builds one: a CLI scan (``scan``) or hash-file look-up (``lookup``), an
API upload request (``upload``) or hash look-up (``lookup``), a case exhibit
(``case``), a live stream (``watch``). The entry points only build the job and
render what it yields.

- **start**: the job's row (kind, actor, ref, request) on the events database.
- **hash**: the one hashing pool (``pool.hash_items``) and the one ``hash_item``
  (``evidence=True`` for cases), every error a ``{code, message}``.
- **match**: ``match.match_results``, the one match step.
- **record**: in one transaction on the events database, the items (all, or only
  matched ones: an item whose matches a negative list suppressed is kept too), their
  signals and matches, and every action of the ``record`` phase (the match log, with
  quarantined, retroactive and suppressed matches marked; webhook deliveries); the
  lists' actions are read once per job.
- **act**: then the ``after`` actions (review items) with each matched item's content.
  Only matches that ``act`` run actions other than the log: a match quarantined by
  its list's flood limit or suppressed by a negative list runs none.
- **finish**: the job's status (``done``, ``interrupted``, ``failed``).

Statistics events (``services.stats.hooks``) are written in the job's own
transactions: the job started and finished, every item checked and hashed and every
match (``_record_hits``), and each action where its handler acts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection

from brightline.core.actor import Actor
from brightline.core.models import Match, ScanResult, Suppressed
from brightline.core.sources import ContentItem
from brightline.services.actions import ActionKind, read_actions
from brightline.services.actions import registry as action_registry
from brightline.services.actions.registry import ActionCache, ActionRun, Hit, MatchContext, Opener
from brightline.services.hashing import HashOptions
from brightline.services.lists.matching import Matcher
from brightline.services.pipeline import pool
from brightline.services.pipeline.match import match_results
from brightline.services.review.env import ReviewEnv
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import content as store_content

#: ``all``: every item and its signals; ``matched``: only items that matched.
ItemPolicy = Literal["all", "matched"]
#: One request (or one retroactive pass): the job is done when its one batch is written.
ONE_SHOT = frozenset({"upload", "lookup", "retro"})


@dataclass
class Job:
    """One job. ``record`` may be called many times (a scan, batch by batch)."""

    env: ReviewEnv
    actor: Actor
    kind: str
    lists: Sequence[str] | None = None
    #: Decode budget and options (``max_pixels``, ``max_decode_bytes``, dihedral).
    opts: HashOptions = field(default_factory=HashOptions)
    ref: str | None = None
    request_id: str | None = None
    key_prefix: str | None = None
    #: Run the lists' actions (webhooks, review…); every match is logged regardless.
    run_actions: bool = True
    items: ItemPolicy = "all"
    workers: int = 0
    #: Hash as evidence (cases): no access times touched, any failure a row.
    evidence: bool = False
    batch: int = 256
    #: A batch is matched and recorded at the latest this long after its first result.
    flush_s: float = 0.5
    #: What statistics call the source (default: the kind; ``watch`` is ``stream``).
    source: str | None = None
    id: int | None = None
    deliveries: int = 0
    acted: dict[str, int] = field(default_factory=dict)
    _actions: ActionCache | None = field(default=None, repr=False)

    @property
    def store(self) -> Any:
        return self.env.store

    @property
    def context(self) -> MatchContext:
        return MatchContext(
            self.request_id, self.key_prefix, self.ref, self.actor.label, self.id, self.kind
        )

    # -- start ---------------------------------------------------------------------

    def start(self, conn: Connection | None = None) -> int:
        """The job's id, creating its row on first use."""
        if self.id is None:
            now = datetime.now(UTC)
            if conn is None:
                with self.store.begin_events() as own:
                    self.id = self._insert_job(own, now)
            else:
                self.id = self._insert_job(conn, now)
        return self.id

    @property
    def stats_source(self) -> str:
        return self.source or self.kind

    def _insert_job(self, conn: Connection, now: datetime) -> int:
        job_id = store_content.insert_job(
            conn,
            self.kind,
            self.actor.label,
            now,
            self.ref,
            self.request_id,
            done=self.kind in ONE_SHOT,
        )
        stats_hooks.job(conn, self.actor.label, self.stats_source, "started", job_id, now)
        return job_id

    # -- hash, match ---------------------------------------------------------------

    def hash(self, items: Iterable[ContentItem]) -> Generator[pool.Hashed, None, None]:
        return pool.hash_items(items, self.opts, self.workers, evidence=self.evidence)

    def match(self, results: Sequence[ScanResult], matcher: Matcher) -> None:
        match_results(results, matcher, self.lists)

    def run(
        self, items: Iterable[ContentItem], matcher: Matcher
    ) -> Generator[list[pool.Hashed], None, None]:
        """Hash, match, record and act on ``items``, batch by batch; yields each batch
        once recorded (full batches for speed; on slow content, at least every
        ``flush_s``). Closing the generator stops the hashing processes."""
        batch: list[pool.Hashed] = []
        started = time.monotonic()
        hashed = self.hash(items)
        try:
            for pair in hashed:
                batch.append(pair)
                if len(batch) >= self.batch or time.monotonic() - started >= self.flush_s:
                    self.step(batch, matcher)
                    yield batch
                    batch, started = [], time.monotonic()
            if batch:
                self.step(batch, matcher)
                yield batch
        finally:
            hashed.close()

    def step(self, batch: Sequence[pool.Hashed], matcher: Matcher) -> None:
        """Match, record and act on one batch of hashed items."""
        results = [r for _, r in batch]
        self.match(results, matcher)
        self.record(
            results,
            media=[_opener(item) for item, _ in batch],
            names=[_name(item) for item, _ in batch],
        )

    # -- record, act ---------------------------------------------------------------

    def record(
        self,
        results: Sequence[ScanResult],
        *,
        media: Sequence[Opener | None] | None = None,
        names: Sequence[str | None] | None = None,
        metadata: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> int:
        """Store these results and run the lists' actions; returns webhook deliveries
        queued. ``media``: each result's content (for actions that keep it);
        ``metadata``: the content's context (one for all, or one per result)."""
        n = len(results)
        opened = list(media) if media is not None else [None] * n
        named = list(names) if names is not None else [None] * n
        if metadata is None or isinstance(metadata, Mapping):
            metas: list[Mapping[str, Any]] = [metadata or {}] * n
        else:
            metas = list(metadata)
        keep = [
            i for i, r in enumerate(results) if self.items == "all" or r.matches or r.suppressed
        ]
        if not keep:  # only counted (a job that keeps matched items met none here)
            if results:
                with self.store.begin_events() as conn:
                    self._count_results(conn, results)
            return 0
        hits = [
            Hit(
                results[i].matches,
                results[i],
                None,
                opened[i],
                named[i],
                dict(metas[i]),
                results[i].suppressed,
            )
            for i in keep
        ]
        return self._record_hits(hits, items=[results[i] for i in keep], counted=results)

    def record_matches(
        self, matches: Sequence[Match], suppressed: Sequence[Suppressed] = ()
    ) -> int:
        """Matches of hashes looked up directly (no content item), and the matches a
        negative list suppressed."""
        if not matches and not suppressed:
            return 0
        hits = [Hit([m]) for m in matches] + [Hit([], suppressed=[s]) for s in suppressed]
        return self._record_hits(hits, items=None)

    def record_found(
        self,
        found: Sequence[tuple[int, Match]],
        suppressed: Sequence[tuple[int, Suppressed]] = (),
    ) -> int:
        """Matches found later in items already recorded (``(item_id, match)``:
        retroactive matching); the content is not kept, so only the ``record``
        actions (log, webhooks) can run."""
        if not found and not suppressed:
            return 0
        hits = [Hit([m], item_id=i) for i, m in found]
        hits += [Hit([], item_id=i, suppressed=[s]) for i, s in suppressed]
        return self._record_hits(hits, items=None, existing=True)

    def _count_results(self, conn: Connection, results: Sequence[ScanResult]) -> None:
        stats_hooks.results(conn, self.stats_source, self.actor.label, results, self.id)

    def _record_hits(
        self,
        hits: list[Hit],
        items: list[ScanResult] | None,
        counted: Sequence[ScanResult] = (),
        existing: bool = False,
    ) -> int:
        matched = [h for h in hits if h.matches or h.suppressed]
        acts = self._actions_for(matched)
        with self.store.begin_events() as conn:
            self.start(conn)
            if items is None:
                found = [m for h in hits for m in h.matches]
                held = [s for h in hits for s in h.suppressed]
                stats_hooks.matches(
                    conn, self.stats_source, self.actor.label, found, self.id, suppressed=held
                )
                if existing:  # matches of items recorded earlier
                    rows = [_match_row(h.item_id, m) for h in hits if h.item_id for m in h.matches]
                    store_content.insert_matches(conn, rows)
            else:
                self._count_results(conn, counted)
                ids = self._record_in(conn, items)
                for hit, item_id in zip(hits, ids, strict=True):
                    hit.item_id = item_id
            done = action_registry.dispatch("record", acts, self._run_of(matched, conn))
        queued = done.get(ActionKind.WEBHOOK, 0)
        self.deliveries += queued
        self._count(done)
        if acts:
            self._count(action_registry.dispatch("after", acts, self._run_of(matched, None)))
        return queued

    def _actions_for(self, hits: Sequence[Hit]) -> list[action_registry.Action]:
        if not self.run_actions or not hits:
            return []
        if self._actions is None:
            self._actions = ActionCache(lambda ids: read_actions(self.store, ids))
        return self._actions.for_matches([m for h in hits for m in h.acting])

    def _run_of(
        self, hits: Sequence[Hit], conn: Connection | None
    ) -> Callable[[list[action_registry.Action]], ActionRun]:
        return lambda mine: ActionRun(mine, hits, self.context, self.actor, self.env, conn)

    def _count(self, done: Mapping[str, int]) -> None:
        for kind, n in done.items():
            self.acted[kind] = self.acted.get(kind, 0) + n

    def _record_in(self, conn: Connection, results: Sequence[ScanResult]) -> list[int]:
        """Items, their signals and matches, in the job's transaction."""
        assert self.id is not None
        now = datetime.now(UTC)
        rows = [_item_row(self.id, r, now) for r in results]
        ids = store_content.insert_items(conn, rows)
        signals: list[dict[str, Any]] = []
        found: list[dict[str, Any]] = []
        for result, item_id in zip(results, ids, strict=True):
            signals.extend(_signal_rows(item_id, result))
            found.extend(_match_row(item_id, m) for m in result.matches)
        store_content.insert_signals(conn, signals)
        store_content.insert_matches(conn, found)
        return ids

    # -- finish --------------------------------------------------------------------

    def finish(self, status: str = "done") -> None:
        if self.id is None:
            return
        with self.store.begin_events() as conn:
            store_content.finish_job(conn, self.id, status, datetime.now(UTC))
            stats_hooks.job(conn, self.actor.label, self.stats_source, status, self.id)


def _opener(item: ContentItem) -> Opener | None:
    return item.open if item.readable else None


def _name(item: ContentItem) -> str | None:
    if item.path is not None:
        return os.path.basename(item.path)
    return item.locator.name or None


def _item_row(job_id: int, result: ScanResult, now: datetime) -> dict[str, Any]:
    s = result.signals
    return {
        "job_id": job_id,
        "locator": store_content.clean_text(result.path),
        "size": s.size if s else None,
        "media_type": s.media_type if s else None,
        "error_code": result.error_code if result.error else None,
        "error_message": store_content.clean_text(result.error, 2000),
        "at": now,
    }


def _signal_rows(item_id: int, result: ScanResult) -> list[dict[str, Any]]:
    s = result.signals
    if s is None:
        return []
    return [
        {"item_id": item_id, "signal_type": t, "value": v.value, "quality": v.quality}
        for t, v in s.signals.items()
    ]


def _match_row(item_id: int, m: Match) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "list_name": m.list_name,
        "entry_id": m.entry_id,
        "signal_type": m.signal_type,
        "value": m.value,
        "distance": m.distance,
        "category": m.category,
        "extra": store_content.extra_json(m.scheme, m.source, m.source_id),
    }
