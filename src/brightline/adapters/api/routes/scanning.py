"""Hash and match: files (multipart or raw body), hashes, batches, URLs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api import matching
from brightline.adapters.api.deps import RuntimeDep, ScannerKey
from brightline.adapters.api.errors import ApiError
from brightline.adapters.api.runtime import Runtime
from brightline.adapters.api.schemas import (
    BATCH_MAX,
    FileHashBatchOut,
    FileMatchBatchOut,
    FileMatchOut,
    HashBatchIn,
    HashBatchOut,
    HashMatchIn,
    HashMatchOut,
    HashOut,
    UrlMatchIn,
)
from brightline.adapters.api.uploads import (
    LARGE_JSON,
    MANY_FILES,
    ONE_FILE,
    read_bodies,
    read_one_body,
)
from brightline.core.models import Match, ScanResult, match_json, suppressed_of
from brightline.errors import ForbiddenError
from brightline.services.actions import MatchContext
from brightline.services.review.metadata import parse_metadata

router = APIRouter(prefix="/v1", tags=["scanning"])

ListsParam = Annotated[
    list[str] | None,
    Query(alias="list", max_length=100, description="Match only this list (repeatable)."),
]
RefParam = Annotated[
    str | None, Query(max_length=256, description="Your id for the upload; kept in the match log.")
]
DihedralParam = Annotated[
    bool, Query(description="Also match the 8 rotations and flips of the picture (PDQ).")
]


def _rid(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _ctx(request: Request, key: Any, ref: str | None) -> MatchContext:
    actor = matching.key_actor(key).label
    return MatchContext(request_id=_rid(request), key_prefix=key.prefix, ref=ref, actor=actor)


def _matches(found: list[Match]) -> list[dict[str, object]]:
    return [match_json(m) for m in found]


def _file_row(result: ScanResult) -> dict[str, object]:
    name = None if result.path == "<upload>" else result.path
    return {
        "name": name,
        "matched": bool(result.matches),
        "signals": result.signals.as_dict() if result.signals else None,
        "matches": _matches(result.matches),
        "suppressed": [x.as_dict() for x in result.suppressed],
        "error": result.error_dict(),
    }


def _hash_error(message: str | None) -> dict[str, str] | None:
    # TODO(services): brightline.errors.error_dict(exc) once InvalidHashError has a code.
    return None if message is None else {"code": "invalid_hash", "message": message}


@router.post("/hash", response_model=HashOut, openapi_extra=ONE_FILE)
async def hash_file(
    request: Request, runtime: RuntimeDep, _key: ScannerKey, dihedral: DihedralParam = False
) -> dict[str, object]:
    """Every signal of one file: MD5, SHA-1, SHA-256 and, for pictures, PDQ."""
    body, _ = await read_one_body(request)
    try:
        result = await run_in_threadpool(runtime.hash_item, body.item(), dihedral)
    finally:
        body.close()
    matching.refuse_unhashable(result)
    assert result.signals is not None
    return {"request_id": _rid(request), "name": body.name, "signals": result.signals.as_dict()}


@router.post("/hash/batch", response_model=FileHashBatchOut, openapi_extra=MANY_FILES)
async def hash_files(
    request: Request, runtime: RuntimeDep, _key: ScannerKey, dihedral: DihedralParam = False
) -> dict[str, object]:
    """Signals of up to 100 files (repeat the ``file`` part); a bad file is a row with
    its ``error``."""
    bodies = await read_bodies(request, BATCH_MAX)
    rows = []
    try:
        for body in bodies:
            result = await run_in_threadpool(runtime.hash_item, body.item(), dihedral)
            signals = result.signals.as_dict() if result.signals else None
            rows.append({"name": body.name, "signals": signals, "error": result.error_dict()})
    finally:
        for body in bodies:
            body.close()
    return {"request_id": _rid(request), "results": rows}


@router.post("/match", response_model=FileMatchOut, openapi_extra=ONE_FILE)
async def match_file(
    request: Request,
    runtime: RuntimeDep,
    key: ScannerKey,
    lists: ListsParam = None,
    dihedral: DihedralParam = False,
    ref: RefParam = None,
) -> JSONResponse:
    """Hash one file and match it against the lists: the verdict, with provenance.

    A file that cannot be fully hashed (not a picture, truncated, a decompression
    bomb) is refused with 422 and the reason, unless one of its digests matched: a
    match is always returned.
    """
    body, fields = await read_one_body(request, ("metadata",))
    ctx = _ctx(request, key, ref)
    try:
        metadata = parse_metadata(fields.get("metadata"))  # the reported user etc. (review)
        result = await run_in_threadpool(
            matching.match_upload, runtime, body, lists, dihedral, ctx, metadata
        )
    finally:
        body.close()
    matching.refuse_unhashable(result)
    return JSONResponse({"request_id": ctx.request_id, **_file_row(result)})


@router.post("/match/batch", response_model=FileMatchBatchOut, openapi_extra=MANY_FILES)
async def match_files(
    request: Request,
    runtime: RuntimeDep,
    key: ScannerKey,
    lists: ListsParam = None,
    dihedral: DihedralParam = False,
    ref: RefParam = None,
) -> dict[str, object]:
    """Match up to 100 files (repeat the ``file`` part); a bad file is a row with its
    ``error``."""
    bodies = await read_bodies(request, BATCH_MAX)
    ctx = _ctx(request, key, ref)
    try:
        results = await run_in_threadpool(
            matching.match_uploads, runtime, bodies, lists, dihedral, ctx
        )
    finally:
        for body in bodies:
            body.close()
    return {"request_id": ctx.request_id, "results": [_file_row(r) for r in results]}


@router.post("/match/hash", response_model=HashMatchOut, openapi_extra=LARGE_JSON)
async def match_hash(
    body: HashMatchIn, request: Request, runtime: RuntimeDep, key: ScannerKey
) -> JSONResponse:
    """Match one hash (``signal_type`` + ``value``) against the lists."""
    ctx = _ctx(request, key, body.ref)
    [(signal_type, value, found, error)] = await matching.match_hashes(
        runtime, [(body.signal_type, body.value)], body.lists, ctx
    )
    if error is not None:
        raise ApiError(422, "invalid_hash", error)
    # The dict is JSON already: skip re-validating it against the response model.
    return JSONResponse(
        {
            "request_id": ctx.request_id,
            "signal_type": signal_type,
            "value": value,
            "matched": bool(found),
            "matches": _matches(found),
            "suppressed": [x.as_dict() for x in suppressed_of(found)],
        }
    )


@router.post("/match/hash/batch", response_model=HashBatchOut, openapi_extra=LARGE_JSON)
async def match_hashes(
    body: HashBatchIn, request: Request, runtime: RuntimeDep, key: ScannerKey
) -> dict[str, object]:
    """Match up to 100 hashes; an invalid one is a row with its ``error``."""
    ctx = _ctx(request, key, body.ref)
    rows = await matching.match_hashes(
        runtime, [(h.signal_type, h.value) for h in body.hashes], body.lists, ctx
    )
    return {
        "request_id": ctx.request_id,
        "results": [
            {
                "signal_type": t,
                "value": v,
                "matched": bool(found),
                "matches": _matches(found),
                "suppressed": [x.as_dict() for x in suppressed_of(found)],
                "error": _hash_error(err),
            }
            for t, v, found, err in rows
        ],
    }


@router.post("/match/url", response_model=FileMatchOut)
def match_url(
    body: UrlMatchIn, request: Request, runtime: RuntimeDep, key: ScannerKey
) -> dict[str, object]:
    """Fetch a file by URL and match it (only when the server enables fetching)."""
    data = fetch(runtime, body.url)
    ctx = _ctx(request, key, body.ref)
    result = matching.match_file(runtime, data, body.url, body.lists, body.dihedral, ctx)
    matching.refuse_unhashable(result)
    return {"request_id": ctx.request_id, **_file_row(result)}


def fetch(runtime: Runtime, url: str) -> bytes:
    if runtime.fetch is None:
        raise ForbiddenError("fetching by URL is disabled on this server")
    return runtime.fetch.fetch(url)
