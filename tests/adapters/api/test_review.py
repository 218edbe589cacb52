"""The review workspace's JSON routes against a real server, on each backend:
sign-in, intake (a review action on /v1/match, /v1/intake), claims, agreement,
escalation, quality checks, false positives, encrypted media, CSRF, audit."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from brightline.core.actor import local_operator
from brightline.core.crypto import Keyring, MasterKey, decrypt_bytes
from brightline.errors import CryptoError
from brightline.services import audit
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.people import users
from brightline.services.review import events

PASSWORD = "correct horse battery"
PEOPLE = {
    "alice": "analyst",
    "bob": "analyst",
    "erin": "analyst",
    "carol": "senior",
    "dave": "senior",
    "root": "admin",
    "audrey": "auditor",
    "lockme": "analyst",
}


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"login_max_failures": 3, "review_false_positive_flag": 1}


@pytest.fixture(scope="module")
def people(server: Any) -> dict[str, str]:
    """Bearer session tokens by user name."""
    svc = open_services(server.settings)
    for name, role in PEOPLE.items():
        users.create_user(svc.store, local_operator(), name, role, PASSWORD)
    svc.close()
    tokens = {}
    with server.client() as c:
        for name in PEOPLE:
            if name == "lockme":
                continue
            resp = c.post("/v1/auth/login", json={"username": name, "password": PASSWORD})
            assert resp.status_code == 200, resp.text
            tokens[name] = resp.json()["token"]
    return tokens


@pytest.fixture
def as_user(server: Any, people: dict[str, str]) -> Iterator[Callable[[str], httpx.Client]]:
    clients: list[httpx.Client] = []

    def make(name: str) -> httpx.Client:
        client = server.client()
        client.headers["Authorization"] = f"Bearer {people[name]}"
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


@pytest.fixture(scope="module")
def confirmed(server: Any) -> Iterator[list[events.ConfirmedItem]]:
    got: list[events.ConfirmedItem] = []

    def listener(conn: Any, item: events.ConfirmedItem) -> None:
        got.append(item)

    events.on_confirmed.append(listener)
    yield got
    events.on_confirmed.remove(listener)


def _intake(server: Any, seed: int, queue: str | None = None, meta: Any = None) -> int:
    files = {"file": (f"report-{seed}.jpg", jpeg(picture(seed)), "image/jpeg")}
    data = {"metadata": json.dumps(meta or {"user_id": f"u{seed}"})}
    if queue:
        data["queue"] = queue
    with server.client("scanner") as c:
        resp = c.post("/v1/intake", files=files, data=data)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def _grade(client: httpx.Client, item_id: int, decision: str) -> dict[str, Any]:
    resp = client.post(f"/v1/review/items/{item_id}/claim")
    assert resp.status_code == 200, resp.text
    resp = client.post(f"/v1/review/items/{item_id}/decisions", json={"decision": decision})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def test_login_answers_a_token_and_sets_a_strict_cookie(
    server: Any, people: dict[str, str]
) -> None:
    with server.client() as c:
        resp = c.post("/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    assert resp.status_code == 200
    body = resp.json()
    assert body["token"].startswith("bls_") and body["expires_at"]
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http on loopback; set over https
    assert resp.headers["cache-control"] == "no-store"


def test_wrong_passwords_lock_the_account(
    server: Any, people: dict[str, str], assert_error: Any
) -> None:
    with server.client() as c:
        for _ in range(3):
            resp = c.post(
                "/v1/auth/login", json={"username": "lockme", "password": "nope-nope-nope"}
            )
            assert_error(resp, 401, "unauthenticated")
        # Locked: the right password answers like a wrong one (names cannot be probed).
        resp = c.post("/v1/auth/login", json={"username": "lockme", "password": PASSWORD})
        assert assert_error(resp, 401, "unauthenticated")["message"] == users.WRONG_PASSWORD
        unknown = c.post("/v1/auth/login", json={"username": "nobody", "password": PASSWORD})
        assert assert_error(unknown, 401, "unauthenticated")["message"] == users.WRONG_PASSWORD


def test_a_match_on_a_review_list_becomes_an_item_and_two_analysts_confirm_it(
    server: Any, as_user: Any, confirmed: list[events.ConfirmedItem]
) -> None:
    data = jpeg(picture(501))
    with server.client("curator") as c:
        assert (
            c.post("/v1/lists", json={"name": "hotline", "scheme": "industry"}).status_code == 201
        )
        resp = c.post(
            "/v1/lists/hotline/actions", json={"kind": "review", "report_to": ["ncmec", "nca"]}
        )
        assert resp.status_code == 201, resp.text
        assert resp.json()["action"]["report_to"] == ["ncmec", "nca"]
        bad = c.post("/v1/lists/hotline/actions", json={"kind": "review", "report_to": "fbi"})
        assert bad.status_code == 422
        with server.client("scanner") as s:
            sha = s.post("/v1/hash", content=data).json()["signals"]["sha256"]
        entry = {"signal_type": "sha256", "value": sha, "category": "A2"}
        assert c.post("/v1/lists/hotline/entries", json=entry).status_code == 201
    meta = {
        "user_id": "42",
        "screen_name": "someone",
        "email": "someone@example.org",
        "ip_events": [{"ip": "192.0.2.7", "time": "2026-12-01T10:00:00Z", "event": "upload"}],
        "content_id": "c-1",
        "url": "https://platform.example/c/1",
        "uploaded_at": "2026-12-01T10:00:00Z",
    }
    with server.client("scanner") as s:
        r = s.post(
            "/v1/match",
            files={"file": ("up.jpg", data, "image/jpeg")},
            data={"metadata": json.dumps(meta)},
        )
    assert r.status_code == 200, r.text
    assert r.json()["matched"] is True  # the verdict comes at once; the file waits for review
    alice, bob = as_user("alice"), as_user("bob")
    found = [i for i in alice.get("/v1/review/items", params={"source": "match"}).json()]
    assert found, "the match made a review item"
    item_id = found[-1]["id"]
    view = alice.get(f"/v1/review/items/{item_id}").json()
    assert view["metadata"] == meta and view["list"] == "hotline"
    assert all("category" not in m for m in view["matches"])  # the list's grade is not shown
    assert _grade(alice, item_id, "A1")["state"] == "in_review"
    again = alice.post(f"/v1/review/items/{item_id}/decisions", json={"decision": "A1"})
    assert again.status_code == 409
    seen_by_bob = bob.get(f"/v1/review/items/{item_id}").json()
    assert seen_by_bob["my_decision"] is None and "decisions" not in seen_by_bob
    final = _grade(bob, item_id, "a1")
    assert final["state"] == "confirmed" and final["category"] == "A1"
    [event] = [e for e in confirmed if e.item_id == item_id]
    assert event.report_to == ("ncmec", "nca") and event.list_name == "hotline"
    assert event.metadata["ip_events"][0]["ip"] == "192.0.2.7"
    assert set(event.decided_by) == {"alice", "bob"} and event.sha256 == sha


def test_claims_keep_two_people_off_one_item(server: Any, as_user: Any, assert_error: Any) -> None:
    item_id = _intake(server, 601)
    alice, bob = as_user("alice"), as_user("bob")
    assert alice.post(f"/v1/review/items/{item_id}/claim").json()["claimed_by_me"] is True
    assert_error(bob.post(f"/v1/review/items/{item_id}/claim"), 409, "conflict")
    assert_error(bob.get(f"/v1/review/items/{item_id}"), 403, "forbidden")
    assert_error(bob.get(f"/v1/review/items/{item_id}/media"), 403, "forbidden")
    decided = bob.post(f"/v1/review/items/{item_id}/decisions", json={"decision": "A1"})
    assert_error(decided, 409, "conflict")
    assert alice.post(f"/v1/review/items/{item_id}/release").json()["state"] == "open"
    assert bob.post(f"/v1/review/items/{item_id}/claim").status_code == 200


def test_a_disagreement_goes_to_a_senior_whose_ruling_stands(
    server: Any, as_user: Any, assert_error: Any
) -> None:
    item_id = _intake(server, 602)
    alice, bob, carol = as_user("alice"), as_user("bob"), as_user("carol")
    _grade(alice, item_id, "A1")
    assert _grade(bob, item_id, "not_illegal")["state"] == "escalated"
    erin = as_user("erin")
    assert_error(erin.post(f"/v1/review/items/{item_id}/claim"), 403, "forbidden")
    assert_error(erin.get(f"/v1/review/items/{item_id}"), 403, "forbidden")  # with the seniors
    escalated = carol.get("/v1/review/disagreements").json()
    assert item_id in [i["id"] for i in escalated]
    seen = carol.get(f"/v1/review/items/{item_id}").json()
    assert sorted(d["decision"] for d in seen["decisions"]) == ["A1", "not_illegal"]
    final = _grade(carol, item_id, "B2")
    assert final["state"] == "confirmed" and final["category"] == "B2"
    assert next(d for d in final["decisions"] if d["ruling"])["by"] == "carol"


def test_a_rejected_match_is_a_false_positive_and_flags_the_entry(
    server: Any, as_user: Any
) -> None:
    data = jpeg(picture(701))
    with server.client("curator") as c:
        assert c.post("/v1/lists", json={"name": "fp-list", "scheme": "uk"}).status_code == 201
        assert c.post("/v1/lists/fp-list/actions", json={"kind": "review"}).status_code == 201
        with server.client("scanner") as s:
            md5 = s.post("/v1/hash", content=data).json()["signals"]["md5"]
        entry = c.post("/v1/lists/fp-list/entries", json={"signal_type": "md5", "value": md5})
        entry_id = entry.json()["id"]
    with server.client("scanner") as s:
        assert s.post("/v1/match", content=data).json()["matched"] is True
    alice, bob = as_user("alice"), as_user("bob")
    items = alice.get("/v1/review/items", params={"source": "match", "state": "open"}).json()
    [item] = [i for i in items if i["list"] == "fp-list"]
    assert item["scheme"] == "uk" and set(item["categories"]) == {"A", "B", "C"}
    _grade(alice, item["id"], "not_illegal")
    assert _grade(bob, item["id"], "not_illegal")["state"] == "rejected"
    with server.client("curator") as c:
        flags = c.get("/v1/review/flags").json()
    assert {"list": "fp-list", "entry_id": entry_id} in [
        {"list": f["list"], "entry_id": f["entry_id"]} for f in flags
    ]
    with server.client("scanner") as s:
        assert s.get("/v1/review/flags").status_code == 403


def test_a_queue_with_a_target_list_turns_confirmed_items_into_entries_with_provenance(
    server: Any, as_user: Any
) -> None:
    with server.client("curator") as c:
        assert (
            c.post("/v1/lists", json={"name": "confirmed", "scheme": "industry"}).status_code == 201
        )
    carol = as_user("carol")
    resp = carol.post("/v1/review/queues", json={"name": "reports", "target_list": "confirmed"})
    assert resp.status_code == 201, resp.text
    assert as_user("alice").post("/v1/review/queues", json={"name": "x"}).status_code == 403
    item_id = _intake(server, 801, queue="reports")
    _grade(as_user("alice"), item_id, "A2")
    final = _grade(as_user("bob"), item_id, "A2")
    assert final["state"] == "confirmed" and final["listed_in"] == "confirmed"
    with server.client("curator") as c:
        page = c.get("/v1/lists/confirmed/entries").json()
    rows = page["entries"] if isinstance(page, dict) else page
    mine = [e for e in rows if e["source_id"] == f"review-item-{item_id}"]
    assert {e["signal_type"] for e in mine} >= {"md5", "sha1", "sha256", "pdq"}
    assert all(
        e["category"] == "A2" and "alice=A2" in e["note"] and "bob=A2" in e["note"] for e in mine
    )
    with server.client("scanner") as s:
        hit = s.post(
            "/v1/match/hash", json={"signal_type": "sha256", "value": final["signals"]["sha256"]}
        )
    assert hit.json()["matched"] is True


def test_media_are_blurred_greyscale_small_and_encrypted_on_disk(
    server: Any, as_user: Any, assert_error: Any
) -> None:
    original = jpeg(picture(901))
    files = {"file": ("p.jpg", original, "image/jpeg")}
    with server.client("scanner") as c:
        item_id = c.post("/v1/intake", files=files).json()["id"]
    alice = as_user("alice")
    blurred = alice.get(f"/v1/review/items/{item_id}/media")
    assert blurred.status_code == 200 and blurred.headers["content-type"] == "image/jpeg"
    assert blurred.headers["cache-control"] == "no-store"
    img = Image.open(io.BytesIO(blurred.content))
    assert img.mode == "L" and max(img.size) <= 256
    early = alice.get(f"/v1/review/items/{item_id}/media", params={"reveal": "true"})
    assert_error(early, 409, "conflict")  # reveal only what you hold
    assert alice.post(f"/v1/review/items/{item_id}/claim").status_code == 200
    revealed = Image.open(
        io.BytesIO(
            alice.get(f"/v1/review/items/{item_id}/media", params={"reveal": "true"}).content
        )
    )
    assert revealed.mode == "L" and max(revealed.size) <= 480
    # Blurring removes edges: far less detail than the revealed picture at the same size.
    small = revealed.resize(img.size)
    assert _detail(img) < _detail(small) / 2
    for name in ("root", "audrey"):
        assert_error(as_user(name).get(f"/v1/review/items/{item_id}/media"), 403, "forbidden")
        assert_error(as_user(name).get(f"/v1/review/items/{item_id}"), 403, "forbidden")
    media = list((Path(server.settings.home) / "media").glob("*.bin"))
    assert media
    on_disk = [p.read_bytes() for p in media]
    assert all(original[:2000] not in blob and original[-2000:] not in blob for blob in on_disk)
    other = Keyring(MasterKey.generate())
    with pytest.raises(CryptoError):
        decrypt_bytes(on_disk[0], other.current.key)
    svc = open_services(server.settings)
    try:
        from brightline.services.vault.keys import keyring_from_settings

        keyring = keyring_from_settings(server.settings)
        assert (
            b"".join(events.open_media(svc.store, keyring, item_id, local_operator())) == original
        )
        assert (Path(server.settings.home) / "master.key").stat().st_mode & 0o777 == 0o600
    finally:
        svc.close()


def _detail(img: Image.Image) -> float:
    from PIL import ImageFilter, ImageStat

    return float(ImageStat.Stat(img.filter(ImageFilter.FIND_EDGES)).mean[0])


def test_text_reports_and_metadata_are_checked(
    server: Any, as_user: Any, assert_error: Any
) -> None:
    with server.client("scanner") as c:
        resp = c.post(
            "/v1/intake",
            json={
                "text": "reported conversation",
                "metadata": {"user_id": "7", "reason": "grooming"},
            },
        )
        assert resp.status_code == 201, resp.text
        bad = c.post("/v1/intake", json={"text": "x", "metadata": {"nope": 1}})
        assert_error(bad, 422, "invalid_input")
        nul = c.post("/v1/intake", json={"text": "x", "metadata": {"user_id": "a\u0000b"}})
        assert_error(nul, 422, "invalid_input")
        files = {"file": ("a.jpg", jpeg(picture(3)), "image/jpeg")}
        bad_match = c.post("/v1/match", files=files, data={"metadata": "[1, 2]"})
        assert_error(bad_match, 422, "invalid_input")
    with server.client("curator") as c:  # curators do not work the queue
        assert_error(c.get("/v1/review/items"), 401, "unauthenticated")
    item_id = resp.json()["id"]
    alice = as_user("alice")
    hidden = alice.get(f"/v1/review/items/{item_id}/media")
    assert hidden.content == b""
    assert alice.post(f"/v1/review/items/{item_id}/claim").status_code == 200
    shown = alice.get(f"/v1/review/items/{item_id}/media", params={"reveal": "true"})
    assert shown.text == "reported conversation"


def test_quality_checks_give_seniors_agreement_rates(server: Any, as_user: Any) -> None:
    carol = as_user("carol")
    files = {"file": ("qc.jpg", jpeg(picture(1001)), "image/jpeg")}
    resp = carol.post("/v1/review/seed", files=files, data={"known_answer": "B1"})
    assert resp.status_code == 201, resp.text
    qc = resp.json()["id"]
    alice, erin = as_user("alice"), as_user("erin")
    seen = alice.get(f"/v1/review/items/{qc}").json()
    assert seen["source"] == "intake" and "quality" not in seen and "known_answer" not in seen
    _grade(alice, qc, "B1")
    assert _grade(erin, qc, "A1")["state"] == "confirmed"  # the known answer decides
    figures = {f["user"]: f for f in carol.get("/v1/review/quality").json()}
    assert figures["alice"]["quality_agreement"] == 1.0
    assert figures["erin"]["quality_agreement"] == 0.0
    counters = carol.get("/v1/review/exposure").json()
    assert {"user", "day", "items", "reveals", "minutes"} <= set(counters[0])
    assert as_user("alice").get("/v1/review/quality").status_code == 403


def test_undo_after_a_disagreement_or_under_another_holder_is_409(
    server: Any, as_user: Any, assert_error: Any
) -> None:
    alice, bob = as_user("alice"), as_user("bob")
    held = _intake(server, 1151)
    _grade(alice, held, "A1")
    assert bob.post(f"/v1/review/items/{held}/claim").status_code == 200
    taken = alice.post(f"/v1/review/items/{held}/undo")
    assert "holds" in assert_error(taken, 409, "conflict")["message"]
    assert bob.get(f"/v1/review/items/{held}").json()["claimed_by_me"] is True
    resp = bob.post(f"/v1/review/items/{held}/decisions", json={"decision": "B1"})
    assert resp.json()["state"] == "escalated"
    for reviewer in (alice, bob):
        again = reviewer.post(f"/v1/review/items/{held}/undo")
        assert "seniors" in assert_error(again, 409, "conflict")["message"]
    assert as_user("carol").get(f"/v1/review/items/{held}").json()["state"] == "escalated"


def test_undo_within_the_window_and_next_item(server: Any, as_user: Any, assert_error: Any) -> None:
    item_id = _intake(server, 1101, queue=None)
    erin = as_user("erin")
    _grade(erin, item_id, "A1")
    undone = erin.post(f"/v1/review/items/{item_id}/undo")
    assert undone.status_code == 200 and undone.json()["my_decision"] is None
    assert undone.json()["claimed_by_me"] is True
    redo = erin.post(f"/v1/review/items/{item_id}/decisions", json={"decision": "B1"})
    assert redo.json()["my_decision"] == "B1"
    nxt = erin.post("/v1/review/next")
    assert nxt.status_code in (200, 204)
    if nxt.status_code == 200:
        assert nxt.json()["claimed_by_me"] is True and nxt.json()["my_decision"] is None
    me = erin.get("/v1/review/exposure/me").json()
    assert me["items"] >= 1 and "break_due" in me


def test_cookie_sessions_need_the_csrf_token_and_logout_ends_them(
    server: Any, people: dict[str, str], assert_error: Any
) -> None:
    item_id = _intake(server, 1201)
    with server.client() as c:
        login = c.post("/v1/auth/login", json={"username": "bob", "password": PASSWORD}).json()
        assert c.get("/v1/auth/me").json()["user"]["name"] == "bob"  # the cookie alone
        assert_error(c.post(f"/v1/review/items/{item_id}/claim"), 403, "forbidden")
        wrong = c.post(f"/v1/review/items/{item_id}/claim", headers={"X-CSRF-Token": "x" * 40})
        assert_error(wrong, 403, "forbidden")
        ok = c.post(
            f"/v1/review/items/{item_id}/claim", headers={"X-CSRF-Token": login["csrf_token"]}
        )
        assert ok.status_code == 200
        c.post(f"/v1/review/items/{item_id}/release", headers={"X-CSRF-Token": login["csrf_token"]})
        out = c.post("/v1/auth/logout", headers={"X-CSRF-Token": login["csrf_token"]})
        assert out.status_code == 204
        c.cookies.clear()
        ended = c.get("/v1/auth/me", headers={"Authorization": f"Bearer {login['token']}"})
        assert_error(ended, 401, "unauthenticated")


def test_admins_manage_users_and_others_cannot(
    server: Any, as_user: Any, assert_error: Any
) -> None:
    root = as_user("root")
    made = root.post("/v1/users", json={"name": "frank", "role": "analyst", "password": PASSWORD})
    assert made.status_code == 201 and made.json()["role"] == "analyst"
    assert_error(as_user("alice").get("/v1/users"), 403, "forbidden")
    assert root.post("/v1/users/frank/disable").json()["disabled"] is True
    with server.client() as c:
        resp = c.post("/v1/auth/login", json={"username": "frank", "password": PASSWORD})
        assert "disabled" in assert_error(resp, 401, "unauthenticated")["message"]
    assert_error(root.get("/v1/review/items"), 403, "forbidden")


def test_every_view_reveal_claim_decision_and_sign_in_is_in_a_chain_that_verifies(
    server: Any, people: dict[str, str]
) -> None:
    svc = open_services(server.settings)
    try:
        actions = {r.action for r in audit.records(svc.store, limit=None)}
        assert audit.verify(svc.store).intact
    finally:
        svc.close()
    expected = {
        "auth.login",
        "auth.login_failed",
        "auth.logout",
        "review.intake",
        "review.view",
        "review.media_read",
        "review.reveal",
        "review.claim",
        "review.decide",
        "review.release",
        "review.undo",
        "user.create",
        "user.disable",
        "review.queue_create",
    }
    assert expected <= actions


def test_batch_matches_on_a_review_list_join_the_queue_too(server: Any, as_user: Any) -> None:
    data = jpeg(picture(1301))
    with server.client("curator") as c:
        assert c.post("/v1/lists", json={"name": "batch-list"}).status_code == 201
        assert c.post("/v1/lists/batch-list/actions", json={"kind": "review"}).status_code == 201
        with server.client("scanner") as s:
            sha1 = s.post("/v1/hash", content=data).json()["signals"]["sha1"]
        assert (
            c.post(
                "/v1/lists/batch-list/entries", json={"signal_type": "sha1", "value": sha1}
            ).status_code
            == 201
        )
    files = [
        ("file", ("a.jpg", data, "image/jpeg")),
        ("file", ("b.jpg", jpeg(picture(1302)), "image/jpeg")),
    ]
    with server.client("scanner") as s:
        rows = s.post("/v1/match/batch", files=files).json()["results"]
    assert [r["matched"] for r in rows] == [True, False]
    carol = as_user("carol")
    found = [
        i
        for i in carol.get("/v1/review/items", params={"source": "match"}).json()
        if i["list"] == "batch-list"
    ]
    assert len(found) == 1 and found[0]["filename"] == "a.jpg"
    assert found[0]["scheme"] == "industry"  # the list has no scheme: the queue's
