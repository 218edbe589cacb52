"""The API's side of matching: the request's actor and context, the event loop.

Each request is one job (``services.pipeline.match_service`` builds it; the job is the
CLI's too): hash, match, record, and the lists' actions (webhooks, review items).
The synchronous functions are CPU- or database-bound: routes call them through the
thread pool, never on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.errors import ApiError
from brightline.adapters.api.runtime import Runtime
from brightline.core import signals
from brightline.core.actor import Actor
from brightline.core.models import Match, ScanResult
from brightline.core.sources.upload import UploadBody
from brightline.services import actions
from brightline.services.people.auth import ApiKey
from brightline.services.pipeline import match_service
from brightline.services.pipeline.match import match_queries
from brightline.services.pipeline.match_service import HashRow

log = logging.getLogger("brightline.api")

__all__ = ["HashRow", "match_file", "match_hashes", "match_upload"]


def key_actor(key: ApiKey) -> Actor:
    return Actor("key", key.prefix, key.name, key.role.value)


def request_of(ctx: actions.MatchContext) -> match_service.Request:
    """The service's view of a request: its actor is the API key."""
    return match_service.Request(Actor("key", ctx.key_prefix or "unknown"), ctx.request_id, ctx.ref)


def match_uploads(
    runtime: Runtime,
    bodies: Sequence[UploadBody],
    lists: Sequence[str] | None,
    dihedral: bool,
    ctx: actions.MatchContext,
    metadata: Mapping[str, Any] | None = None,
) -> list[ScanResult]:
    """Hash uploads (streamed from their spool) and match them; actions run for any match
    (a list with a ``review`` action keeps the file, encrypted, for review)."""
    results, queued = match_service.match_items(
        runtime.review,
        runtime.matcher,
        [b.item() for b in bodies],
        lambda item: runtime.hash_item(item, dihedral),
        request_of(ctx),
        lists=lists,
        record_items=runtime.settings.record_items,
        names=[b.name for b in bodies],
        metadata=metadata,
    )
    if queued:
        runtime.kick.set()
    return results


def match_upload(
    runtime: Runtime,
    body: UploadBody,
    lists: Sequence[str] | None,
    dihedral: bool,
    ctx: actions.MatchContext,
    metadata: Mapping[str, Any] | None = None,
) -> ScanResult:
    return match_uploads(runtime, [body], lists, dihedral, ctx, metadata)[0]


def match_file(
    runtime: Runtime,
    data: bytes,
    name: str | None,
    lists: Sequence[str] | None,
    dihedral: bool,
    ctx: actions.MatchContext,
    metadata: Mapping[str, Any] | None = None,
) -> ScanResult:
    """Hash bytes already in memory (a fetched URL) and match them."""
    with UploadBody.of(data, name) as body:
        return match_upload(runtime, body, lists, dihedral, ctx, metadata)


async def match_hashes(
    runtime: Runtime,
    hashes: Sequence[tuple[str, str]],
    lists: Sequence[str] | None,
    ctx: actions.MatchContext,
) -> list[tuple[str, str, list[Match], str | None]]:
    """Look hashes up; a bad hash is a row with its error.

    Non-exact look-ups (PDQ) are index probes of microseconds: they run on the event loop (a
    thread hand-off would cost more than the work), except while the index is
    being refreshed. Exact hashes are database look-ups, and recording a match is
    a write (to the events database, never behind an import): those run in the
    thread pool.
    """
    rows, queries, owners = match_service.parse_hashes(hashes)
    light = not runtime.matcher.writes_on_match  # flood counting writes: not on the loop
    if light and not any(signals.is_exact(q.signal_type) for q in queries):
        found = await runtime.run_light(match_queries, runtime.matcher, queries, lists)
    else:
        found = await run_in_threadpool(match_queries, runtime.matcher, queries, lists)
    match_service.fill_rows(rows, owners, found)
    if any(row.matches or row.suppressed for row in rows):
        queued = await run_in_threadpool(
            match_service.record_lookup, runtime.review, rows, request_of(ctx)
        )
        if queued:
            runtime.kick.set()
    return [row.as_tuple() for row in rows]


def refuse_unhashable(result: ScanResult) -> None:
    """A file that could not be fully hashed is a 4xx, unless a digest matched anyway."""
    if result.error is None or result.matches:
        return
    if result.signals is None:
        raise ApiError(400, "empty_file", result.error)
    if result.signals.media_type is None:
        raise ApiError(422, "not_an_image", result.error)
    raise ApiError(422, "undecodable", result.error)
