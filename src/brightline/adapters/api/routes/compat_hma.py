"""HMA-compatible routes, so a client written for Meta's Hasher-Matcher-Actioner
works against Brightline by changing its base URL to ``…/compat/hma``.

Requests and answers take the shapes HMA documents (``/h/hash``, ``/m/lookup``,
``/m/raw_lookup``, ``/c/banks``, ``/c/bank/{name}/content``, ``/c/bank/{name}/signal``).
Banks are Brightline lists and a ``bank_content_id`` is a Brightline entry id. Unlike
HMA, every route needs an API key: send it as a Bearer token, or put it in the base
URL as the password (``http://hma:<key>@host:8000/compat/hma``), which HTTP clients
turn into Basic auth by themselves. Errors take Brightline's one JSON shape.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api import matching
from brightline.adapters.api.deps import CuratorKey, RuntimeDep, ScannerKey, ServicesDep, actor
from brightline.adapters.api.errors import ApiError
from brightline.adapters.api.routes.scanning import fetch
from brightline.adapters.api.runtime import Runtime
from brightline.adapters.api.uploads import LARGE_JSON, read_files
from brightline.core import signals
from brightline.core.actor import Actor
from brightline.core.models import HashList, Match, ScanResult
from brightline.core.signals import vpdq
from brightline.services import lists
from brightline.services.actions import MatchContext
from brightline.services.lists import curation

router = APIRouter(prefix="/compat/hma", tags=["hma-compat"])

# HMA's signal type names that Brightline spells differently (the registry knows
# more aliases; these are the ones HMA writes).
_TYPE_NAMES = {"video_md5": "md5"}
#: The exact signal banked beside the perceptual ones for a picture (HMA banks
#: ``video_md5`` for videos; Brightline keeps the file's MD5 for every content).
_BANKED_EXACT = "md5"
_PHOTO = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"photo": {"type": "string", "format": "binary"}},
                    "required": ["photo"],
                }
            }
        },
    }
}

Banks = Annotated[str | None, Query(max_length=2000, description="Comma-separated bank names.")]
BankName = Annotated[str, Path(max_length=200)]


def _banks(value: str | None) -> set[str] | None:
    return {b.strip() for b in value.split(",") if b.strip()} if value else None


def _signals_of(result: ScanResult) -> dict[str, str]:
    """``{signal type: hash}``; a video's vPDQ as pytx writes it (a JSON array)."""
    if result.signals is None:
        return {}
    out = result.signals.hashes()
    frames = result.signals.vpdq
    if frames:
        out["vpdq"] = vpdq.to_pytx(frames)
    return out


def _by_bank(found: Sequence[Match], banks: set[str] | None) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for m in found:
        if banks is None or m.list_name in banks:
            row = {"bank_content_id": m.entry_id, "distance": str(m.distance)}
            out.setdefault(m.list_name, []).append(row)
    return out


def _bank(hl: HashList) -> dict[str, Any]:
    return {"name": hl.name, "matching_enabled_ratio": 1.0}


def _ctx(request: Request, prefix: str) -> MatchContext:
    return MatchContext(getattr(request.state, "request_id", None), prefix, None)


async def _upload(request: Request) -> tuple[str | None, bytes]:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(400, "bad_request", "Missing multipart/form-data file upload")
    [(name, data)] = await read_files(request, max_files=1)
    if not data:
        raise ApiError(400, "empty_file", "the upload is empty")
    return name, data


def _hash(runtime: Runtime, data: bytes) -> ScanResult:
    result = runtime.hash(data)
    matching.refuse_unhashable(result)
    return result


@router.get("/status")
async def status(runtime: RuntimeDep, _key: ScannerKey) -> dict[str, str]:
    """200 once the server can answer lookups. Unlike HMA's, it needs a key (every
    route outside /health/* does); the unauthenticated probe is /health/ready."""
    if not runtime.ready:
        raise ApiError(503, "not_ready", "the index is still loading")
    return {"status": "ok"}


