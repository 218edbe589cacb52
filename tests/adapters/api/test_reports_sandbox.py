"""``brightline reports sandbox``: the CyberTipline stand-in shipped in the package,
run as a newcomer runs it; an intake item with ``report_to`` is confirmed, sent from
the real server and filed on the sandbox, which says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from brightline.core.actor import local_operator
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.people import users

PASSWORD = "correct horse battery"
CLI = str(Path(sys.executable).parent / "brightline")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: Any) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    env = {**os.environ, "BRIGHTLINE_HOME": str(tmp_path_factory.mktemp("sandboxhome"))}
    proc = subprocess.Popen(
        [CLI, "reports", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    banner = [proc.stdout.readline() for _ in range(2)]
    assert "SANDBOX" in banner[0] and "NOT NCMEC" in banner[0]
    url = banner[1].split("Listening on ", 1)[1].strip()
    assert url.startswith("http://127.0.0.1:")
    yield url, proc
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server_overrides(sandbox: tuple[str, Any]) -> dict[str, Any]:
    return {
        "ncmec_url": sandbox[0],
        "ncmec_username": "sandbox",
        "ncmec_password": "sandbox",
        "reporter_first_name": "Sam",
        "reporter_last_name": "Sandbox",
        "reporter_email": "sandbox@example.org",
        "report_backoff_s": 0.05,
    }


def _signed_in(server: Any, name: str, role: str) -> httpx.Client:
    svc = open_services(server.settings)
    users.create_user(svc.store, local_operator(), name, role, PASSWORD)
    svc.close()
    client = server.client()
    login = {"username": name, "password": PASSWORD}
    client.headers["Authorization"] = (
        f"Bearer {client.post('/v1/auth/login', json=login).json()['token']}"
    )
    return client


def _grade(client: httpx.Client, item_id: int, decision: str) -> dict[str, Any]:
    assert client.post(f"/v1/review/items/{item_id}/claim").status_code == 200
    resp = client.post(f"/v1/review/items/{item_id}/decisions", json={"decision": decision})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def test_an_intake_item_is_filed_on_the_sandbox(
    server: Any, sandbox: tuple[str, subprocess.Popen[str]], eventually: Callable[..., Any]
) -> None:
    meta = {"user_id": "u-5", "ip_events": [{"ip": "198.51.100.9", "event": "upload"}]}
    with server.client("scanner") as s:
        resp = s.post(
            "/v1/intake",
            files={"file": ("r.jpg", jpeg(picture(431)), "image/jpeg")},
            data={"metadata": json.dumps(meta), "report_to": "ncmec"},
        )
        assert resp.status_code == 201, resp.text
    item_id = resp.json()["id"]
    alice, bob = _signed_in(server, "alice", "analyst"), _signed_in(server, "bob", "analyst")
    carol = _signed_in(server, "carol", "senior")
    try:
        assert carol.get(f"/v1/review/items/{item_id}").json()["report_to"] == ["ncmec"]
        _grade(alice, item_id, "A1")
        assert _grade(bob, item_id, "A1")["state"] == "confirmed"
        (draft,) = [
            d
            for d in carol.get("/v1/reports", params={"state": "draft"}).json()
            if d["reported_user"] == "id:u-5"
        ]
        assert [i["item_id"] for i in draft["items"]] == [item_id]
        assert carol.post(f"/v1/reports/{draft['id']}/send").status_code == 202

        def finished() -> dict[str, Any] | None:
            view: dict[str, Any] = carol.get(f"/v1/reports/{draft['id']}").json()
            return view if view["state"] == "finished" else None

        done = eventually(finished)
    finally:
        for c in (alice, bob, carol):
            c.close()
    proc = sandbox[1]
    assert proc.stdout is not None
    deadline = time.monotonic() + 10
    said = ""
    while time.monotonic() < deadline and "finished" not in said:
        said = proc.stdout.readline()
    assert f"SANDBOX report {done['report_id']} finished (1 file)" in said
