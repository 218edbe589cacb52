"""Slow clients are cut off and cannot crowd out others (issue 7 §5: 300 connections
trickling a byte a second were all held open).

A bounded number of sockets trickle bytes for a bounded time; the checks wait for
conditions (a socket closed by the server, a normal request answered), not for
durations."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import Server

CAP = 20


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {
        "header_timeout_s": 1.0,
        "body_timeout_s": 1.0,
        "min_body_rate": 1024,
        "max_pending_connections": CAP,
    }


class Trickler:
    """A socket that sends ``start`` at once, then one byte of ``drip`` per ``tick()``."""

    def __init__(self, address: tuple[str, int], start: bytes, drip: bytes = b"x"):
        self.sock = socket.create_connection(address, timeout=5)
        self.sock.sendall(start)
        self.sock.setblocking(False)
        self.drip = drip
        self.answer = b""
        self.closed = False

    def tick(self) -> None:
        if self.closed:
            return
        try:
            while chunk := self.sock.recv(4096):
                self.answer += chunk
            self.closed = True  # recv gave b"": the server closed it
        except BlockingIOError:
            try:
                self.sock.send(self.drip)
            except OSError:
                self.closed = True
        except OSError:
            self.closed = True

    def close(self) -> None:
        self.sock.close()


@contextmanager
def tricklers(server: Server, count: int, start: bytes) -> Iterator[list[Trickler]]:
    parts = urlsplit(server.url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    made = [Trickler(address, start) for _ in range(count)]
    try:
        yield made
    finally:
        for t in made:
            t.close()


def _drip_until(made: list[Trickler], done: Callable[[], bool], limit_s: float = 20) -> None:
    deadline = time.monotonic() + limit_s
    while not done():
        assert time.monotonic() < deadline, "slow connections were not closed"
        for t in made:
            t.tick()
        time.sleep(0.1)


HEAD = b"POST /v1/match HTTP/1.1\r\nHost: x\r\n"


def body_start(server: Server) -> bytes:
    key = server.tokens["scanner"].encode()
    return b"%sAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n" % (HEAD, key)


def test_a_request_head_trickled_in_is_closed_with_408(server: Server) -> None:
    with tricklers(server, 5, HEAD) as made:
        _drip_until(made, lambda: all(t.closed for t in made))
    assert all(t.answer.startswith(b"HTTP/1.1 408") for t in made)


def test_a_body_trickled_in_is_closed_with_408(server: Server) -> None:
    with tricklers(server, 5, body_start(server)) as made:
        _drip_until(made, lambda: all(t.closed for t in made))
    assert all(t.answer.startswith(b"HTTP/1.1 408") for t in made), [t.answer for t in made]


def test_past_the_cap_the_slowest_make_room_and_normal_clients_are_served(server: Server) -> None:
    count = CAP + 15
    with tricklers(server, count, HEAD) as made:
        for t in made:
            t.tick()
        _drip_until(made, lambda: sum(t.closed for t in made) >= count - CAP)
        with server.client("scanner") as client:
            assert client.get("/health/live").status_code == 200
            resp = client.post("/v1/match/hash", json={"signal_type": "md5", "value": "0" * 32})
            assert resp.status_code == 200, resp.text
        _drip_until(made, lambda: all(t.closed for t in made))  # then the rest time out


def test_a_client_at_network_speed_is_not_disturbed(server: Server) -> None:
    with server.client("scanner") as client:
        for _ in range(5):  # keep-alive: each next request's head is timed afresh
            resp = client.post("/v1/match", content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 50_000)
            assert resp.status_code == 422
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/health/live").status_code == 200