# -- hashing ----------------------------------------------------------------------


@router.get("/h/hash")
def hash_url(
    runtime: RuntimeDep, _key: ScannerKey, url: Annotated[str, Query(max_length=2000)]
) -> dict[str, str]:
    """Fetch a URL (when the server allows it) and return ``{signal type: hash}``."""
    return _signals_of(_hash(runtime, fetch(runtime, url)))


@router.post("/h/hash", openapi_extra=_PHOTO)
async def hash_upload(request: Request, runtime: RuntimeDep, _key: ScannerKey) -> dict[str, str]:
    """Hash a ``multipart/form-data`` upload (field ``photo``): ``{signal type: hash}``."""
    _, data = await _upload(request)
    return _signals_of(await run_in_threadpool(_hash, runtime, data))


# -- matching ---------------------------------------------------------------------


async def _lookup_signal(
    runtime: Runtime, signal_type: str, signal: str, ctx: MatchContext
) -> list[Match]:
    signal_type = _TYPE_NAMES.get(signal_type, signal_type)
    [(_, _, found, error)] = await matching.match_hashes(
        runtime, [(signal_type, signal)], None, ctx
    )
    if error is not None:
        raise ApiError(400, "invalid_hash", f"invalid signal: {error}")
    return found


@router.get("/m/lookup")
async def lookup(
    request: Request,
    runtime: RuntimeDep,
    key: ScannerKey,
    signal_type: Annotated[str | None, Query(max_length=32)] = None,
    signal: Annotated[str | None, Query(max_length=512)] = None,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    banks: Banks = None,
) -> dict[str, Any]:
    """``{bank: [{bank_content_id, distance}]}`` for a hash; keyed by signal type
    first when a ``url`` is given instead."""
    ctx = _ctx(request, key.prefix)
    if url:
        data = await run_in_threadpool(fetch, runtime, url)
        result = await run_in_threadpool(matching.match_file, runtime, data, url, None, False, ctx)
        matching.refuse_unhashable(result)
        return _by_signal_type(result, _banks(banks))
    if not signal or not signal_type:
        raise ApiError(400, "bad_request", "Either url or both signal and signal_type are required")
    return _by_bank(await _lookup_signal(runtime, signal_type, signal, ctx), _banks(banks))


@router.post("/m/lookup", openapi_extra=_PHOTO)
async def lookup_upload(
    request: Request, runtime: RuntimeDep, key: ScannerKey, banks: Banks = None
) -> dict[str, Any]:
    """Hash and match an upload: ``{signal type: {bank: [{bank_content_id, distance}]}}``."""
    name, data = await _upload(request)
    ctx = _ctx(request, key.prefix)
    result = await run_in_threadpool(matching.match_file, runtime, data, name, None, False, ctx)
    matching.refuse_unhashable(result)
    return _by_signal_type(result, _banks(banks))


