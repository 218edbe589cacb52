"""Fixtures for reporting: the local NCMEC server, settings, the review stand-in."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2]))

from brightline.services.reports import Reporting
from brightline.services.store import Store
from brightline.settings import Settings
from fake_ncmec import FakeNcmec
from reports_helpers import ReviewDouble, reporting_settings


@pytest.fixture
def ncmec() -> Iterator[FakeNcmec]:
    server = FakeNcmec().start()
    yield server
    server.stop()


@pytest.fixture
def rsettings(database_url: str, tmp_path: Path, ncmec: FakeNcmec) -> Settings:
    return reporting_settings(database_url, tmp_path / "home", ncmec.url)


@pytest.fixture
def reporting(rsettings: Settings) -> Iterator[Reporting]:
    store = Store(rsettings.db_url)
    store.migrate()
    rep = Reporting.from_settings(store, rsettings)
    yield rep
    store.dispose()


@pytest.fixture
def desk(reporting: Reporting) -> ReviewDouble:
    double = ReviewDouble(reporting.store)
    reporting.media = double.open_media
    return double
