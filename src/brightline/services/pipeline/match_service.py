"""Match content or hashes for someone (an API request): build the job, run it.

The API routes (``/v1/match*``, HMA's ``/m/lookup``) hand their uploads or hashes
here; each request is one job (``upload`` or ``lookup``: ``pipeline.job.Job``) that
hashes, matches, records and runs the lists' actions (webhooks, review items), as
``brightline match`` does. Recording never hides a verdict: a failure to record is
logged and the answer still goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from brightline.core import signals
from brightline.core.actor import Actor
from brightline.core.models import Match, Matches, ScanResult, Suppressed, suppressed_of
from brightline.core.sources import ContentItem
from brightline.errors import InputError
from brightline.services.lists.matching import Matcher, Query
from brightline.services.pipeline.job import ItemPolicy, Job
from brightline.services.pipeline.match import match_queries
from brightline.services.review.env import ReviewEnv

log = logging.getLogger("brightline.match")

#: Hashes an item (the API bounds concurrent decodes around ``hash_item``).
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

    def job(
        self,
        env: ReviewEnv,
        kind: str,
        lists: Sequence[str] | None = None,
        items: ItemPolicy = "all",
    ) -> Job:
        assert kind in ("upload", "lookup")
        prefix = self.actor.id if self.actor.kind == "key" else None
        return Job(
            env,
            self.actor,
            kind,
            lists=lists,
            ref=self.ref,
            request_id=self.request_id,
            key_prefix=prefix,
            items=items,
        )


def match_items(
    env: ReviewEnv,
    matcher: Matcher,
    items: Sequence[ContentItem],
    hasher: Hasher,
    request: Request,
    *,
    lists: Sequence[str] | None = None,
    record_items: ItemPolicy = "all",
    names: Sequence[str | None] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> tuple[list[ScanResult], int]:
    """Hash and match uploaded items as one ``upload`` job (recorded, the lists'
    actions run); returns the results and the webhook deliveries queued."""
    results = [hasher(item) for item in items]
    job = request.job(env, "upload", lists, record_items)
    job.match(results, matcher)
    media = [item.open if item.readable else None for item in items]
    names = list(names) if names is not None else [item.locator.name for item in items]
    matches = sum(len(r.matches) for r in results)
    queued = record_safely(
        lambda: job.record(results, media=media, names=names, metadata=metadata), matches
    )
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
    env: ReviewEnv,
    matcher: Matcher,
    hashes: Sequence[tuple[str, str]],
    request: Request,
    *,
    lists: Sequence[str] | None = None,
) -> list[HashRow]:
    """Look hashes up and record the matches (the synchronous whole; the API splits
    it to probe the PDQ index on its event loop)."""
    rows, queries, owners = parse_hashes(hashes)
    fill_rows(rows, owners, match_queries(matcher, queries, lists))
    record_lookup(env, rows, request)
    return rows


def record_lookup(env: ReviewEnv, rows: Sequence[HashRow], request: Request) -> int:
    """Record the matches of looked-up hashes (a ``lookup`` job); deliveries queued."""
    hits = [m for row in rows for m in row.matches]
    held = [s for row in rows for s in row.suppressed]
    if not hits and not held:
        return 0
    job = request.job(env, "lookup")
    return record_safely(lambda: job.record_matches(hits, held), len(hits) + len(held))


def record_safely(record: Callable[[], int], matches: int) -> int:
    """Run a recording; a failure is logged, never allowed to hide a verdict."""
    try:
        return record()
    except Exception:
        log.exception("could not record matches", extra={"matches": matches})
        return 0
