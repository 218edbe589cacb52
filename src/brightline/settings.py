"""The one Settings object, read from the environment at the entry point only.

Every field is documented here and in ``docs/configuration.md``; a test checks that
the two agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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

    # -- HTTP API (``brightline serve``) -------------------------------------
    host: str = Field(default="127.0.0.1", description="Address the API server listens on.")
    port: int = Field(default=8000, description="Port the API server listens on.")
    api_workers: int = Field(
        default=1, description="API server processes (``brightline serve --workers``)."
    )
    max_upload_bytes: int = Field(
        default=100 * 1024 * 1024,
        description="Largest request body the API accepts for a file or batch (413 above).",
    )
    max_import_bytes: int = Field(
        default=2 * 1024 * 1024 * 1024,
        description="Largest hash-list file the API accepts for a bulk import.",
    )
    upload_max_pixels: int = Field(
        default=50_000_000,
        description="Images uploaded to the API with more pixels than this are refused "
        "(decompression bombs; bounds a worker's memory per decode).",
    )
    hash_concurrency: int = Field(
        default=4,
        description="Uploads one API worker decodes at once; more wait their turn.",
    )
    refresh_interval_s: float = Field(
        default=1.0,
        description="How often each API worker picks up list changes made elsewhere.",
    )
    fetch_enabled: bool = Field(
        default=False, description="Let the API fetch media by URL (off by default)."
    )
    fetch_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the API may fetch from, comma-separated; "
        "``*.example.com`` allows subdomains. Private addresses are refused regardless.",
    )
    fetch_timeout_s: float = Field(
        default=10.0, description="Time allowed for fetching one URL, end to end."
    )
    webhook_timeout_s: float = Field(
        default=5.0, description="Time allowed for one webhook delivery attempt."
    )
    webhook_max_attempts: int = Field(
        default=6, description="Attempts per webhook delivery before it is marked failed."
    )
    webhook_backoff_s: float = Field(
        default=2.0,
        description="Delay before the first webhook retry; it doubles after each failure.",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Deliver webhooks to private, loopback and link-local addresses "
        "(off: a curator could otherwise probe the internal network through them).",
    )
    log_level: str = Field(default="info", description="Server log level (JSON lines).")

    # -- Encryption at rest (review media, evidence vault) ---------------------
    master_key: SecretStr | None = Field(
        default=None,
        description="Base64 of the 32-byte master key that wraps every per-item key; "
        "default: a key file ``master.key`` made in the home folder on first use.",
    )
    old_master_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Earlier master keys, comma-separated, still accepted for unwrapping "
        "while ``brightline vault rotate`` re-wraps data keys under the current one.",
    )

    # -- Foundations: content, signal types, services ------------------------
    # (section kept for the foundations work)

    # -- Police triage (``brightline case``) ----------------------------------
    # (section kept for the triage work)

    # -- Video and live streams ----------------------------------------------
    video_rate: float = Field(
        default=1.0,
        description="Video frames hashed per second of video (vPDQ); 0 hashes every frame.",
    )
    video_max_frames: int = Field(
        default=1_000_000,
        description="Videos with more frames than this (declared or read) are refused.",
    )
    video_max_seconds: float = Field(
        default=6 * 3600.0, description="Videos longer than this (seconds) are refused."
    )
    video_max_pixels: int = Field(
        default=7680 * 4320, description="Video frames larger than this (pixels) are refused."
    )
    video_query_share: float = Field(
        default=0.8,
        description="Default share (0-1) of a query video's frames that must match a listed "
        "video (catches a trimmed clip of it); per list with ``brightline list video``.",
    )
    video_listed_share: float = Field(
        default=0.8,
        description="Default share (0-1) of a listed video's frames that must be found in "
        "the query (catches it inside a longer video); per list with ``brightline list video``.",
    )
    watch_reconnect_max_s: float = Field(
        default=30.0,
        description="Longest wait between reconnections of ``brightline watch`` (it backs "
        "off from 1 s, doubling).",
    )
    watch_buffer_frames: int = Field(
        default=64,
        description="Decoded frames ``brightline watch`` holds before dropping the oldest "
        "(a slow matcher never makes memory grow).",
    )

    # -- Review workspace ----------------------------------------------------
    # (section kept for the review work)

    # -- Reporting and the evidence vault ------------------------------------
    # (section kept for the reporting work)

    @field_validator("old_master_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value

    @field_validator("fetch_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    @property
    def db_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{self.home / 'brightline.db'}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def master_key_file(self) -> Path:
        return self.home / "master.key"


def normalize_database_url(url: str) -> str:
    """Let people write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
