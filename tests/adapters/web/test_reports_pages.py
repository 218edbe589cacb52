"""Reports in the browser: a match on a list that reports to NCMEC, confirmed by two
analysts, joins a draft; the senior opens the reports page, sends the draft from its
page, the server's outbox files it on the local NCMEC server, and the item page shows
the report's state. Analysts cannot open the reports pages; forms need the CSRF token."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from brightline.services.demo import jpeg, picture

from .conftest import PASSWORD, WebServer, start_server

sys.path.insert(0, str(Path(__file__).parents[2]))

from fake_ncmec import FakeNcmec

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ncmec() -> Iterator[FakeNcmec]:
    server = FakeNcmec().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reporting_web(tmp_path_factory: Any, ncmec: FakeNcmec) -> Iterator[WebServer]:
    yield from start_server(
        tmp_path_factory.mktemp("reportshome"),
        ncmec_url=ncmec.url,
        ncmec_username="esp-user",
        ncmec_password="esp-secret",
        reporter_first_name="Rita",
        reporter_last_name="Porter",
        reporter_email="reports@example.org",
        report_backoff_s=0.05,
    )


def _bearer(web: WebServer, name: str) -> httpx.Client:
    c = httpx.Client(base_url=web.url, timeout=30)
    token = c.post("/v1/auth/login", json={"username": name, "password": PASSWORD}).json()["token"]
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def _confirmed_match(web: WebServer, seed: int) -> int:
    data = jpeg(picture(seed))
    with web.client("curator") as c:
        if c.get("/v1/lists/hotline").status_code == 404:
            made = c.post("/v1/lists", json={"name": "hotline", "scheme": "industry"})
            assert made.status_code == 201
            action = {"kind": "review", "report_to": "ncmec"}
            assert c.post("/v1/lists/hotline/actions", json=action).status_code == 201
        entry = {
            "signal_type": "sha256",
            "value": hashlib.sha256(data).hexdigest(),
            "category": "A1",
        }
        assert c.post("/v1/lists/hotline/entries", json=entry).status_code == 201
    meta = {"user_id": f"user-{seed}", "screen_name": f"someone{seed}"}
    with web.client("scanner") as s:
        resp = s.post(
            "/v1/match",
            files={"file": (f"upload-{seed}.jpg", data, "image/jpeg")},
            data={"metadata": json.dumps(meta)},
        )
        assert resp.json()["matched"] is True
    alice, bob = _bearer(web, "alice"), _bearer(web, "bob")
    try:
        [item] = alice.get("/v1/review/items", params={"state": "open"}).json()
        for who in (alice, bob):
            assert who.post(f"/v1/review/items/{item['id']}/claim").status_code == 200
            decided = who.post(f"/v1/review/items/{item['id']}/decisions", json={"decision": "A1"})
            assert decided.status_code == 200, decided.text
        assert decided.json()["state"] == "confirmed"
    finally:
        alice.close()
        bob.close()
    return int(item["id"])


def test_a_senior_sends_a_report_from_its_page(
    reporting_web: WebServer, ncmec: FakeNcmec, sign_in: Any, shots: Any
) -> None:
    web = reporting_web
    item_id = _confirmed_match(web, 3001)
    carol = sign_in(web, "carol")
    carol.click("nav >> text=Reports")
    row = carol.locator("#reports tbody tr").first
    expect(row).to_contain_text("draft")
    expect(row).to_contain_text("ncmec")
    expect(row).to_contain_text(f"#{item_id}")
    report_id = int(row.get_attribute("data-id") or 0)
    shots(carol, "reports")
    forged = carol.evaluate(
        """async (id) => (await fetch('/ui/reports/' + id + '/send', {method: 'POST',
             credentials: 'same-origin',
             headers: {'Content-Type': 'application/x-www-form-urlencoded'},
             body: 'csrf_token=forged'})).status""",
        report_id,
    )
    assert forged == 403
    carol.click(f"#reports a[href='/ui/reports/{report_id}']")
    expect(carol.locator("#report-state")).to_have_text("draft")
    expect(carol.locator("#retract")).to_be_visible()
    carol.fill("input[name=note]", "checked by carol")
    carol.click("#send")
    for _ in range(300):
        if carol.locator("#report").get_attribute("data-state") == "finished":
            break
        time.sleep(0.1)
        carol.reload()
    expect(carol.locator("#report-state")).to_have_text("finished")
    expect(carol.locator("#retract")).to_have_count(0)
    expect(carol.locator("#send")).to_have_count(0)
    remote = carol.locator("#remote-id").inner_text()
    [filed] = [r for r in ncmec.finished() if str(r.report_id) == remote]
    assert len(filed.files) == 1
    expect(carol.locator("#steps")).to_contain_text("finish")
    shots(carol, "report")
    carol.goto(f"{web.url}/ui/items/{item_id}")
    expect(carol.locator("#item-reports")).to_contain_text("finished")
    expect(carol.locator("#item-reports")).to_contain_text(remote)
    alice = sign_in(web, "alice")
    assert alice.goto(f"{web.url}/ui/reports").status == 403
    assert alice.goto(f"{web.url}/ui/reports/{report_id}").status == 403
    alice.goto(f"{web.url}/ui/items/{item_id}")
    expect(alice.locator("#item-reports")).to_contain_text("finished")


def test_a_senior_retracts_a_draft_from_its_page(
    reporting_web: WebServer, ncmec: FakeNcmec, sign_in: Any
) -> None:
    web = reporting_web
    item_id = _confirmed_match(web, 3002)
    carol = sign_in(web, "carol")
    carol.goto(f"{web.url}/ui/items/{item_id}")
    carol.click("#item-reports a")
    expect(carol.locator("#report-state")).to_have_text("draft")
    carol.click("#retract")
    expect(carol.locator("#report-state")).to_have_text("retracted")
    expect(carol.locator("#send")).to_have_count(0)
    assert not any(b"user-3002" in r.xml for r in ncmec.reports.values())
