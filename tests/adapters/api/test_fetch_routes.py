"""Fetching by URL over HTTP: refused for hosts off the allow-list and for hosts that
resolve to private or loopback addresses. Only ``localhost`` (from /etc/hosts) is
resolved: no DNS query or connection leaves this machine."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"fetch_enabled": True, "fetch_allowed_hosts": ["localhost"]}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost:9/a.jpg", "non-public"),
        ("http://127.0.0.1:9/a.jpg", "allow-list"),
        ("http://10.0.0.1/a.jpg", "allow-list"),
        ("file:///etc/passwd", "http"),
    ],
)
def test_refused_urls(server: Any, assert_error: Any, url: str, reason: str) -> None:
    with server.client("scanner") as c:
        error = assert_error(c.post("/v1/match/url", json={"url": url}), 422, "fetch_failed")
        assert reason in error["message"]
        hma = c.get("/compat/hma/h/hash", params={"url": url})
        assert reason in assert_error(hma, 422, "fetch_failed")["message"]
