"""POST /v1/match/text on a real server: URL and keyword entries found in text, with
their spans, recorded in the match log and sent to the list's webhook."""

from __future__ import annotations

import json
from typing import Any

import pytest

from brightline.adapters.api.testing import WebhookReceiver


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"text_max_chars": 2000}


def test_links_and_keywords_are_found_recorded_and_acted_on(
    server: Any, eventually: Any, assert_error: Any
) -> None:
    with WebhookReceiver() as hook, server.client("curator") as c:
        c.post("/v1/lists", json={"name": "links"})
        c.post("/v1/lists", json={"name": "terms"})
        c.post("/v1/lists/links/actions", json={"kind": "webhook", "url": hook.url})
        for value in ("*.example.org/*", "example.com/a/page.html"):
            made = c.post("/v1/lists/links/entries", json={"signal_type": "url", "value": value})
            assert made.status_code in (200, 201), made.text
        made = c.post(
            "/v1/lists/terms/entries",
            json={"signal_type": "keyword", "value": "Secret Plan", "category": None},
        )
        assert made.status_code in (200, 201), made.text

        text = "hi! our s.e.c.r.e.t plan: hxxps://www.example[.]org/x or EXAMPLE.com/a/page.html"
        with server.client("scanner") as s:
            # New entries reach every worker's index by polling the change feed.
            def all_three() -> Any:
                got = s.post("/v1/match/text", json={"text": text, "ref": "msg-1"}).json()
                return got if len(got["matches"]) == 3 else None

            body = eventually(all_three)
        assert body["error"] is None
        rows = body["matches"]
        assert [(r["list"], r["signal_type"], r["value"]) for r in rows] == [
            ("terms", "keyword", "secret plan"),
            ("links", "url", "*.example.org/*"),
            ("links", "url", "example.com/a/page.html"),
        ]
        for r in rows:
            start, end = r["span"]
            assert text[start:end] == r["found"]
            assert {"entry_id", "category"} <= set(r)
        assert rows[1]["found"] == "hxxps://www.example[.]org/x"

        with server.client("scanner") as s:
            only = s.post("/v1/match/text", json={"text": text, "lists": ["terms"]}).json()
            assert [r["list"] for r in only["matches"]] == ["terms"]
            none = s.post("/v1/match/text", json={"text": "nothing to see"}).json()
            assert none == {"matches": [], "error": None}
            assert_error(s.post("/v1/match/text", json={"text": "x" * 2001}), 413, "too_large")
            assert_error(
                s.post("/v1/match/text", json={"text": "x", "lists": ["nope"]}), 404, "not_found"
            )
        with server.client() as anonymous:
            assert_error(
                anonymous.post("/v1/match/text", json={"text": "x"}), 401, "unauthenticated"
            )

        eventually(lambda: hook.received)
        payload = json.loads(hook.received[0].body)
        assert payload["ref"] == "msg-1"
        assert {m["value"] for m in payload["matches"]} == {
            "*.example.org/*",
            "example.com/a/page.html",
        }
        log = c.get("/v1/match-log", params={"list": "terms"}).json()
        assert log and log[0]["ref"] == "msg-1" and log[0]["value"] == "secret plan"


def test_withdrawn_entries_stop_matching(server: Any, eventually: Any) -> None:
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "gone"})
        made = c.post("/v1/lists/gone/entries", json={"signal_type": "keyword", "value": "zebra"})
        entry_id = made.json()["id"]
        with server.client("scanner") as s:

            def found() -> Any:
                got = s.post("/v1/match/text", json={"text": "a ZEBRA", "lists": ["gone"]})
                return got.json() if got.json()["matches"] else None

            hit = eventually(found)  # the new entry reaches the worker's index by polling
            assert len(hit["matches"]) == 1
            assert entry_id == hit["matches"][0]["entry_id"]
        resp = c.patch(f"/v1/entries/{entry_id}", json={"withdrawn": True})
        assert resp.status_code == 200, resp.text

        def gone() -> bool:
            with server.client("scanner") as s:
                body = s.post("/v1/match/text", json={"text": "a zebra", "lists": ["gone"]})
                return body.json()["matches"] == []

        eventually(gone)


def test_a_list_with_a_review_action_keeps_the_text_for_review(
    server: Any, eventually: Any
) -> None:
    from brightline.services.context import open_services
    from brightline.services.store import review as store_review

    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "watch-terms", "scheme": "industry"})
        assert c.post("/v1/lists/watch-terms/actions", json={"kind": "review"}).status_code == 201
        entry = {"signal_type": "keyword", "value": "placeholder term"}
        assert c.post("/v1/lists/watch-terms/entries", json=entry).status_code == 201

    def matched() -> dict[str, Any] | None:
        with server.client("scanner") as s:
            text = {"text": "a PLACEHOLDER   TERM here", "lists": ["watch-terms"], "ref": "p-9"}
            body: dict[str, Any] = s.post("/v1/match/text", json=text).json()
        return body if body["matches"] else None  # the index follows within a refresh

    body = eventually(matched)
    assert [m["found"] for m in body["matches"]] == ["PLACEHOLDER   TERM"]
    svc = open_services(server.settings)
    with svc.store.connect() as conn:
        rows = store_review.find_items(conn, states=["open"], queue=None, source="match", limit=100)
    svc.close()
    [item] = [r for r in rows if r.list_name == "watch-terms"]
    assert item.media_type == "text/plain" and item.filename == "p-9"
