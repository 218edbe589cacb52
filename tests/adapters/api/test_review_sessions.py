"""Sessions end after the idle timeout (a server with a three-second one)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from brightline.core.actor import local_operator
from brightline.services.context import open_services
from brightline.services.people import users

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"session_idle_s": 3.0}


def test_an_idle_session_expires(server: Any, assert_error: Any) -> None:
    svc = open_services(server.settings)
    users.create_user(svc.store, local_operator(), "idle", "analyst", PASSWORD)
    svc.close()
    with server.client() as c:
        token = c.post("/v1/auth/login", json={"username": "idle", "password": PASSWORD}).json()[
            "token"
        ]
        auth = {"Authorization": f"Bearer {token}"}
        assert c.get("/v1/auth/me", headers=auth).status_code == 200
        time.sleep(4)
        resp = c.get("/v1/auth/me", headers=auth)
        assert "expired" in assert_error(resp, 401, "unauthenticated")["message"]
