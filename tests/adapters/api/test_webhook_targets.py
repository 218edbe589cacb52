"""A webhook to a loopback or private address is refused when it is made (naming the
setting that allows it), not only when a delivery is tried."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"webhook_allow_private": False}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "https://10.1.2.3/hook",
        "http://169.254.169.254/latest",
    ],
)
def test_a_private_webhook_target_is_refused_at_creation(server: Any, url: str) -> None:
    with server.client("curator") as c:
        if c.get("/v1/lists/hooks").status_code == 404:
            assert c.post("/v1/lists", json={"name": "hooks"}).status_code == 201
        resp = c.post("/v1/lists/hooks/actions", json={"kind": "webhook", "url": url})
        assert resp.status_code == 400, resp.text
        assert "BRIGHTLINE_WEBHOOK_ALLOW_PRIVATE" in resp.json()["error"]["message"]
        listed = c.get("/v1/lists/hooks/actions").json()
        assert all(a["url"] != url for a in listed)


def test_a_public_webhook_target_is_taken(server: Any) -> None:
    with server.client("curator") as c:
        if c.get("/v1/lists/hooks").status_code == 404:
            assert c.post("/v1/lists", json={"name": "hooks"}).status_code == 201
        resp = c.post(
            "/v1/lists/hooks/actions", json={"kind": "webhook", "url": "https://93.184.215.14/h"}
        )
        assert resp.status_code == 201, resp.text
