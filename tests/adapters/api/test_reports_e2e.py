"""Done when: a confirmed item from the review workspace becomes a finished report on
the local NCMEC server with its file, preserved in the vault. Through the real
server: a match on a list whose review action reports to NCMEC, two analysts agree,
a signed-in senior sends the draft, the outbox inside the server files it."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parents[2]))

from brightline.core.actor import local_operator
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.people import users
from fake_ncmec import FakeNcmec, reporting_overrides

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server_overrides(ncmec: FakeNcmec) -> dict[str, Any]:
    return reporting_overrides(ncmec.url)


def _signed_in(server: Any, name: str, role: str) -> httpx.Client:
    svc = open_services(server.settings)
    users.create_user(svc.store, local_operator(), name, role, PASSWORD)
    svc.close()
    client = server.client()
    resp = client.post("/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    client.headers["Authorization"] = f"Bearer {resp.json()['token']}"
    return client


def _grade(client: httpx.Client, item_id: int, decision: str) -> dict[str, Any]:
    assert client.post(f"/v1/review/items/{item_id}/claim").status_code == 200
    resp = client.post(f"/v1/review/items/{item_id}/decisions", json={"decision": decision})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def test_confirmed_review_item_becomes_a_finished_report(
    server: Any,
    ncmec: FakeNcmec,
    eventually: Callable[..., Any],
    assert_error: Callable[..., Any],
) -> None:
    data = jpeg(picture(901))
    with server.client("curator") as c:
        assert c.post("/v1/lists", json={"name": "tips", "scheme": "industry"}).status_code == 201
        action = {"kind": "review", "report_to": "ncmec"}
        assert c.post("/v1/lists/tips/actions", json=action).status_code == 201
        with server.client("scanner") as s:
            sha = s.post("/v1/hash", content=data).json()["signals"]["sha256"]
        entry = {"signal_type": "sha256", "value": sha, "category": "A2"}
        assert c.post("/v1/lists/tips/entries", json=entry).status_code == 201
    meta = {
        "user_id": "u-77",
        "screen_name": "uploader",
        "ip_events": [{"ip": "198.51.100.4", "time": "2026-12-01T09:00:00Z", "event": "upload"}],
        "url": "https://platform.example/p/77",
    }
    with server.client("scanner") as s:
        r = s.post(
            "/v1/match",
            files={"file": ("p.jpg", data, "image/jpeg")},
            data={"metadata": json.dumps(meta)},
        )
        assert r.status_code == 200 and r.json()["matched"] is True, r.text
    alice = _signed_in(server, "alice", "analyst")
    bob = _signed_in(server, "bob", "analyst")
    carol = _signed_in(server, "carol", "senior")
    item_id = alice.get("/v1/review/items", params={"source": "match"}).json()[-1]["id"]
    _grade(alice, item_id, "A2")
    assert _grade(bob, item_id, "A2")["state"] == "confirmed"

    assert_error(alice.get("/v1/reports"), 403, "forbidden")  # analysts do not send reports
    drafts = carol.get("/v1/reports", params={"state": "draft"}).json()
    (draft,) = [d for d in drafts if d["reported_user"] == "id:u-77"]
    assert [i["item_id"] for i in draft["items"]] == [item_id]
    assert draft["items"][0]["industry"] == "A2" and draft["destination"] == "ncmec"
    sent = carol.post(f"/v1/reports/{draft['id']}/send")
    assert sent.status_code == 202, sent.text

    def finished() -> dict[str, Any] | None:
        view: dict[str, Any] = carol.get(f"/v1/reports/{draft['id']}").json()
        return view if view["state"] == "finished" else None

    done = eventually(finished)
    (filed,) = [r for r in ncmec.finished() if str(r.report_id) == done["report_id"]]
    (file,) = filed.files.values()
    assert file.md5 == hashlib.md5(data).hexdigest() and file.details is not None
    assert b"<espIdentifier>u-77</espIdentifier>" in filed.xml
    assert b"<ipAddress>198.51.100.4</ipAddress>" in filed.xml
    kinds = {o["kind"] for o in done["vault"]}
    assert {"file", "report", "exchange"} <= kinds
    assert done["sent_by"].startswith("user:")  # the senior, in the audit chain too
    for client in (alice, bob, carol):
        client.close()
