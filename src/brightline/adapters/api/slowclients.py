"""Slow clients: a deadline on request headers, a minimum pace for request bodies,
and a cap on the connections still sending a request.

uvicorn waits as long as a client likes for the rest of a request: 300 connections
trickling a byte a second are all held open. ``GuardedHttpToolsProtocol`` (uvicorn's
httptools protocol with three checks) closes

- a connection whose request headers are not complete ``header_timeout_s`` after it
  connected (or after its previous response): 408;
- a request whose body brings less than ``min_body_rate`` bytes a second over a window
  of ``body_timeout_s`` (so also one that stalls that long): 408. A window in which the
  server itself stopped reading (the app is busy with what it has) or has not yet
  asked for the body (``Expect: 100-continue``) does not count;
- when more than ``max_pending_connections`` connections are sending a request at
  once, the one that is furthest behind (headers before bodies, slowest first), to
  make room: the newcomer is served, the trickler is not.

Normal clients see none of it: a request sent at network speed spends microseconds
in these states. ``server_config`` builds the uvicorn config with it; the limits
travel on the config (``client_limits``), which uvicorn hands to every worker.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from dataclasses import dataclass
from typing import Any
from weakref import WeakSet

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from brightline.settings import Settings

STARTUP_FAILURE = 3  # uvicorn's exit status when the server could not start
_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 39\r\nconnection: close\r\n\r\nthe request did not arrive fast enough\n"
)


@dataclass(frozen=True, slots=True)
class ClientLimits:
    header_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    min_body_rate: int = 1024
    max_pending_connections: int = 100

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientLimits:
        return cls(
            header_timeout_s=settings.header_timeout_s,
            body_timeout_s=settings.body_timeout_s,
            min_body_rate=settings.min_body_rate,
            max_pending_connections=settings.max_pending_connections,
        )


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing slow senders (see the module docstring)."""

    def __init__(self, config: uvicorn.Config, server_state: Any, *args: Any, **kwargs: Any):
        super().__init__(config, server_state, *args, **kwargs)
        self.limits: ClientLimits = getattr(config, "client_limits", None) or ClientLimits()
        self._pending = _pending_of(server_state)
        self._timer: asyncio.TimerHandle | None = None
        self._phase = ""  # "head", "body", or "" (busy or idle)
        self._since = 0.0
        self._received = 0  # bytes since the phase (or the body window) began

    # -- uvicorn's hooks -----------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._enter("head", self.limits.header_timeout_s, self._head_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._received += len(data)
        super().data_received(data)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self._phase == "head":
            if _has_body(self.headers):
                self._received = 0
                self._enter("body", self.limits.body_timeout_s, self._body_check)
            else:
                self._leave()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._leave()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self._phase:  # keep-alive: the next head
            self._enter("head", self.limits.header_timeout_s, self._head_late)

    # -- the checks ----------------------------------------------------------------

    def _enter(self, phase: str, delay: float, check: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if not self._phase:
            _make_room(self._pending, self.limits.max_pending_connections)
            self._pending.add(self)
        self._phase, self._since = phase, time.monotonic()
        self._received = 0 if phase == "head" else self._received
        self._timer = self.loop.call_later(delay, check)

    def _leave(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._phase = ""
        self._pending.discard(self)

    def _head_late(self) -> None:
        if self._phase == "head":
            self._close(timed_out=True)

    def _body_check(self) -> None:
        if self._phase != "body":
            return
        window = self.limits.body_timeout_s
        waiting = self.flow.read_paused or getattr(self.cycle, "waiting_for_100_continue", False)
        if self._received < self.limits.min_body_rate * window and not waiting:
            self._close(timed_out=True)
            return
        self._received = 0
        self._timer = self.loop.call_later(window, self._body_check)

    def _close(self, timed_out: bool) -> None:
        self._leave()
        if self.transport.is_closing():
            return
        if timed_out and (self.cycle is None or not self.cycle.response_started):
            self.transport.write(_TIMEOUT)
        self.transport.close()

    def _lag(self) -> tuple[int, float]:
        """How far behind this sender is: a head before a body, then bytes a second."""
        elapsed = max(time.monotonic() - self._since, 1e-6)
        return (0 if self._phase == "head" else 1, self._received / elapsed)


def _make_room(pending: WeakSet[GuardedHttpToolsProtocol], cap: int) -> None:
    while len(pending) >= max(1, cap):
        min(pending, key=GuardedHttpToolsProtocol._lag)._close(timed_out=False)


def _pending_of(server_state: Any) -> WeakSet[GuardedHttpToolsProtocol]:
    """The connections still sending a request, per server (workers do not share)."""
    pending = getattr(server_state, "brightline_pending", None)
    if pending is None:
        pending = WeakSet()
        server_state.brightline_pending = pending
    return pending


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
        if name == b"transfer-encoding":
            return True
    return False


def server_config(app: Any, settings: Settings, **kwargs: Any) -> uvicorn.Config:
    """A uvicorn config serving ``app`` with the slow-client checks of ``settings``."""
    config = uvicorn.Config(app, http=GuardedHttpToolsProtocol, **kwargs)
    config.client_limits = ClientLimits.from_settings(settings)  # type: ignore[attr-defined]
    return config


def serve(config: uvicorn.Config) -> None:
    """What ``uvicorn.run`` does with a config: one process, or a supervisor of several."""
    server = uvicorn.Server(config)
    if config.workers <= 1:
        try:
            server.run()
        except KeyboardInterrupt:  # pragma: no cover - interactive
            return
        if not server.started:
            raise SystemExit(STARTUP_FAILURE)
        return
    from uvicorn.supervisors import Multiprocess

    sock = config.bind_socket()
    if "target" in inspect.signature(Multiprocess).parameters:  # uvicorn < 0.54
        Multiprocess(config, target=server.run, sockets=[sock]).run()  # type: ignore[call-arg]
    else:
        Multiprocess(config, sockets=[sock]).run()
