"""Hash-and-match glue shared by the native and the HMA-compatible routes.

The synchronous functions are CPU- or database-bound: routes call them through the
thread pool, never on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import BinaryIO

from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.errors import ApiError
from brightline.adapters.api.runtime import Runtime
from brightline.core import signals
from brightline.core.models import Match, ScanResult
from brightline.errors import InputError
from brightline.services import actions
from brightline.services.matching import Query
from brightline.services.scan import attach_matches

log = logging.getLogger("brightline.api")


def match_file(
    runtime: Runtime,
    data: bytes,
    name: str | None,
    lists: Sequence[str] | None,
    dihedral: bool,
    ctx: actions.MatchContext,
) -> ScanResult:
    """Hash an upload and match every signal; the list actions run for any match."""
    result = runtime.hash(data, dihedral, name or "<upload>")
    attach_matches([result], runtime.matcher, lists)
    record(runtime, result.matches, ctx)
    return result


def match_stream(
    runtime: Runtime,
    stream: BinaryIO,
    name: str | None,
    lists: Sequence[str] | None,
    dihedral: bool,
    ctx: actions.MatchContext,
) -> ScanResult:
    """``match_file`` for an upload spooled to disk (videos are never read whole)."""
    result = runtime.hash_stream(stream, dihedral, name or "<upload>")
    attach_matches([result], runtime.matcher, lists)
    record(runtime, result.matches, ctx)
    return result


def match_files(
    runtime: Runtime,
    files: Sequence[tuple[str | None, bytes]],
    lists: Sequence[str] | None,
    dihedral: bool,
    ctx: actions.MatchContext,
) -> list[ScanResult]:
    results = [runtime.hash(data, dihedral, name or "<upload>") for name, data in files]
    attach_matches(results, runtime.matcher, lists)
    record(runtime, [m for r in results for m in r.matches], ctx)
    return results


#: ``(signal type, value, matches, error)``: one row per hash looked up.
HashRow = tuple[str, str, list[Match], str | None]


async def match_hashes(
    runtime: Runtime,
    hashes: Sequence[tuple[str, str]],
    lists: Sequence[str] | None,
    ctx: actions.MatchContext,
) -> list[HashRow]:
    """Look hashes up; a bad hash is a row with its error.

    PDQ look-ups are index probes of microseconds: they run on the event loop (a
    thread hand-off would cost more than the work), except while the index is
    being refreshed. Exact hashes are database look-ups, and recording a match is
    a write: those run in the thread pool.
    """
    rows, queries, owners = _parse(hashes)
    if all(q.signal_type == "pdq" for q in queries):
        found = await runtime.run_light(runtime.matcher.match, queries, lists)
    else:
        found = await run_in_threadpool(runtime.matcher.match, queries, lists)
    for owner, matches in zip(owners, found, strict=True):
        rows[owner][2].extend(matches)
    hits = [m for row in rows for m in row[2]]
    if hits:
        await run_in_threadpool(record, runtime, hits, ctx)
    return rows


def _parse(hashes: Sequence[tuple[str, str]]) -> tuple[list[HashRow], list[Query], list[int]]:
    rows: list[HashRow] = []
    queries: list[Query] = []
    owners: list[int] = []
    for signal_type, value in hashes:
        try:
            query = Query(*signals.normalize(signal_type, value))
        except InputError as exc:
            rows.append((signal_type, value, [], str(exc)))
            continue
        owners.append(len(rows))
        queries.append(query)
        rows.append((query.signal_type, query.value, [], None))
    return rows, queries, owners


def record(runtime: Runtime, matches: Sequence[Match], ctx: actions.MatchContext) -> None:
    """Run the lists' actions. A failure is logged, never allowed to hide a verdict."""
    if not matches:
        return
    try:
        if actions.record_matches(runtime.services.store, matches, ctx):
            runtime.kick.set()
    except Exception:
        log.exception("could not record matches", extra={"matches": len(matches)})


def refuse_unhashable(result: ScanResult) -> None:
    """A file that could not be fully hashed is a 4xx, unless a digest matched anyway."""
    if result.error is None or result.matches:
        return
    if result.signals is None:
        raise ApiError(400, "empty_file", result.error)
    if result.signals.media_type is None:
        raise ApiError(422, "not_an_image", result.error)
    raise ApiError(422, "undecodable", result.error)
