"""The one Settings object, read from the environment at the entry point only.

Every field is documented here and in ``docs/configuration.md``; a test checks that
the two agree.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Brightline's configuration. Environment variables are prefixed ``BRIGHTLINE_``."""

    model_config = SettingsConfigDict(env_prefix="BRIGHTLINE_", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path.home() / ".brightline",
        description="Folder holding the SQLite database and the index files.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database (e.g. postgresql://host/db); "
        "default: a SQLite file in the home folder.",
    )
    workers: int = Field(
        default=0,
        description="Processes used to hash folders; 0 means one per CPU core.",
    )
    max_image_pixels: int = Field(
        default=200_000_000,
        description="Images with more pixels than this are refused as decompression bombs.",
    )

    @property
    def db_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{self.home / 'brightline.db'}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"


def normalize_database_url(url: str) -> str:
    """Let people write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
