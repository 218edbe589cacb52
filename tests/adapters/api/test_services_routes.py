"""What the service layer brings to the API: the audit chain (``/v1/audit``), codes
from one place, refusals that say what is wrong (names, fields that cannot change,
bodies that are not JSON, NUL characters, long values), revocation at once and
settings that hide every secret."""

from __future__ import annotations

import base64
from typing import Any

import pytest

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SECRET = base64.b64encode(b"k" * 32).decode()
OLD_SECRET = base64.b64encode(b"o" * 32).decode()


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"master_key": SECRET, "old_master_keys": [OLD_SECRET]}


def test_changes_are_audited_with_the_key_that_made_them(server: Any, assert_error: Any) -> None:
    with server.client("curator") as c:
        assert c.post("/v1/lists", json={"name": "audited", "scheme": "uk"}).status_code == 201
        c.patch("/v1/lists/audited", json={"pdq_threshold": 12})
        c.post("/v1/lists/audited/entries", json={"signal_type": "md5", "value": MD5})
        c.post("/v1/lists/audited/import", content=f"md5 {'a' * 32}\n".encode())
        prefix = server.tokens["curator"].split("_")[1]
        forbidden = c.get("/v1/audit")
    assert "needs an admin key" in assert_error(forbidden, 403, "forbidden")["message"]
    with server.client("admin") as c:
        rows = c.get("/v1/audit", params={"target": "list:audited"}).json()
        assert [r["action"] for r in rows] == [
            "entries.import",
            "entries.add",
            "list.update",
            "list.create",
        ]
        assert {r["actor"] for r in rows} == {f"key:{prefix}"}
        assert rows[-1]["details"]["actor"]["role"] == "curator"
        assert rows[0]["details"]["sha256"] and rows[0]["details"]["imported"] == 1
        page = c.get("/v1/audit", params={"action": "list.", "limit": 1}).json()
        older = c.get("/v1/audit", params={"action": "list.", "before": page[0]["seq"]}).json()
        assert page[0]["seq"] > older[0]["seq"]
        assert c.get("/v1/audit/verify").json()["intact"] is True


def test_list_names_must_be_reachable(server: Any, assert_error: Any) -> None:
    with server.client("curator") as c:
        for name in ("a/b", "with space", "q?x"):
            error = assert_error(c.post("/v1/lists", json={"name": name}), 422, "invalid_name")
            assert "letters" in error["message"]
        assert_error(c.post("/compat/hma/c/banks", json={"name": "a/b"}), 422, "invalid_name")


def test_patch_names_a_field_it_cannot_change(server: Any, assert_error: Any) -> None:
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "fixed", "scheme": "uk"})
        error = assert_error(
            c.patch("/v1/lists/fixed", json={"scheme": "none"}), 422, "invalid_request"
        )
        assert "scheme" in error["message"]
        assert c.get("/v1/lists/fixed").json()["scheme"] == "uk"
        [entry] = [
            c.post("/v1/lists/fixed/entries", json={"signal_type": "md5", "value": MD5}).json()
        ]
        bad = c.patch(f"/v1/entries/{entry['id']}", json={"value": "b" * 32})
        assert "value" in assert_error(bad, 422, "invalid_request")["message"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"signal_type": "md5", "value": MD5}},
        {"content": f"md5 {MD5}", "headers": {"Content-Type": "text/plain"}},
    ],
)
def test_json_routes_refuse_other_bodies_with_415(
    server: Any, assert_error: Any, kwargs: dict[str, Any]
) -> None:
    with server.client("scanner") as c:
        error = assert_error(c.post("/v1/match/hash", **kwargs), 415, "unsupported_media_type")
    assert "application/json" in error["message"]


def test_nul_characters_are_refused_alike(server: Any, assert_error: Any) -> None:
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "nul"})
        for field in ("note", "source_id", "source"):
            body = {"signal_type": "md5", "value": MD5, field: "a\x00b"}
            made = c.post("/v1/lists/nul/entries", json=body)
            assert field.replace("_", " ") in assert_error(made, 422, "invalid_text")[
                "message"
            ].replace("_", " ")
        upload = f"md5 {MD5}\n".encode()
        bad_source = c.post("/v1/lists/nul/import", params={"source": "s\x00"}, content=upload)
        assert_error(bad_source, 422, "invalid_text")
        late = "value,note\n" + "".join(f"{i:032x},ok\n" for i in range(4000)) + f"{MD5},a\x00\n"
        error = assert_error(
            c.post("/v1/lists/nul/import", content=late.encode()), 422, "invalid_file"
        )
        assert "line 4002" in error["message"] and "NUL" in error["message"]
        assert c.get("/v1/lists/nul").json()["entries"] == 0


def test_long_values_are_cut_in_error_messages(server: Any, assert_error: Any) -> None:
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "long", "scheme": "uk"})
        body = f"value,category\n{MD5},{'C' * 900_000}\n".encode()
        error = assert_error(c.post("/v1/lists/long/import", content=body), 422, "invalid_file")
    assert len(error["message"]) < 1200


def test_a_revoked_key_is_refused_at_once(server: Any, assert_error: Any) -> None:
    with server.client("admin") as admin:
        made = admin.post("/v1/keys", json={"role": "scanner", "name": "brief"}).json()
        headers = {"Authorization": f"Bearer {made['token']}"}
        body = {"signal_type": "md5", "value": MD5}
        for _ in range(3):  # now it is in every cache
            assert admin.post("/v1/match/hash", json=body, headers=headers).status_code == 200
        assert admin.delete(f"/v1/keys/{made['key']['id']}").status_code == 200
        refused = admin.post("/v1/match/hash", json=body, headers=headers)
    assert "revoked" in assert_error(refused, 401, "unauthenticated")["message"]


def test_settings_hide_every_secret(server: Any) -> None:
    with server.client("admin") as c:
        shown = c.get("/v1/settings").json()
    text = str(shown)
    assert SECRET not in text and OLD_SECRET not in text
    assert shown["master_key"] == "**********" and shown["old_master_keys"] == ["**********"]
    assert shown["port"] == server.settings.port
