"""Two people work a queue to completion in the browser: sign in, claim, reveal,
grade with keys, agreement, a disagreement to a senior, the item as a list entry with
provenance; what analysts, admins and auditors may not open; CSRF; session expiry;
the audit chain."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from brightline.services import audit
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture

from .conftest import PASSWORD, WebServer, start_server

pytestmark = pytest.mark.browser


def _bearer(web: WebServer, name: str) -> httpx.Client:
    c = httpx.Client(base_url=web.url, timeout=30)
    token = c.post("/v1/auth/login", json={"username": name, "password": PASSWORD}).json()["token"]
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def _intake(web: WebServer, seed: int, queue: str) -> int:
    meta = {
        "user_id": f"user-{seed}",
        "screen_name": f"someone{seed}",
        "url": "https://p.example/x",
    }
    with web.client("scanner") as c:
        resp = c.post(
            "/v1/intake",
            files={"file": (f"report-{seed}.jpg", jpeg(picture(seed)), "image/jpeg")},
            data={"metadata": json.dumps(meta), "queue": queue},
        )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


@pytest.fixture(scope="module")
def queue(web: WebServer) -> str:
    with web.client("curator") as c:
        assert c.post("/v1/lists", json={"name": "graded", "scheme": "industry"}).status_code == 201
    carol = _bearer(web, "carol")
    try:
        resp = carol.post("/v1/review/queues", json={"name": "web", "target_list": "graded"})
        assert resp.status_code == 201, resp.text
    finally:
        carol.close()
    return "web"


def _status(page: Any) -> Any:
    return page.locator("#status")


def test_two_analysts_agree_and_the_item_becomes_a_list_entry(
    web: WebServer, queue: str, sign_in: Any, shots: Any
) -> None:
    item_id = _intake(web, 2001, queue)
    alice = sign_in(web, "alice")
    assert alice.url.endswith("/ui/queue")
    expect(alice.locator(f'#items tr[data-id="{item_id}"]')).to_be_visible()
    shots(alice, "queue")
    alice.keyboard.press("n")
    alice.wait_for_url(f"**/ui/items/{item_id}")
    img = alice.locator("#media")
    expect(img).to_have_attribute("src", f"/v1/review/items/{item_id}/media")
    alice.wait_for_function("document.getElementById('media').complete")
    assert alice.evaluate("document.getElementById('media').naturalWidth") <= 256
    shots(alice, "item-blurred")
    alice.keyboard.press("r")
    expect(img).to_have_attribute("src", f"/v1/review/items/{item_id}/media?reveal=true")
    expect(_status(alice)).to_contain_text("Revealed")
    alice.keyboard.press("1")  # A1, the first category of the industry scheme
    expect(_status(alice)).to_contain_text("Decided: A1")
    alice.keyboard.press("u")
    expect(_status(alice)).to_contain_text("undone")
    alice.keyboard.press("2")
    expect(_status(alice)).to_contain_text("Decided: A2")
    alice.keyboard.press("n")  # the next item is blurred again (there is none left)
    alice.wait_for_url("**/ui/queue?empty=1")
    expect(alice.locator("#queue-empty")).to_be_visible()

    bob = sign_in(web, "bob")
    bob.keyboard.press("n")
    bob.wait_for_url(f"**/ui/items/{item_id}")
    # Never another's decision: no decisions list, no name, no "you decided".
    assert bob.locator("#decisions").count() == 0
    assert "alice" not in bob.locator("#item").inner_text()
    expect(_status(bob)).to_contain_text("You hold this item")
    bob.keyboard.press("2")
    expect(bob.locator("#state")).to_have_text("confirmed")

    with web.client("curator") as c:
        entries = c.get("/v1/lists/graded/entries").json()["entries"]
    mine = [e for e in entries if e["source_id"] == f"review-item-{item_id}"]
    assert {e["signal_type"] for e in mine} >= {"md5", "sha256", "pdq"}
    assert all(e["category"] == "A2" and "alice=A2, bob=A2" in e["note"] for e in mine)


def test_a_disagreement_goes_to_the_senior(
    web: WebServer, queue: str, sign_in: Any, shots: Any
) -> None:
    item_id = _intake(web, 2002, queue)
    for name, key in (("alice", "1"), ("bob", "x")):
        page = sign_in(web, name)
        page.goto(f"{web.url}/ui/items/{item_id}")
        page.keyboard.press("c")
        expect(_status(page)).to_contain_text("You hold this item")
        page.keyboard.press(key)
        expect(_status(page)).to_contain_text("Decided")
    expect(page.locator("#state")).to_have_text("escalated")
    carol = sign_in(web, "carol")
    carol.goto(f"{web.url}/ui/disagreements")
    row = carol.locator("#disagreements tr", has_text=f"#{item_id}")
    expect(row).to_contain_text("alice: A1")
    expect(row).to_contain_text("bob: not_illegal")
    shots(carol, "disagreements")
    row.locator("a").click()
    carol.wait_for_url(f"**/ui/items/{item_id}")
    carol.keyboard.press("c")
    expect(_status(carol)).to_contain_text("You hold this item")
    carol.keyboard.press("4")  # B2
    expect(carol.locator("#state")).to_have_text("confirmed")
    carol.reload()
    expect(carol.locator("#decisions")).to_contain_text("carol (senior): B2 — ruling")
    carol.fill("#list-name", "graded")
    carol.click("#add-to-list button")
    expect(_status(carol)).to_contain_text("Added to list graded with provenance")
    carol.goto(f"{web.url}/ui/quality")
    expect(carol.locator("#quality")).to_contain_text("alice")
    expect(carol.locator("#exposure-table")).to_contain_text("bob")
    shots(carol, "quality")


def test_the_senior_makes_a_queue_and_seeds_a_quality_check(
    web: WebServer, sign_in: Any, shots: Any, tmp_path: Path
) -> None:
    carol = sign_in(web, "carol")
    carol.goto(f"{web.url}/ui/queues")
    carol.fill("#new-queue input[name=name]", "triple")
    carol.select_option("#new-queue select[name=scheme]", "uk")
    carol.fill("#new-queue input[name=agreement]", "3")
    carol.click("#new-queue button")
    expect(carol.locator("#queues")).to_contain_text("triple")
    picture_file = tmp_path / "check.jpg"
    picture_file.write_bytes(jpeg(picture(2100)))
    carol.set_input_files("#seed input[name=file]", str(picture_file))
    carol.fill("#seed input[name=known_answer]", "C")
    carol.select_option("#seed select[name=queue]", "triple")
    carol.click("#seed button")
    expect(carol.locator("#seeded")).to_contain_text("Quality check")
    shots(carol, "queues")
    alice = sign_in(web, "alice")
    assert alice.goto(f"{web.url}/ui/queues").status == 403


def test_analysts_cannot_open_admin_pages_or_anothers_claimed_item(
    web: WebServer, queue: str, sign_in: Any
) -> None:
    item_id = _intake(web, 2003, queue)
    alice = sign_in(web, "alice")
    alice.goto(f"{web.url}/ui/items/{item_id}")
    alice.keyboard.press("c")
    expect(_status(alice)).to_contain_text("You hold this item")
    bob = sign_in(web, "bob")
    for path in ("/ui/users", "/ui/audit", "/ui/disagreements", "/ui/quality"):
        resp = bob.goto(web.url + path)
        assert resp is not None and resp.status == 403, path
        expect(bob.locator("#forbidden")).to_be_visible()
    resp = bob.goto(f"{web.url}/ui/items/{item_id}")
    assert resp is not None and resp.status == 403
    assert bob.request.get(f"{web.url}/v1/review/items/{item_id}/media").status == 403


def test_the_admin_manages_users_and_sees_no_media(
    web: WebServer, sign_in: Any, shots: Any
) -> None:
    root = sign_in(web, "root")
    assert root.url.endswith("/ui/users")
    root.fill("#new-user input[name=name]", "gina")
    root.select_option("#new-user select[name=role]", "analyst")
    root.fill("#new-user input[name=password]", PASSWORD)
    root.click("#new-user button")
    expect(root.locator('#users tr[data-name="gina"]')).to_contain_text("analyst")
    shots(root, "users")
    assert root.request.get(f"{web.url}/v1/review/items/1/media").status == 403
    assert root.goto(f"{web.url}/ui/queue").status == 403


def test_the_auditor_reads_filters_and_exports_the_log_and_sees_no_media(
    web: WebServer, queue: str, sign_in: Any, shots: Any
) -> None:
    item_id = _intake(web, 2004, queue)
    audrey = sign_in(web, "audrey")
    assert audrey.url.endswith("/ui/audit")
    expect(audrey.locator("#chain")).to_contain_text("Chain intact")
    audrey.fill("input[name=action]", "review.")
    audrey.click("#filter")
    expect(audrey.locator("#audit")).to_contain_text("review.intake")
    shots(audrey, "audit")
    with audrey.expect_download() as info:
        audrey.click("#export-csv")
    text = Path(info.value.path()).read_text()
    assert text.startswith("seq,at,actor,action,target,details,digest")
    assert "review.reveal" in text and "auth.login" not in text
    assert audrey.request.get(f"{web.url}/v1/review/items/{item_id}/media").status == 403
    assert audrey.request.get(f"{web.url}/v1/review/items/{item_id}").status == 403
    assert audrey.goto(f"{web.url}/ui/items/{item_id}").status == 403


def test_csrf_is_checked_on_every_change(web: WebServer, queue: str, sign_in: Any) -> None:
    item_id = _intake(web, 2005, queue)
    alice = sign_in(web, "alice")
    status = alice.evaluate(
        """async (id) => (await fetch('/v1/review/items/' + id + '/claim',
             {method: 'POST', credentials: 'same-origin'})).status""",
        item_id,
    )
    assert status == 403
    forged = alice.evaluate(
        """async () => (await fetch('/ui/logout', {method: 'POST', credentials: 'same-origin',
             headers: {'Content-Type': 'application/x-www-form-urlencoded'},
             body: 'csrf_token=forged'})).status"""
    )
    assert forged == 403
    alice.goto(f"{web.url}/ui/queue")  # still signed in
    expect(alice.locator("#start")).to_be_visible()
    csp = alice.request.get(f"{web.url}/ui/queue").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_the_audit_chain_verifies_after_all_that(web: WebServer) -> None:
    svc = open_services(web.settings)
    try:
        result = audit.verify(svc.store)
        assert result.intact and result.records > 20
        actions = {r.action for r in audit.records(svc.store, limit=None)}
    finally:
        svc.close()
    assert {
        "auth.login",
        "review.view",
        "review.reveal",
        "review.claim",
        "review.decide",
        "review.undo",
        "entries.add",
        "user.create",
        "audit.export",
    } - actions <= {"entries.add"}


def test_an_idle_session_ends_in_the_browser(tmp_path: Path, sign_in: Any, shots: Any) -> None:
    for web in start_server(tmp_path / "home", session_idle_s=3.0):
        alice = sign_in(web, "alice")
        assert alice.url.endswith("/ui/queue")
        time.sleep(4)
        alice.goto(f"{web.url}/ui/queue")
        assert "/ui/login" in alice.url
        expect(alice.locator("#expired")).to_be_visible()
        shots(alice, "sign-in")
