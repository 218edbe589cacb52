"""Issue 11's "Done when", end to end on a real server, on each backend: a match on a
list whose review action reports to NCMEC, two analysts confirm it, the item joins a
draft report, a signed-in senior sends it, the server's outbox worker files it on the
local NCMEC server with the file (MD5 checked), the file is in the evidence vault and
the audit chain verifies. Also who may use ``/v1/reports`` and ``/v1/audit``."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parents[2]))

from brightline.core.actor import local_operator
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.people import users
from brightline.services.reports import Reporting
from fake_ncmec import FakeNcmec, reporting_overrides

PASSWORD = "correct horse battery"
PEOPLE = {
    "alice": "analyst",
    "bob": "analyst",
    "carol": "senior",
    "root": "admin",
    "audrey": "auditor",
}


@pytest.fixture(scope="module")
def server_overrides(ncmec: FakeNcmec) -> dict[str, Any]:
    return reporting_overrides(ncmec.url)


@pytest.fixture(scope="module")
def logins(server: Any) -> dict[str, dict[str, Any]]:
    """The JSON answer of ``/v1/auth/login`` (token, csrf_token) by user name."""
    svc = open_services(server.settings)
    for name, role in PEOPLE.items():
        users.create_user(svc.store, local_operator(), name, role, PASSWORD)
    svc.close()
    out = {}
    with server.client() as c:
        for name in PEOPLE:
            resp = c.post("/v1/auth/login", json={"username": name, "password": PASSWORD})
            assert resp.status_code == 200, resp.text
            out[name] = resp.json()
    return out


@pytest.fixture
def as_user(
    server: Any, logins: dict[str, dict[str, Any]]
) -> Iterator[Callable[[str], httpx.Client]]:
    clients: list[httpx.Client] = []

    def make(name: str) -> httpx.Client:
        client = server.client()
        client.headers["Authorization"] = f"Bearer {logins[name]['token']}"
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


def _grade(client: httpx.Client, item_id: int, decision: str) -> dict[str, Any]:
    assert client.post(f"/v1/review/items/{item_id}/claim").status_code == 200
    resp = client.post(f"/v1/review/items/{item_id}/decisions", json={"decision": decision})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _matched_and_confirmed(server: Any, as_user: Any, seed: int, user_id: str) -> tuple[int, bytes]:
    """A file on the ``hotline`` list matched through /v1/match, confirmed by two analysts."""
    data = jpeg(picture(seed))
    with server.client("curator") as c:
        if c.get("/v1/lists/hotline").status_code == 404:
            made = c.post("/v1/lists", json={"name": "hotline", "scheme": "industry"})
            assert made.status_code == 201, made.text
            action = {"kind": "review", "report_to": "ncmec"}
            resp = c.post("/v1/lists/hotline/actions", json=action)
            assert resp.status_code == 201, resp.text
        sha = hashlib.sha256(data).hexdigest()
        entry = {"signal_type": "sha256", "value": sha, "category": "A1"}
        assert c.post("/v1/lists/hotline/entries", json=entry).status_code == 201
    meta = {
        "user_id": user_id,
        "screen_name": f"name-{user_id}",
        "email": f"{user_id}@example.org",
        "ip_events": [{"ip": "192.0.2.9", "time": "2026-12-01T09:00:00Z", "event": "upload"}],
        "content_id": f"content-{seed}",
    }
    with server.client("scanner") as s:
        resp = s.post(
            "/v1/match",
            files={"file": (f"upload-{seed}.jpg", data, "image/jpeg")},
            data={"metadata": json.dumps(meta)},
        )
    assert resp.status_code == 200, resp.text
    assert resp.json()["matched"] is True
    alice, bob = as_user("alice"), as_user("bob")
    found = alice.get("/v1/review/items", params={"source": "match"}).json()
    [item] = [
        i
        for i in found
        if alice.get(f"/v1/review/items/{i['id']}").json()["signals"]["sha256"] == sha
    ]
    assert _grade(alice, item["id"], "A1")["state"] == "in_review"
    assert _grade(bob, item["id"], "A1")["state"] == "confirmed"
    return int(item["id"]), data


def _draft_of(client: httpx.Client, item_id: int) -> dict[str, Any]:
    listed = client.get("/v1/reports", params={"state": "draft"})
    assert listed.status_code == 200, listed.text
    [report] = [r for r in listed.json() if any(i["item_id"] == item_id for i in r["items"])]
    return report


def test_a_confirmed_match_becomes_a_finished_ncmec_report_with_its_file_in_the_vault(
    server: Any,
    as_user: Any,
    ncmec: FakeNcmec,
    eventually: Callable[..., Any],
) -> None:
    item_id, data = _matched_and_confirmed(server, as_user, 7101, "reported-7101")
    carol = as_user("carol")
    draft = _draft_of(carol, item_id)
    assert draft["destination"] == "ncmec" and draft["reported_user"] == "id:reported-7101"
    assert draft["report_id"] is None
    sent = carol.post(f"/v1/reports/{draft['id']}/send", json={"note": "checked by carol"})
    assert sent.status_code == 202, sent.text
    done = eventually(
        lambda: (r := carol.get(f"/v1/reports/{draft['id']}").json())["state"] == "finished" and r,
        timeout=60,
    )
    assert done["sent_by"].startswith("user:")  # the signed-in senior, not a key
    assert all(s["state"] == "done" for s in done["steps"] if s["generation"] == done["generation"])
    # On NCMEC's side: one finished report, with the file, whose MD5 NCMEC computed is ours.
    [filed] = [r for r in ncmec.finished() if str(r.report_id) == done["report_id"]]
    [received] = filed.files.values()
    assert received.data == data
    assert received.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert received.details is not None  # fileinfo described it
    assert b"reported-7101" in filed.xml
    # In the vault: the same bytes, encrypted on disk.
    [obj] = [o for o in done["vault"] if o["kind"] == "file"]
    assert obj["sha256"] == hashlib.sha256(data).hexdigest()
    reporting = Reporting.from_settings(_store(server), server.settings)
    try:
        assert reporting.vault.read_bytes(obj["id"], local_operator(), "test") == data
    finally:
        reporting.store.dispose()
    for blob in server.settings.vault_dir.rglob("*"):
        if blob.is_file():
            assert data[:64] not in blob.read_bytes()
    # The audit chain holds the send and verifies, read by an auditor user.
    audrey = as_user("audrey")
    assert audrey.get("/v1/audit/verify").json()["intact"] is True
    sends = audrey.get("/v1/audit", params={"action": "report.send"}).json()
    assert any(r["target"] == f"report:{draft['id']}" for r in sends), sends


def _store(server: Any) -> Any:
    from brightline.services.store import Store

    return Store(server.settings.db_url)


def test_only_seniors_and_curator_keys_use_reports(
    server: Any,
    as_user: Any,
    logins: dict[str, dict[str, Any]],
    assert_error: Callable[..., Any],
) -> None:
    item_id, _ = _matched_and_confirmed(server, as_user, 7102, "reported-7102")
    for name in ("alice", "root", "audrey"):
        client = as_user(name)
        assert_error(client.get("/v1/reports"), 403, "forbidden")
        assert_error(client.post("/v1/reports/1/send"), 403, "forbidden")
    with server.client() as anonymous:
        assert_error(anonymous.get("/v1/reports"), 401, "unauthenticated")
    with server.client("scanner") as scanner:
        assert_error(scanner.get("/v1/reports"), 403, "forbidden")
    with server.client("curator") as curator:
        draft = _draft_of(curator, item_id)
    # The browser's cookie works too, and a change needs the CSRF token.
    with server.client() as c:
        login = c.post("/v1/auth/login", json={"username": "carol", "password": PASSWORD}).json()
        assert c.get(f"/v1/reports/{draft['id']}").json()["state"] == "draft"
        assert_error(c.post(f"/v1/reports/{draft['id']}/retract"), 403, "forbidden")
        headers = {"X-CSRF-Token": login["csrf_token"]}
        retracted = c.post(f"/v1/reports/{draft['id']}/retract", headers=headers)
        assert retracted.status_code == 202, retracted.text
        assert retracted.json()["state"] == "retracted"


def test_auditor_and_admin_users_read_the_audit_chain(
    server: Any, as_user: Any, assert_error: Callable[..., Any]
) -> None:
    for name in ("audrey", "root"):
        client = as_user(name)
        assert client.get("/v1/audit/verify").json()["intact"] is True
        assert client.get("/v1/audit", params={"limit": 5}).status_code == 200
    for name in ("alice", "carol"):
        assert_error(as_user(name).get("/v1/audit"), 403, "forbidden")
        assert_error(as_user(name).get("/v1/audit/verify"), 403, "forbidden")
    with server.client("admin") as admin:
        assert admin.get("/v1/audit/verify").status_code == 200
    with server.client("curator") as curator:
        assert_error(curator.get("/v1/audit"), 403, "forbidden")
