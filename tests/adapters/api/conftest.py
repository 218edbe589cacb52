"""A real server on loopback per test module, on each backend.

``server`` runs uvicorn in a thread (random free port) with the app from
``create_app``; a module changes settings by overriding ``server_overrides``.
Keys for every role are made up front: ``server.client("scanner")``. Helpers are
fixtures (``eventually``, ``assert_error``, ``make_settings``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI

from brightline.adapters.api import create_app
from brightline.adapters.api.testing import serve_in_thread
from brightline.services.context import open_services
from brightline.services.people import auth
from brightline.services.store.testing import temporary_database
from brightline.settings import Settings

PG_URL = os.environ.get("BRIGHTLINE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
ROLES = ("scanner", "curator", "admin")
T = TypeVar("T")


@pytest.fixture(scope="module", params=BACKENDS)
def api_database_url(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[str]:
    """A fresh database for one test module (a SQLite file, or a PostgreSQL schema)."""
    pg = PG_URL if request.param == "postgresql" else None
    with temporary_database(tmp_path_factory.mktemp("db"), pg) as url:
        yield url


@pytest.fixture(scope="module")
def ncmec() -> Iterator[Any]:
    """A local CyberTipline server (``tests/fake_ncmec.py``) for the module's tests."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[2]))
    from fake_ncmec import FakeNcmec

    server = FakeNcmec().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    """Settings a test module wants changed (override in the module)."""
    return {}


@dataclass
class Server:
    url: str
    settings: Settings
    app: FastAPI
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, role: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)


def _make_settings(home: Path, database_url: str, **overrides: Any) -> Settings:
    # The tests' webhook receivers listen on loopback, which servers refuse by default.
    values: dict[str, Any] = {
        "refresh_interval_s": 0.2,
        "webhook_backoff_s": 0.2,
        "webhook_allow_private": True,
    }
    values.update(overrides)
    return Settings(home=home, database_url=database_url, **values)


def _eventually(check: Callable[[], T | None], timeout: float = 15.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


@pytest.fixture(scope="session")
def eventually() -> Callable[..., Any]:
    """Poll until a check returns something truthy (changes reach workers by polling)."""
    return _eventually


@pytest.fixture(scope="module")
def server(
    api_database_url: str, server_overrides: dict[str, Any], tmp_path_factory: Any
) -> Iterator[Server]:
    settings = _make_settings(tmp_path_factory.mktemp("home"), api_database_url, **server_overrides)
    svc = open_services(settings)
    tokens = {role: auth.create_key(svc.store, role, f"test {role}")[1] for role in ROLES}
    svc.close()
    app = create_app(settings)
    with serve_in_thread(app) as url:
        srv = Server(url, settings, app, tokens)
        with srv.client() as c:
            _eventually(lambda: c.get("/health/ready").status_code == 200)
        yield srv


def _assert_error(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The one error shape: ``{"error": {"code", "message", "request_id"}}``."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "request_id"}
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == resp.headers["x-request-id"]
    return error


@pytest.fixture(scope="session")
def assert_error() -> Callable[..., dict[str, Any]]:
    """Check a response is an error in the one JSON shape; returns the error object."""
    return _assert_error


@pytest.fixture(scope="session")
def make_settings() -> Callable[..., Settings]:
    return _make_settings
