"""One JSON body for every error the API returns::

    {"error": {"code": "not_found", "message": "no list named 'x'", "request_id": "…"}}

Brightline errors map to a status and code by class; FastAPI's validation errors,
Starlette's HTTP errors and anything unexpected (500) take the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from brightline import errors

log = logging.getLogger("brightline.api")

# Most specific first: the first class an error is an instance of decides the status;
# the code is the error's own (``errors.py`` keeps them all, in one place).
_BY_CLASS: list[tuple[type[errors.BrightlineError], int]] = [
    (errors.AuthError, 401),
    (errors.ForbiddenError, 403),
    (errors.NotFoundError, 404),
    (errors.ConflictError, 409),
    (errors.TooLargeError, 413),
    (errors.ThrottledError, 429),
    (errors.InputError, 422),
    (errors.UsageError, 400),
    (errors.BrightlineError, 400),
]

_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "throttled",
    503: "not_ready",
}


class ApiError(HTTPException):
    """An error only the HTTP layer knows about, with its own code."""

    def __init__(self, status_code: int, code: str, message: str):
        super().__init__(status_code, message)
        self.code = code


def error_body(code: str, message: str, request_id: str | None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "request_id": request_id}}


def error_response(
    request_id: str | None,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    headers = dict(headers or {})
    if request_id:
        headers["X-Request-ID"] = request_id
    return JSONResponse(error_body(code, message, request_id), status, headers=headers)


def classify(exc: errors.BrightlineError) -> tuple[int, str]:
    for cls, status in _BY_CLASS:
        if isinstance(exc, cls):
            return status, exc.code
    return 400, exc.code  # pragma: no cover - BrightlineError is in the table


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _brightline_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.BrightlineError)
    status, _ = classify(exc)
    body = errors.error_dict(exc)
    headers = {"WWW-Authenticate": 'Bearer realm="brightline"'} if status == 401 else None
    if isinstance(exc, errors.ThrottledError):
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(_request_id(request), status, body["code"], body["message"], headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    unsupported = _not_json(request, exc)
    if unsupported:
        return error_response(_request_id(request), 415, "unsupported_media_type", unsupported)
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "request"
        if err.get("type") == "extra_forbidden":
            parts.append(f"{where}: this field cannot be set or changed here")
        else:
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return error_response(_request_id(request), 422, "invalid_request", "; ".join(parts))


def _not_json(request: Request, exc: RequestValidationError) -> str | None:
    """Why a JSON route refuses a body sent as something else (form data, plain
    text), or None: hashes posted as a form deserve a 415 saying what to send, not
    a 422 about a missing field."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if not media or media == "application/json" or media.endswith("+json"):
        return None
    if not any(err.get("loc", ())[:1] == ("body",) for err in exc.errors()):
        return None
    return (
        f"this route takes a JSON body (Content-Type: application/json), "
        f"not {errors.shorten(media, 60)}"
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status, message = exc.status_code, str(exc.detail)
    if getattr(request.state, "body_too_large", False):
        # FastAPI turns any failure while reading a JSON body into a 400; say why.
        status, message = 413, getattr(request.state, "body_too_large_message", message)
    code = getattr(exc, "code", None) or _BY_STATUS.get(status, f"http_{status}")
    return error_response(_request_id(request), status, code, message, exc.headers)


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # The driver's verdict on a value (PostgreSQL refuses NUL characters in text, for
    # one): bad input, not a server fault. The value itself is not echoed.
    message = "a value was refused by the database (a NUL character, or out of range)"
    return error_response(_request_id(request), 422, "invalid_input", message)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return error_response(
        _request_id(request), 500, "internal", "internal error; the request id is in the log"
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.BrightlineError, _brightline_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected)
