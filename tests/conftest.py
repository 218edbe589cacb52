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


# -- video (issue 9): benign slideshows and changed copies, made once per session ----


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``known`` (16 s slideshow of skimage photos, 160x120 at 10 fps) and changed
    copies of it, plus ``unrelated`` videos of generated shapes."""
    from brightline.core.video.synth import Clip, derive, write_video

    d = tmp_path_factory.mktemp("videos")
    known = write_video(d / "known.mp4", Clip(), seconds=16)
    return {
        "known": known,
        "unrelated": write_video(d / "unrelated.mp4", Clip(images=(), seed=3), seconds=16),
        "reencoded": derive(known, d / "reencoded.webm", codec="libvpx-vp9", bit_rate=150_000),
        "mpeg4": derive(known, d / "mpeg4.avi", codec="mpeg4", bit_rate=300_000),
        "resized": derive(known, d / "resized.mp4", size=(320, 240)),
        "cropped": derive(known, d / "cropped.mp4", crop=1),  # PDQ tolerates ~1% a side
        "trimmed": derive(known, d / "trimmed.mp4", start=4, end=12),
        "embedded": write_video(
            d / "embedded.mp4",
            [Clip(images=(), seed=4), Clip(), Clip(images=(), seed=5)],
            seconds=[10, 16, 8],
        ),
        "concatenated": write_video(
            d / "concatenated.mkv",
            [Clip(), Clip(images=("camera", "coins"), per_image=5)],
            seconds=[16, 10],
        ),
    }
