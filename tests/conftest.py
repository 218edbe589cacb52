"""Shared fixtures. Storage tests run on SQLite always and on PostgreSQL when
``BRIGHTLINE_TEST_DATABASE_URL`` points at one (each test in its own schema)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from brightline.services.context import Services, open_services
from brightline.services.store.testing import temporary_database
from brightline.settings import Settings

PG_URL = os.environ.get("BRIGHTLINE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    with temporary_database(tmp_path, PG_URL if request.param == "postgresql" else None) as url:
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    services = open_services(settings)
    yield services
    services.close()
