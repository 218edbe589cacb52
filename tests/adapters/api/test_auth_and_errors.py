"""Keys, roles and the one error shape, against a real server."""

from __future__ import annotations

import base64
import json
import logging
import re
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from brightline.adapters.api.logs import JsonFormatter
from brightline.adapters.api.routes.keys import shown_database_url

PDQ = "f" * 64


def test_health_needs_no_key(server: Any) -> None:
    with server.client() as c:
        assert c.get("/health/live").json() == {"status": "ok"}
        ready = c.get("/health/ready").json()
        assert ready["status"] == "ready" and ready["index_hashes"] >= 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/match/hash"),
        ("POST", "/v1/hash"),
        ("GET", "/v1/lists"),
        ("GET", "/v1/keys"),
        ("GET", "/compat/hma/c/banks"),
        ("GET", "/compat/hma/m/raw_lookup"),
    ],
)
def test_every_other_route_needs_a_key(
    server: Any, assert_error: Any, method: str, path: str
) -> None:
    with server.client() as c:
        resp = c.request(method, path)
    assert_error(resp, 401, "unauthenticated")
    assert resp.headers["www-authenticate"].startswith("Bearer")


def test_no_route_answers_without_a_key(server: Any, assert_error: Any) -> None:
    """Every route the app has, HMA's included, bar /health/*, the docs and sign-in."""
    with server.client() as c:
        spec = c.get("/openapi.json").json()
        routes = [
            (method.upper(), re.sub(r"{[^}]+}", "1", path))
            for path, operations in spec["paths"].items()
            if not path.startswith(("/health/", "/test-only/")) and path != "/v1/auth/login"
            for method in operations
        ]
        assert len(routes) > 30
        for method, path in routes:
            resp = c.request(method, path)
            assert resp.status_code == 401, (method, path, resp.text)
            assert_error(resp, 401, "unauthenticated")


def test_unknown_malformed_and_revoked_keys_are_refused(server: Any, assert_error: Any) -> None:
    with server.client() as c:
        bad = {"Authorization": "Bearer bl_00000000_" + "x" * 43}
        assert_error(c.get("/v1/lists", headers=bad), 401, "unauthenticated")
        junk = {"Authorization": "Bearer not-a-key"}
        assert_error(c.get("/v1/lists", headers=junk), 401, "unauthenticated")
        assert_error(
            c.get("/v1/lists", headers={"Authorization": "Token x"}), 401, "unauthenticated"
        )
    with server.client("admin") as admin:
        made = admin.post("/v1/keys", json={"role": "curator", "name": "short-lived"}).json()
        assert admin.delete(f"/v1/keys/{made['key']['id']}").json()["revoked_at"]
    with server.client() as c:
        resp = c.get("/v1/lists", headers={"Authorization": f"Bearer {made['token']}"})
    assert "revoked" in assert_error(resp, 401, "unauthenticated")["message"]


def test_basic_auth_password_is_the_key(server: Any) -> None:
    """How an HMA client passes the key unchanged: http://any:<key>@host/compat/hma."""
    creds = base64.b64encode(f"hma:{server.tokens['curator']}".encode()).decode()
    with server.client() as c:
        assert c.get("/compat/hma/c/banks", headers={"Authorization": f"Basic {creds}"}).is_success
        assert c.get("/compat/hma/c/banks", auth=("any", server.tokens["curator"])).is_success


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "allowed"),
    [
        ("scanner", "POST", "/v1/match/hash", {"signal_type": "pdq", "value": PDQ}, True),
        ("scanner", "GET", "/v1/lists", None, False),
        ("scanner", "POST", "/v1/lists", {"name": "nope"}, False),
        ("scanner", "GET", "/v1/keys", None, False),
        ("scanner", "POST", "/compat/hma/c/banks", {"name": "NOPE"}, False),
        ("curator", "POST", "/v1/match/hash", {"signal_type": "pdq", "value": PDQ}, True),
        ("curator", "GET", "/v1/lists", None, True),
        ("curator", "GET", "/v1/match-log", None, True),
        ("curator", "GET", "/v1/keys", None, False),
        ("curator", "POST", "/v1/keys", {"role": "admin"}, False),
        ("curator", "GET", "/v1/settings", None, False),
        ("admin", "GET", "/v1/keys", None, True),
        ("admin", "GET", "/v1/settings", None, True),
        ("admin", "GET", "/v1/lists", None, True),
    ],
)
def test_roles(
    server: Any,
    assert_error: Any,
    role: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    allowed: bool,
) -> None:
    with server.client(role) as c:
        resp = c.request(method, path, json=body)
    if allowed:
        assert resp.is_success, resp.text
    else:
        assert role in assert_error(resp, 403, "forbidden")["message"]


