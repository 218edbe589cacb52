"""Per-list actions end to end: a match on the server reaches a signed webhook."""

from __future__ import annotations

import json
import time
from typing import Any

from brightline.adapters.api.testing import WebhookReceiver
from brightline.services.actions.delivery import SIGNATURE_HEADER, verify_signature

PDQ = "3c5a" * 16


def test_a_match_is_logged_and_posted_signed(
    server: Any, eventually: Any, assert_error: Any
) -> None:
    with WebhookReceiver(answers=[500]) as hook, server.client("curator") as c:
        c.post("/v1/lists", json={"name": "watched"})
        made = c.post("/v1/lists/watched/actions", json={"kind": "webhook", "url": hook.url})
        assert made.status_code == 201
        secret = made.json()["secret"]
        assert secret and made.json()["action"]["url"] == hook.url
        c.post("/v1/lists/watched/actions", json={"kind": "log"})
        listed = c.get("/v1/lists/watched/actions").json()
        assert [a["kind"] for a in listed] == ["webhook", "log"]
        assert all("secret" not in a for a in listed)
        assert_error(
            c.post("/v1/lists/watched/actions", json={"kind": "webhook"}), 400, "bad_request"
        )
        c.post("/v1/lists/watched/entries", json={"signal_type": "pdq", "value": PDQ})

        def matched() -> dict[str, Any] | None:
            with server.client("scanner") as s:
                body: dict[str, Any] = s.post(
                    "/v1/match/hash", json={"signal_type": "pdq", "value": PDQ, "ref": "u-77"}
                ).json()
            return body if body["matched"] else None

        verdict = eventually(matched)
        # The first attempt gets a 500; the retry (after the backoff) succeeds.
        eventually(lambda: len(hook.received) >= 2)
        got = hook.received[-1]
        assert verify_signature(
            secret, got.headers[SIGNATURE_HEADER.lower()], got.body, time.time()
        )
        payload = json.loads(got.body)
        assert payload["request_id"] == verdict["request_id"] and payload["ref"] == "u-77"
        assert payload["matches"][0]["value"] == PDQ

        def delivered() -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = c.get(
                "/v1/webhook-deliveries", params={"list": "watched", "status": "delivered"}
            ).json()
            return rows

        [row] = eventually(delivered)
        assert row["attempts"] == 2 and row["last_status_code"] == 200
        log = c.get("/v1/match-log", params={"list": "watched"}).json()
        assert log[0]["ref"] == "u-77" and log[0]["request_id"] == verdict["request_id"]

        action_id = listed[0]["id"]
        assert c.delete(f"/v1/lists/watched/actions/{action_id}").status_code == 204
        assert_error(c.delete(f"/v1/lists/watched/actions/{action_id}"), 404, "not_found")
