"""Small bodies on JSON routes and a sign-in throttle per address (issue 15 §6), on a
real server on each backend: a big body to ``/v1/auth/login`` (declared or streamed)
is 413 without being buffered; upload routes keep their own limit; past the address's
attempts, sign-ins get 429 with Retry-After before any hashing, and the audit chain
gets one record for the window, not one per attempt."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from brightline.services import audit
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture

ATTEMPTS = 6
JSON_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"login_address_max_attempts": ATTEMPTS, "login_address_window_s": 600.0}


def _chunks(total: int) -> Iterator[bytes]:
    yield b'{"username": "x", "password": "'
    sent = 0
    while sent < total:
        yield b"a" * 65536
        sent += 65536
    yield b'"}'


def test_big_bodies_on_json_routes_are_413(server: Any, assert_error: Any) -> None:
    with server.client() as c:
        big = b'{"username": "x", "password": "' + b"a" * (2 * JSON_LIMIT) + b'"}'
        declared = c.post(
            "/v1/auth/login", content=big, headers={"content-type": "application/json"}
        )
        assert_error(declared, 413, "too_large")
        # No Content-Length: refused as soon as the stream passes the limit.
        streamed = c.post(
            "/v1/auth/login",
            content=_chunks(4 * 1024 * 1024),
            headers={"content-type": "application/json"},
        )
        assert_error(streamed, 413, "too_large")
    with server.client("curator") as c:
        padded = {"name": "padded", "description": "d", "pad": "p" * (2 * JSON_LIMIT)}
        assert_error(c.post("/v1/lists", json=padded), 413, "too_large")
        assert c.post("/v1/lists", json={"name": "small"}).status_code == 201


def test_upload_routes_keep_their_own_limit(server: Any) -> None:
    data = jpeg(picture(7))
    assert len(data) > JSON_LIMIT
    with server.client("scanner") as c:
        resp = c.post("/v1/hash", content=data)
    assert resp.status_code == 200, resp.text


def test_sign_ins_past_the_address_limit_are_429_and_audited_once(
    server: Any, assert_error: Any
) -> None:
    threads = 3 * ATTEMPTS
    start = threading.Barrier(threads)

    def attempt(n: int) -> httpx.Response:
        start.wait()
        with server.client() as c:
            return c.post("/v1/auth/login", json={"username": f"guess{n}", "password": "x" * 12})

    checks = server.app.state.runtime.login_guard.pool.checks
    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(attempt, range(threads)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [401] * ATTEMPTS + [429] * (threads - ATTEMPTS)
    # Only the attempts within the limit were hashed.
    assert server.app.state.runtime.login_guard.pool.checks - checks == ATTEMPTS
    for resp in answers:
        if resp.status_code == 429:
            assert_error(resp, 429, "throttled")
            assert 0 < int(resp.headers["retry-after"]) <= 600
    with server.client() as c:
        again = c.post("/v1/auth/login", json={"username": "guess0", "password": "x" * 12})
    assert_error(again, 429, "throttled")
    svc = open_services(server.settings)
    try:
        throttled = audit.records(svc.store, action="auth.throttled")
        failed = audit.records(svc.store, action="auth.login_failed")
    finally:
        svc.close()
    assert len(throttled) == 1 and throttled[0].details["address"] == "127.0.0.1"
    assert len(failed) == ATTEMPTS