def test_a_key_made_over_http_works_once_shown(server: Any) -> None:
    with server.client("admin") as admin:
        made = admin.post("/v1/keys", json={"role": "scanner", "name": "ci"})
        assert made.status_code == 201
        token = made.json()["token"]
        listed = admin.get("/v1/keys").json()
    assert all("token" not in k and "secret_hash" not in k for k in listed)
    assert made.json()["key"]["prefix"] in token
    with server.client() as c:
        ok = c.post(
            "/v1/match/hash",
            json={"signal_type": "pdq", "value": PDQ},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert ok.status_code == 200


def test_a_key_cannot_revoke_itself(server: Any, assert_error: Any) -> None:
    with server.client("admin") as admin:
        me = next(k for k in admin.get("/v1/keys").json() if k["name"] == "test admin")
        assert_error(admin.delete(f"/v1/keys/{me['id']}"), 400, "bad_request")


def test_settings_hide_the_database_password(server: Any) -> None:
    with server.client("admin") as admin:
        settings = admin.get("/v1/settings").json()
    assert settings["max_upload_bytes"] == server.settings.max_upload_bytes
    assert "password" not in json.dumps(settings)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bl:hunter2@db/brightline",
        "postgresql://bl@db/brightline?sslmode=require&password=hunter2",
        "postgresql://bl@db/brightline?PASSWORD=hunter2",
    ],
)
def test_the_shown_database_url_has_no_password(url: str) -> None:
    shown = shown_database_url(url)
    assert "hunter2" not in shown and shown.startswith("postgresql://bl")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", "/v1/lists/nope", {}, 404, "not_found"),
        ("GET", "/no/such/route", {}, 404, "not_found"),
        ("PUT", "/v1/lists", {}, 405, "method_not_allowed"),
        ("POST", "/v1/lists", {"json": {"name": ""}}, 422, "invalid_request"),
        ("POST", "/v1/lists", {"content": b"{not json"}, 422, "invalid_request"),
        ("POST", "/v1/lists", {"json": {"name": "x", "scheme": "nope"}}, 400, "bad_request"),
        ("GET", "/v1/entries/0", {}, 422, "invalid_request"),
        ("GET", "/v1/entries/999999", {}, 404, "not_found"),
    ],
)
def test_every_error_has_one_shape(
    server: Any,
    assert_error: Any,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    code: str,
) -> None:
    with server.client("admin") as c:
        assert_error(c.request(method, path, **kwargs), status, code)


def test_conflict(server: Any, assert_error: Any) -> None:
    with server.client("curator") as c:
        assert c.post("/v1/lists", json={"name": "twice"}).status_code == 201
        assert_error(c.post("/v1/lists", json={"name": "twice"}), 409, "conflict")


def test_the_callers_request_id_is_kept(server: Any) -> None:
    with server.client("scanner") as c:
        resp = c.post(
            "/v1/match/hash",
            json={"signal_type": "pdq", "value": "zz"},
            headers={"X-Request-ID": "upload-42"},
        )
    assert resp.headers["x-request-id"] == "upload-42"
    assert resp.json()["error"]["request_id"] == "upload-42"


def test_logs_are_json_with_request_ids_and_never_secrets(
    server: Any, caplog: pytest.LogCaptureFixture, eventually: Any
) -> None:
    token = server.tokens["scanner"]
    with caplog.at_level(logging.INFO, logger="brightline"), server.client("scanner") as c:
        c.post("/v1/match/hash", json={"signal_type": "pdq", "value": PDQ})
        c.get("/v1/lists", headers={"Authorization": f"Bearer {token}x"})
        c.get("/compat/hma/c/banks", auth=("u", token))
        # The access line is written after the answer is sent.
        eventually(lambda: len(caplog.records) >= 3)
    lines = [JsonFormatter().format(r) for r in caplog.records]
    access = [json.loads(line) for line in lines if '"request"' in line]
    assert {(a["path"], a["status"]) for a in access} >= {
        ("/v1/match/hash", 200),
        ("/v1/lists", 401),
        ("/compat/hma/c/banks", 403),
    }
    assert all(a["request_id"] for a in access)
    assert not any(token in line or token[12:] in line for line in lines)


def test_unexpected_errors_are_500s_in_the_same_shape(server: Any, assert_error: Any) -> None:
    def boom() -> None:
        raise RuntimeError("secret detail")

    server.app.add_api_route("/test-only/boom", boom)
    with server.client() as c:
        error = assert_error(c.get("/test-only/boom"), 500, "internal")
    assert "secret" not in error["message"]


def test_sql_parameters_never_reach_the_logs(
    server: Any, assert_error: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A database failure mid-write (say, adding a webhook) logs the statement, not
    its parameters: those can hold a webhook secret."""
    secret = "whsec-" + "q" * 30

    def db_gone() -> None:
        params = {"url": "https://hooks.example/x", "secret": secret}
        raise OperationalError("INSERT INTO list_actions ...", params, Exception("db gone"))

    server.app.add_api_route("/test-only/db-gone", db_gone)
    with caplog.at_level(logging.ERROR), server.client() as c:
        assert_error(c.get("/test-only/db-gone"), 500, "internal")
    lines = [JsonFormatter().format(r) for r in caplog.records if r.exc_info]
    assert lines and any("db gone" in line for line in lines)
    assert not any(secret in line for line in lines)


def test_openapi_and_docs(server: Any) -> None:
    with httpx.Client(base_url=server.url) as c:
        spec = c.get("/openapi.json").json()
        assert c.get("/docs").status_code == 200
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert {"/v1/match", "/v1/match/hash", "/compat/hma/m/lookup"} <= set(spec["paths"])


def test_nul_characters_are_refused_alike_on_every_database(server: Any, assert_error: Any) -> None:
    """PostgreSQL refuses NUL characters in text, SQLite stores them: both refuse them
    up front with a 422 saying what was wrong (never a 500)."""
    with server.client("admin") as c:
        log = c.get("/v1/match-log", params={"list": "a\x00b"})
        made = c.post("/v1/lists", json={"name": "nul\x00name"})
        missing = c.get("/v1/lists/a%00b")
    assert "NUL" in assert_error(log, 422, "invalid_text")["message"]
    assert_error(made, 422, "invalid_name")
    assert_error(missing, 404, "not_found")
