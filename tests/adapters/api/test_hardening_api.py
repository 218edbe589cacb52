"""Small hardening of the API (issue 15): idempotent intake."""

from __future__ import annotations

import json
import threading
from typing import Any

from brightline.services.demo import jpeg, picture


def _post_intake(server: Any, key: str | None, seed: int = 1, role: str = "scanner") -> Any:
    files = {"file": (f"r{seed}.jpg", jpeg(picture(seed)), "image/jpeg")}
    headers = {"Idempotency-Key": key} if key is not None else {}
    with server.client(role) as c:
        return c.post(
            "/v1/intake",
            files=files,
            data={"metadata": json.dumps({"user_id": "u1"})},
            headers=headers,
        )


def test_intake_with_an_idempotency_key_makes_one_item(server: Any) -> None:
    first = _post_intake(server, "req-7f3a")
    assert first.status_code == 201, first.text
    again = _post_intake(server, "req-7f3a")  # the retry after a lost answer
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    other = _post_intake(server, "req-other")
    assert other.json()["id"] != first.json()["id"]
    plain = [_post_intake(server, None).json()["id"] for _ in range(2)]
    assert plain[0] != plain[1]  # without a key every request is its own
    with server.client("scanner") as c:
        text = [
            c.post("/v1/intake", json={"text": "a thread"}, headers={"Idempotency-Key": "t-1"})
            for _ in range(2)
        ]
    assert text[0].json()["id"] == text[1].json()["id"]
    bad = _post_intake(server, "x" * 300)
    assert bad.status_code == 422 and "Idempotency-Key" in bad.text


def test_parallel_retries_with_one_key_make_one_item(server: Any) -> None:
    answers: list[Any] = []

    def send() -> None:
        answers.append(_post_intake(server, "race-1", seed=3))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(made) == 1
    assert {a.status_code for a in answers} <= {201, 409}


def _senior(server: Any) -> Any:
    from brightline.core.actor import local_operator
    from brightline.services.context import open_services
    from brightline.services.people import users

    svc = open_services(server.settings)
    users.create_user(svc.store, local_operator(), "qcsenior", "senior", "correct horse battery")
    svc.close()
    client = server.client()
    login = {"username": "qcsenior", "password": "correct horse battery"}
    client.headers["Authorization"] = (
        f"Bearer {client.post('/v1/auth/login', json=login).json()['token']}"
    )
    return client


def test_quality_check_items_have_the_shape_they_pose_as(server: Any) -> None:
    with server.client("curator") as c:
        assert c.post("/v1/lists", json={"name": "qc-known", "scheme": "uk"}).status_code == 201
        entry = {"signal_type": "md5", "value": "0" * 32, "category": "B"}
        assert c.post("/v1/lists/qc-known/entries", json=entry).status_code == 201
    senior = _senior(server)
    meta = {"user_id": "u-9", "ip_events": [{"ip": "192.0.2.1", "event": "upload"}]}
    try:
        files = {"file": ("qc.jpg", jpeg(picture(71)), "image/jpeg")}
        form = {"known_answer": "B", "shown_as": "match", "list": "qc-known",
                "metadata": json.dumps(meta)}  # fmt: skip
        resp = senior.post("/v1/review/seed", files=files, data=form)
        assert resp.status_code == 201, resp.text
        qc = senior.get(f"/v1/review/items/{resp.json()['id']}").json()
        assert qc["source"] == "match" and qc["list"] == "qc-known"
        (match,) = qc["matches"]
        assert match["list"] == "qc-known" and match["signal_type"] == "md5"
        assert match["entry_id"] > 0 and match["distance"] == 0
        assert qc["metadata"]["user_id"] == "u-9"
        files = {"file": ("qc2.jpg", jpeg(picture(72)), "image/jpeg")}
        form = {"known_answer": "B1", "metadata": json.dumps(meta)}
        resp = senior.post("/v1/review/seed", files=files, data=form)
        intake_qc = senior.get(f"/v1/review/items/{resp.json()['id']}").json()
        real = senior.get(f"/v1/review/items/{_post_intake(server, None, 73).json()['id']}").json()
        assert intake_qc["source"] == real["source"] == "intake"
        assert intake_qc["metadata"]["user_id"] == "u-9"
        assert set(intake_qc) == set(real)
        files = {"file": ("qc3.jpg", jpeg(picture(74)), "image/jpeg")}
        resp = senior.post(
            "/v1/review/seed", files=files, data={"known_answer": "B", "shown_as": "match"}
        )
        assert resp.status_code == 422 and "needs a list" in resp.text
    finally:
        senior.close()
