"""Match content or hashes for someone, and record what was found.

The API routes (``/v1/match*``, HMA's ``/m/lookup``) and the CLI (``brightline
match``) run the same sequence: hash each item (``items.hash_item``), match its
signals (``scan.attach_matches``), record the job, its items and every match
(``recording.Recorder``). The CLI streams a folder through ``scan.scan``; a request
passes its uploads here. Recording never hides a verdict: a failure to record is
logged and the answer still goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from brightline.core import signals
from brightline.core.actor import Actor
from brightline.core.models import Match, Matches, ScanResult, Suppressed, suppressed_of
from brightline.core.sources import ContentItem
from brightline.errors import InputError
from brightline.services.matching import Matcher, Query
from brightline.services.recording import ItemPolicy, Recorder
from brightline.services.scan import match_and_record
from brightline.services.store import Store

log = logging.getLogger("brightline.match")

#: Hashes an item (the API bounds concurrent decodes around ``items.hash_item``).
Hasher = Callable[[ContentItem], ScanResult]


@dataclass
class HashRow:
    """One hash looked up: its normalised type and value, matches, or why it is invalid."""

    signal_type: str
    value: str
    matches: list[Match]
    error: str | None = None
    #: Matches a negative list suppressed.
    suppressed: list[Suppressed] = field(default_factory=list)

    def as_tuple(self) -> tuple[str, str, list[Match], str | None]:
        """``matches`` carries ``suppressed`` (``models.suppressed_of`` reads it)."""
        return (self.signal_type, self.value, Matches(self.matches, self.suppressed), self.error)


@dataclass(frozen=True, slots=True)
class Request:
    """Who asks, and what the request is called: recorded with every match."""

    actor: Actor
    request_id: str | None = None
    ref: str | None = None

    def recorder(self, store: Store, kind: str, items: ItemPolicy = "all") -> Recorder:
        assert kind in ("upload", "lookup")
        prefix = self.actor.id if self.actor.kind == "key" else None
        return Recorder(
            store,
            self.actor,
            "upload" if kind == "upload" else "lookup",
            ref=self.ref,
            request_id=self.request_id,
            key_prefix=prefix,
            items=items,
        )


def match_items(
    store: Store,
    matcher: Matcher,
    items: Sequence[ContentItem],
    hasher: Hasher,
    request: Request,
    *,
    lists: Sequence[str] | None = None,
    record_items: ItemPolicy = "all",
) -> tuple[list[ScanResult], int]:
    """Hash and match uploaded items, record them (one ``upload`` job) and queue the
    lists' webhooks; returns the results and the deliveries queued."""
    results = [hasher(item) for item in items]
    recorder = request.recorder(store, "upload", record_items)
    match_and_record(results, matcher, lists, None)
    queued = record_safely(lambda: recorder.record(results), sum(len(r.matches) for r in results))
    return results, queued


def parse_hashes(hashes: Sequence[tuple[str, str]]) -> tuple[list[HashRow], list[Query], list[int]]:
    """Rows for each hash (an invalid one carries its error), the valid queries, and
    the row each query belongs to."""
    rows: list[HashRow] = []
    queries: list[Query] = []
    owners: list[int] = []
    for signal_type, value in hashes:
        try:
            query = Query(*signals.normalize(signal_type, value))
        except InputError as exc:
            rows.append(HashRow(signal_type, value, [], str(exc)))
            continue
        owners.append(len(rows))
        queries.append(query)
        rows.append(HashRow(query.signal_type, query.value, []))
    return rows, queries, owners


def fill_rows(rows: list[HashRow], owners: Sequence[int], found: Sequence[list[Match]]) -> None:
    for owner, matches in zip(owners, found, strict=True):
        rows[owner].matches.extend(matches)
        rows[owner].suppressed.extend(suppressed_of(matches))


def match_hashes(
    store: Store,
    matcher: Matcher,
    hashes: Sequence[tuple[str, str]],
    request: Request,
    *,
    lists: Sequence[str] | None = None,
) -> list[HashRow]:
    """Look hashes up and record the matches (the synchronous whole; the API splits
    it to probe the PDQ index on its event loop)."""
    rows, queries, owners = parse_hashes(hashes)
    fill_rows(rows, owners, matcher.match(queries, lists))
    record_lookup(store, rows, request)
    return rows


def record_lookup(store: Store, rows: Sequence[HashRow], request: Request) -> int:
    """Record the matches of looked-up hashes (a ``lookup`` job); deliveries queued."""
    hits = [m for row in rows for m in row.matches]
    held = [s for row in rows for s in row.suppressed]
    if not hits and not held:
        return 0
    recorder = request.recorder(store, "lookup")
    return record_safely(lambda: recorder.record_matches(hits, held), len(hits) + len(held))


def record_safely(record: Callable[[], int], matches: int) -> int:
    """Run a recording; a failure is logged, never allowed to hide a verdict."""
    try:
        return record()
    except Exception:
        log.exception("could not record matches", extra={"matches": matches})
        return 0
