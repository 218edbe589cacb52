"""``/docs`` is served from this server alone under a CSP, and API answers that carry
reported users' e-mails and addresses, people's names or keys are never cached
(issue 15 §8), on a real server."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

ATTRIBUTE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"ncmec_url": "http://127.0.0.1:9/ispws"}


def test_docs_reference_no_other_origin_and_carry_a_csp(server: Any) -> None:
    with httpx.Client(base_url=server.url) as c:
        page = c.get("/docs")
        assert page.status_code == 200
        html = page.text
        links = ATTRIBUTE.findall(html)
        assert links and all(u.startswith("/") and not u.startswith("//") for u in links)
        assert not re.search(r"https?://", html)
        assert "<script>" not in html  # no inline script: the CSP allows none
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self';" in csp
        assert "http" not in csp and "*" not in csp
        for link in links:
            assert c.get(link).status_code == 200, link
        assert c.get("/redoc").headers["location"] == "/docs"  # no CDN behind it either


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/v1/reports", "curator"),
        ("/v1/audit", "admin"),
        ("/v1/audit/verify", "admin"),
        ("/v1/match-log", "curator"),
        ("/v1/keys", "admin"),
        ("/v1/reports", None),
    ],
)
def test_api_answers_are_not_stored(server: Any, path: str, role: str | None) -> None:
    with server.client(role) as c:
        resp = c.get(path)
    assert resp.status_code in (200, 401), resp.text
    assert resp.headers["cache-control"] == "no-store"


def test_health_and_the_openapi_document_may_be_cached(server: Any) -> None:
    with server.client() as c:
        assert "no-store" not in c.get("/health/live").headers.get("cache-control", "")
        assert "no-store" not in c.get("/openapi.json").headers.get("cache-control", "")
