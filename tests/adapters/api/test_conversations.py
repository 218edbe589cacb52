"""Live conversations on a real server: messages scored as they arrive, the warning
rule, the review item an analyst sees (text, with context and indicators), what text
is kept, and who may do what. Conversations are synthetic and non-explicit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from brightline.core.actor import local_operator
from brightline.services.context import open_services
from brightline.services.people import users
from brightline.services.store import chat as store_chat
from brightline.services.text import conversations

PASSWORD = "correct horse battery"
GROOMING = [
    ("g", "hey what are you up to"),
    ("c", "not much"),
    ("g", "how old are you"),
    ("c", "13"),
    ("g", "you seem really mature for your age, you can trust me"),
    ("c", "ok"),
    ("g", "are your parents home"),
    ("c", "no"),
    ("g", "don't tell anyone we talk, it's our secret"),
    ("c", "why"),
    ("g", "add me on snapchat instead"),
    ("c", "maybe"),
    ("g", "send me a pic of you"),
    ("c", "idk"),
    ("g", "we should meet up, i can pick you up after school"),
    ("c", "hmm"),
]


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"chat_warn_k": 2, "chat_warn_n": 4, "chat_warn_cooldown": 50, "chat_context": 3}


@pytest.fixture(scope="module")
def analyst(server: Any) -> Any:
    svc = open_services(server.settings)
    users.create_user(svc.store, local_operator(), "alice", "analyst", PASSWORD)
    svc.close()
    client = server.client()
    token = client.post("/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    yield client
    client.close()


def test_a_grooming_conversation_warns_and_goes_to_review(server: Any, analyst: Any) -> None:
    with server.client("scanner") as s:
        first = s.post("/v1/conversations/c-1/messages", json={"author": "g", "text": "hi"})
        assert first.status_code == 200, first.text
        assert first.json()["warning"] is None and first.json()["messages"] == 1
        rest = [{"author": a, "text": t, "time": "20:00"} for a, t in GROOMING]
        body = s.post("/v1/conversations/c-1/messages", json={"messages": rest}).json()
    assert body["messages"] == len(GROOMING) + 1
    assert body["participants"]["g"] > 0.5 > body["participants"]["c"]
    warning = body["warning"]
    assert warning is not None and warning["author"] == "g"
    categories = {i["category"]: i["messages"] for i in warning["indicators"]}
    assert categories["age_location"] == [3] and 9 in categories["secrecy"]
    assert len(body["warnings"]) == 1  # the cooldown holds back a second one

    with server.client("scanner") as s:
        got = s.get("/v1/conversations/c-1").json()
    [kept] = got["warnings"]
    assert kept["review_item"] is not None and got["risk"] == body["risk"]

    items = analyst.get("/v1/review/items", params={"source": "chat"}).json()
    assert [i["id"] for i in items] == [kept["review_item"]]
    item_id = kept["review_item"]
    view = analyst.get(f"/v1/review/items/{item_id}").json()
    assert view["metadata"]["conversation"] == "c-1"
    assert analyst.post(f"/v1/review/items/{item_id}/claim").status_code == 200
    text = analyst.get(f"/v1/review/items/{item_id}/media", params={"reveal": "true"}).text
    assert "grooming-risk warning at message" in text
    assert "[3] * g: how old are you" in text  # an indicator's message, long before the warning
    assert "secrecy: messages" in text
    decided = analyst.post(
        f"/v1/review/items/{item_id}/decisions", json={"decision": "not_illegal"}
    )
    assert decided.status_code == 200, decided.text


def test_only_text_around_warnings_and_indicators_is_kept(server: Any) -> None:
    chat = [("a", f"talking about the game, level {n}") for n in range(12)]
    with server.client("scanner") as s:
        body = s.post(
            "/v1/conversations/c-2/messages",
            json={"messages": [{"author": a, "text": t} for a, t in chat]},
        ).json()
    assert body["warning"] is None and body["risk"] == 0
    svc = open_services(server.settings)
    with svc.store.connect() as conn:
        row = store_chat.find_conversation(conn, "c-2")
        kept = store_chat.context_messages(conn, row.id, list(range(12)))
    assert [r.idx for r in kept if r.text is not None] == [9, 10, 11]  # the last chat_context
    # Text kept by a warning goes when its time is up; scores stay.
    later = datetime.now(UTC) + timedelta(days=server.settings.chat_retention_days + 1)
    assert conversations.purge_text(svc.store, later) > 0
    with svc.store.connect() as conn:
        row = store_chat.find_conversation(conn, "c-1")
        rows = store_chat.context_messages(conn, row.id, list(range(17)))
    assert all(r.text is None for r in rows[:-3]) and len(rows) == 17
    svc.close()


def test_roles_and_bad_input(server: Any, assert_error: Any) -> None:
    with server.client("scanner") as s:
        assert_error(s.get("/v1/conversations/nope"), 404, "not_found")
        assert_error(
            s.post("/v1/conversations/c-3/messages", json={"text": "x"}), 422, "invalid_input"
        )
        assert_error(
            s.post("/v1/conversations/c-3/messages", json={"author": "a", "text": "a\x00b"}),
            422,
            "invalid_text",
        )
    with server.client() as anonymous:
        assert_error(anonymous.get("/v1/conversations/c-1"), 401, "unauthenticated")
