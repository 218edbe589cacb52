"""Reading uploaded files: one multipart ``file`` part, or the raw request body.

Size limits are enforced as the body streams in (``middleware.RequestContext``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, BinaryIO, cast

import fastapi.routing
from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.routing import compile_path

from brightline.adapters.api.errors import ApiError
from brightline.core.sources.upload import UploadBody

# Spool a bulk import to disk past this size instead of holding it in memory.
_SPOOL_BYTES = 8 * 1024 * 1024


def _file_body(batch: bool) -> dict[str, Any]:
    part = {"type": "string", "format": "binary"}
    files = {"type": "array", "items": part, "maxItems": 100} if batch else part
    content: dict[str, Any] = {
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": files}, "required": ["file"]}
        }
    }
    if not batch:
        content["application/octet-stream"] = {"schema": part}
    return {"requestBody": {"required": True, "content": content}}


#: ``openapi_extra`` of a JSON route whose body may be large (hash values: a long
#: video's vPDQ is about a megabyte): it keeps the upload limit, not the JSON one.
LARGE_JSON: dict[str, Any] = {"x-large-body": True}
_FILE_TYPES = ("multipart/form-data", "application/octet-stream")


def body_limits(routes: list[Any], upload: int, imports: int) -> list[tuple[re.Pattern[str], int]]:
    """``(path pattern, limit)`` of the routes that take files or large JSON (read from
    their ``openapi_extra``); every other route gets the small JSON limit."""
    out = []
    for path, route in _flat_routes(routes):
        extra = getattr(route, "openapi_extra", None) or {}
        content = extra.get("requestBody", {}).get("content", {})
        if extra.get("x-large-body") or any(t in content for t in _FILE_TYPES):
            limit = imports if path.endswith("/import") else upload
            out.append((compile_path(path)[0], limit))
    return out


def _flat_routes(routes: list[Any]) -> list[tuple[str, Any]]:
    """``(full path, route)`` of every route, included routers opened up (newer
    FastAPI keeps them nested; older ones copy each route with its full path)."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    if iterate is None:  # pragma: no cover - FastAPI before nested included routers
        return [(r.path, r) for r in routes if hasattr(r, "path")]
    return [(c.path, c.original_route) for c in iterate(routes) if c.path]


#: ``openapi_extra`` for routes taking one file (multipart or raw body).
ONE_FILE = _file_body(batch=False)
#: ``openapi_extra`` for routes taking several files (multipart, repeated ``file``).
MANY_FILES = _file_body(batch=True)


def _is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


async def read_files(request: Request, max_files: int) -> list[tuple[str | None, bytes]]:
    """``(file name, bytes)`` of each file part, in order."""
    form = await request.form(max_files=max_files, max_fields=max_files + 10)
    try:
        return [(u.filename, await u.read()) for u in _uploads(form.multi_items())]
    finally:
        await form.close()


def _uploads(items: list[tuple[str, UploadFile | str]]) -> list[UploadFile]:
    uploads = [v for _, v in items if isinstance(v, UploadFile)]
    if not uploads:
        raise ApiError(400, "no_file", "the multipart body has no file part")
    return uploads


async def read_bodies(
    request: Request, max_files: int, fields: tuple[str, ...] = ()
) -> list[UploadBody]:
    """Each multipart file part as an ``UploadBody`` (spooled to disk when large);
    the caller closes them."""
    return (await _read_bodies(request, max_files, fields))[0]


async def _read_bodies(
    request: Request, max_files: int, fields: tuple[str, ...]
) -> tuple[list[UploadBody], dict[str, str]]:
    form = await request.form(max_files=max_files, max_fields=max_files + len(fields) + 10)
    bodies: list[UploadBody] = []
    try:
        items = form.multi_items()
        for upload in _uploads(items):
            body = UploadBody(upload.filename)
            bodies.append(body)
            while chunk := await upload.read(1 << 20):
                body.write(chunk)
        values = {k: v for k, v in items if k in fields and isinstance(v, str)}
        return bodies, values
    except BaseException:
        for body in bodies:
            body.close()
        raise
    finally:
        await form.close()


async def read_one_body(
    request: Request, fields: tuple[str, ...] = ()
) -> tuple[UploadBody, dict[str, str]]:
    """The one uploaded file (multipart ``file`` part or the raw body), streamed into
    an ``UploadBody``: in memory while small, a temporary file past 8 MiB; and the
    named text fields of a multipart form (``metadata``). The caller closes the body."""
    values: dict[str, str] = {}
    if _is_multipart(request):
        bodies, values = await _read_bodies(request, 1, fields)
        body = bodies[0]
    else:
        body = UploadBody()
        try:
            async for chunk in request.stream():
                body.write(chunk)
        except BaseException:
            body.close()
            raise
    if body.size == 0:
        body.close()
        raise ApiError(400, "empty_file", "the upload is empty")
    return body, values


@asynccontextmanager
async def spooled_body(request: Request) -> AsyncIterator[tuple[str | None, BinaryIO]]:
    """The uploaded file's name (multipart only) and content, spooled for a sync reader."""
    name = None
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as out:
        if _is_multipart(request):
            form = await request.form(max_files=1, max_fields=10)
            try:
                upload = _uploads(form.multi_items())[0]
                name = upload.filename
                while chunk := await upload.read(1 << 20):
                    out.write(chunk)
            finally:
                await form.close()
        else:
            async for chunk in request.stream():
                out.write(chunk)
        if out.tell() == 0:
            raise ApiError(400, "empty_file", "the upload is empty")
        out.seek(0)
        yield name, cast(BinaryIO, out)


async def read_upload(
    request: Request, fields: tuple[str, ...] = ()
) -> tuple[str | None, bytes, dict[str, str]]:
    """One file (multipart ``file`` part or the raw body) and the named text fields
    of a multipart form (``metadata``, ``queue``…)."""
    if not _is_multipart(request):
        data = await request.body()
        if not data:
            raise ApiError(400, "empty_file", "the upload is empty")
        return None, data, {}
    form = await request.form(max_files=1, max_fields=len(fields) + 10)
    try:
        items = form.multi_items()
        upload = _uploads(items)[0]
        data = await upload.read()
        values = {k: v for k, v in items if k in fields and isinstance(v, str)}
    finally:
        await form.close()
    if not data:
        raise ApiError(400, "empty_file", "the upload is empty")
    return upload.filename, data, values
