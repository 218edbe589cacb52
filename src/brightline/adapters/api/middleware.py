"""Per-request plumbing as plain ASGI (cheap): a request id, a body size limit,
and one structured access-log line per request.

Body limits are per route: routes that take a file (and the few JSON routes whose
bodies carry hash values) keep the upload or import limit; every other route, sign-in
included, takes at most ``max_json_bytes``, so nobody can make a worker buffer a
hundred megabytes of JSON (``body_limits`` reads which is which from the routes)."""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from collections.abc import Sequence
from re import Pattern
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brightline.adapters.api.errors import error_response
from brightline.adapters.api.logs import request_id_var
from brightline.errors import TooLargeError

access_log = logging.getLogger("brightline.api.access")
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Request ids need to be unique, not secret: a random per-process prefix and a
# counter are unique across workers and restarts and cost nothing (uuid4 reads
# the kernel's random source on every request).
_ID_PREFIX = secrets.token_hex(6)
_ids = itertools.count(1)


def _next_id() -> str:
    return f"{_ID_PREFIX}{next(_ids):010x}"


class RequestContext:
    """Tags every request with an id (the caller's ``X-Request-ID`` when sane) and
    refuses bodies over the limit: at once when ``Content-Length`` says so, else as
    soon as the streamed body passes it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        json_limit: int,
        route_limits: Sequence[tuple[Pattern[str], int]] = (),
    ):
        self.app = app
        self.json_limit = json_limit
        self.route_limits = list(route_limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _GOOD_ID.match(given) else _next_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = [0]
        try:
            limit = self._limit(scope["path"])
            declared = headers.get(b"content-length", b"")
            if declared.isdigit() and int(declared) > limit:
                response = error_response(request_id, 413, "too_large", _too_large(limit))
                await response(scope, receive, _recording(send, status, request_id))
                return
            await self.app(
                scope, _counting(receive, limit, state), _recording(send, status, request_id)
            )
        finally:
            key = state.get("key_prefix")
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status[0] or 500,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    **({"key": key} if key else {}),
                },
            )
            request_id_var.reset(token)

    def _limit(self, path: str) -> int:
        for pattern, limit in self.route_limits:
            if pattern.match(path):
                return limit
        return self.json_limit


def _too_large(limit: int) -> str:
    return f"the request body is larger than the limit of {limit:,} bytes"


def _counting(receive: Receive, limit: int, state: dict[str, Any]) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                state["body_too_large"] = True
                state["body_too_large_message"] = _too_large(limit)
                raise TooLargeError(_too_large(limit))
        return message

    return wrapped


def _recording(send: Send, status: list[int], request_id: str) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]
            headers = list(message.get("headers", []))
            if not any(name.lower() == b"x-request-id" for name, _ in headers):
                headers.append((b"x-request-id", request_id.encode()))
            message["headers"] = headers
        await send(message)

    return wrapped