def _by_signal_type(result: ScanResult, banks: set[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for signal_type in _signals_of(result):
        found = [m for m in result.matches if m.signal_type == signal_type]
        out[signal_type] = _by_bank(found, banks)
    return out


@router.get("/m/raw_lookup")
async def raw_lookup(
    request: Request,
    runtime: RuntimeDep,
    key: ScannerKey,
    signal_type: Annotated[str, Query(max_length=32)],
    signal: Annotated[str, Query(max_length=512)],
    include_distance: bool = False,
    banks: Banks = None,
) -> dict[str, list[Any]]:
    """``{"matches": [bank_content_id, …]}``, or with ``include_distance`` a list of
    ``{bank_content_id, distance}``."""
    wanted = _banks(banks)
    found = await _lookup_signal(runtime, signal_type, signal, _ctx(request, key.prefix))
    found = [m for m in found if wanted is None or m.list_name in wanted]
    if include_distance:
        return {
            "matches": [{"bank_content_id": m.entry_id, "distance": str(m.distance)} for m in found]
        }
    return {"matches": [m.entry_id for m in found]}


# -- curation ---------------------------------------------------------------------


@router.get("/c/banks")
def banks(svc: ServicesDep, _key: CuratorKey) -> list[dict[str, Any]]:
    return [_bank(hl) for hl in lists.all_lists(svc.store)]


@router.post("/c/banks", status_code=201)
def create_bank(
    svc: ServicesDep,
    key: CuratorKey,
    body: Annotated[dict[str, Any], Body(examples=[{"name": "MY_BANK"}])],
) -> dict[str, Any]:
    """Create a bank (a Brightline list with the default PDQ threshold)."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "bad_request", "name is required")
    if len(name) > 200:
        raise ApiError(400, "bad_request", "name is too long (200 characters at most)")
    return _bank(lists.create_list(svc.store, name, actor=actor(key)))


@router.get("/c/bank/{bank_name}")
def get_bank(bank_name: BankName, svc: ServicesDep, _key: CuratorKey) -> dict[str, Any]:
    return _bank(lists.get_list(svc.store, bank_name))


@router.delete("/c/bank/{bank_name}")
def delete_bank(bank_name: BankName, svc: ServicesDep, key: CuratorKey) -> dict[str, str]:
    lists.delete_list(svc.store, bank_name, actor=actor(key))
    return {"message": "Done"}


@router.post("/c/bank/{bank_name}/content", openapi_extra=_PHOTO)
async def add_content(
    bank_name: BankName,
    request: Request,
    runtime: RuntimeDep,
    key: CuratorKey,
    url: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    """Bank a picture (multipart ``photo``, or ``?url=``): ``{id, signals}``."""
    if url:
        data = await run_in_threadpool(fetch, runtime, url)
    else:
        _, data = await _upload(request)
    result = await run_in_threadpool(_hash, runtime, data)
    hashes = {
        t: v
        for t, v in _signals_of(result).items()
        if t == _BANKED_EXACT or not signals.is_exact(t)
    }
    return await run_in_threadpool(_bank_signals, runtime, bank_name, hashes, actor(key))


@router.post("/c/bank/{bank_name}/signal", openapi_extra=LARGE_JSON)
def add_signal(
    bank_name: BankName,
    runtime: RuntimeDep,
    key: CuratorKey,
    body: Annotated[dict[str, str], Body(examples=[{"pdq": "f8f8f0cee0f4a84f" * 4}])],
) -> dict[str, Any]:
    """Bank hashes directly: a body of ``{signal type: hash}``."""
    return _bank_signals(runtime, bank_name, body, actor(key))


def _bank_signals(
    runtime: Runtime, bank_name: str, hashes: dict[str, str], by: Actor
) -> dict[str, Any]:
    if not hashes:
        raise ApiError(400, "bad_request", "No signals given")
    # One content id ties the signals of one upload together (deleted together).
    content = f"hma-content-{uuid.uuid4().hex}"
    new = [
        curation.NewEntry(_TYPE_NAMES.get(t, t), v, source="hma-compat", source_id=content)
        for t, v in hashes.items()
    ]
    added = curation.add_entries(runtime.services.store, bank_name, new, actor=by)
    # The content's id is its first perceptual entry's when it has one (what lookups
    # mostly hit: PDQ for pictures).
    primary = next((e for e in added if not signals.is_exact(e.signal_type)), added[0])
    return {"id": primary.id, "signals": {e.signal_type: e.value for e in added}}


@router.delete("/c/bank/{bank_name}/content/{content_id}")
def delete_content(
    bank_name: BankName,
    content_id: Annotated[int, Path(ge=1, le=2**62)],
    svc: ServicesDep,
    key: CuratorKey,
) -> dict[str, int]:
    return {"deleted": curation.delete_content(svc.store, bank_name, content_id, actor=actor(key))}
