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

