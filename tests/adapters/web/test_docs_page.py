"""``/docs`` in Chromium (issue 15 §8): Swagger UI renders from this server's own
files, every request the page makes stays on this origin, and its CSP (no inline
script, nothing from elsewhere) blocks nothing it needs."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import WebServer

pytestmark = pytest.mark.browser


def test_docs_render_from_this_server_alone(browser: Any, web: WebServer) -> None:
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = ctx.new_page()
        requested: list[str] = []
        problems: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        resp = page.goto(web.url + "/docs")
        assert resp is not None and resp.status == 200
        assert "default-src 'none'" in resp.headers["content-security-policy"]
        expect(
            page.locator(".opblock-summary-path", has_text="/v1/match/hash").first
        ).to_be_visible(timeout=30_000)
        page.locator(".opblock-summary", has_text="/v1/match/hash").first.click()
        expect(page.locator(".opblock-body").first).to_be_visible()
    finally:
        ctx.close()
    assert requested and all(u.startswith(web.url + "/") for u in requested), requested
    assert not problems, problems
