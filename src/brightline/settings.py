"""The one Settings object, read from the environment at the entry point only.

Every field is documented here and in ``docs/configuration.md``; a test checks that
the two agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

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
    max_json_bytes: int = Field(
        default=64 * 1024,
        description="Largest request body the API accepts on routes that take JSON or a "
        "form (413 above); file uploads and imports have their own limits.",
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
        default=0.25,
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
    audit_key: SecretStr | None = Field(
        default=None,
        description="Base64 of the 32-byte key that signs (HMAC) every audit record; "
        "default: a key file ``audit.key`` made in the home folder on first use.",
    )
    old_master_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Earlier master keys, comma-separated, still accepted for unwrapping "
        "while ``brightline vault rotate`` re-wraps data keys under the current one.",
    )

    # -- Foundations: content, signal types, services ------------------------
    # (section kept for the foundations work)
    # pipeline: content items
    record_items: Literal["all", "matched"] = Field(
        default="all",
        description="Content items that scans and uploads store with their signals: "
        "``all``, or only those that ``matched``. Every match is logged either way.",
    )

    # Hardening (issue 7 §5): bounded decoding memory, slow clients.
    max_decode_bytes: int = Field(
        default=256 * 1024 * 1024,
        description="Most memory one image may take to decode (estimated from its header: "
        "size, mode, bit depth, format); images needing more are refused, CLI and API.",
    )
    decode_memory_bytes: int = Field(
        default=256 * 1024 * 1024,
        description="Decoding memory one API worker shares among its concurrent decodes; "
        "an upload waits until its estimated cost fits.",
    )
    header_timeout_s: float = Field(
        default=10.0,
        description="Time a client has to send a request's headers (from connecting or "
        "from its previous response); slower connections are closed with 408.",
    )
    body_timeout_s: float = Field(
        default=10.0,
        description="Window over which a request body must arrive at min_body_rate; a "
        "slower (or stalled) upload is closed with 408.",
    )
    min_body_rate: int = Field(
        default=1024, description="Slowest request body the API waits for, in bytes a second."
    )
    max_pending_connections: int = Field(
        default=100,
        description="Connections one API worker lets send a request at once (headers or "
        "body still arriving); past it, the slowest is closed to make room.",
    )

    # -- Police triage (``brightline case``) ----------------------------------
    cases_dir: Path | None = Field(
        default=None,
        description="Folder holding one folder per case (exports, temporary spool); "
        "default: ``cases`` in the home folder.",
    )
    archive_max_depth: int = Field(
        default=5,
        description="Archives inside archives are opened this many levels deep; "
        "deeper ones are an error row.",
    )
    archive_max_ratio: int = Field(
        default=200,
        description="An archive member that expands more than this many times its "
        "compressed size is refused as an archive bomb.",
    )
    archive_max_total_bytes: int = Field(
        default=64 * 1024**3,
        description="Most bytes the archives of one exhibit may expand to, in all; "
        "members past it are error rows.",
    )
    pdq_cluster_distance: int = Field(
        default=31,
        description="Unknown images within this PDQ distance of each other are one "
        "near-duplicate cluster in a case.",
    )

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
    session_idle_s: float = Field(
        default=1800.0, description="A sign-in session ends after this many idle seconds."
    )
    session_lifetime_s: float = Field(
        default=12 * 3600.0, description="A sign-in session ends this long after sign-in."
    )
    login_max_failures: int = Field(
        default=5, description="Failed sign-ins in a row that lock an account."
    )
    login_lockout_s: float = Field(
        default=900.0, description="How long a locked account stays locked."
    )
    login_address_max_attempts: int = Field(
        default=20,
        description="Sign-in attempts one client address may make per window (per server "
        "process; successful ones are not counted); more get 429 before any hashing.",
    )
    login_address_window_s: float = Field(
        default=300.0, description="The window of ``login_address_max_attempts``, in seconds."
    )
    login_hash_threads: int = Field(
        default=2,
        description="Password hashes (argon2) one server process computes at once; more "
        "sign-ins wait their turn.",
    )
    login_hash_wait_s: float = Field(
        default=10.0,
        description="How long a sign-in waits for a hashing slot before it gets 429.",
    )
    review_claim_s: float = Field(
        default=900.0, description="A reviewer's claim on an item expires after this long."
    )
    review_agreement: int = Field(
        default=2, description="Analysts who must agree on an item (default for new queues)."
    )
    review_undo_s: float = Field(
        default=30.0, description="How long a reviewer may undo their last decision."
    )
    review_daily_limit: int = Field(
        default=300, description="Items one analyst may grade per day (UTC) before a stop."
    )
    review_break_every: int = Field(
        default=50, description="Items after which the review page prompts for a break."
    )
    review_false_positive_flag: int = Field(
        default=3,
        description="Rejected matches against one list entry after which it is flagged.",
    )

    # -- Statistics and metrics --------------------------------------------------
    stats_min_cell: int = Field(
        default=10,
        ge=1,
        description="Counts below this are suppressed in published statistics (exports, "
        "the stats page, and for roles without exact figures).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token that may read GET /metrics (an admin API key may too).",
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="Set by ``brightline serve`` for its workers: where each writes its "
        "request-latency histogram (prometheus_client multiprocess mode).",
    )

    # -- Reporting and the evidence vault ------------------------------------
    ncmec_url: str = Field(
        default="https://exttest.cybertip.org/ispws",
        description="Base URL of NCMEC's CyberTipline reporting API; default: NCMEC's test "
        "environment (production only when set explicitly).",
    )
    ncmec_username: str | None = Field(
        default=None, description="User name of the provider's CyberTipline account."
    )
    ncmec_password: SecretStr | None = Field(
        default=None, description="Password of the CyberTipline account (never logged or shown)."
    )
    ncmec_timeout_s: float = Field(
        default=60.0, description="Time allowed for one request to NCMEC (uploads included)."
    )
    ncmec_xsd: Path | None = Field(
        default=None,
        description="NCMEC's own XSD to validate reports against; default: the schema "
        "kept in the package, written from NCMEC's published documentation.",
    )
    reporter_first_name: str | None = Field(
        default=None, description="First name of the person reports name as the reporter."
    )
    reporter_last_name: str | None = Field(
        default=None, description="Last name of the person reports name as the reporter."
    )
    reporter_email: str | None = Field(
        default=None, description="E-mail address of the person reports name as the reporter."
    )
    provider_name: str | None = Field(
        default=None, description="The provider's name and contact line written into reports."
    )
    report_category_map: str = Field(
        default="",
        description="Explicit mapping of other schemes' categories to the industry scheme "
        "for reports, e.g. ``uk:A=A1,uk:B=B1``; unmapped categories are left out.",
    )
    report_backoff_s: float = Field(
        default=30.0, description="Delay before a report's first retry; it doubles after each."
    )
    report_max_attempts: int = Field(
        default=10, description="Failed attempts after which a report is marked failed."
    )
    reports_worker: bool = Field(
        default=True, description="Run the report outbox worker inside ``brightline serve``."
    )
    nca_drop_dir: Path | None = Field(
        default=None,
        description="Folder the NCA report packages are dropped into (the default "
        "transport); default: ``nca-outbox`` in the home folder.",
    )
    vault_hold_days: int = Field(
        default=365,
        description="Days the evidence of a report is held after the report date (REPORT Act).",
    )
    vault_hold_days_by_jurisdiction: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict,
        description="Hold days per jurisdiction, e.g. ``us=365,uk=730`` (NCMEC reports are "
        "``us``, NCA reports ``uk``); others use ``vault_hold_days``.",
    )

    # -- Text: links, keywords and conversations -----------------------------
    text_max_chars: int = Field(
        default=1_000_000,
        description="Longest text ``/v1/match/text`` and a conversation message take.",
    )
    chat_warn_threshold: float = Field(
        default=0.5,
        description="A message leaving its conversation's risk at or above this counts "
        "toward a warning.",
    )
    chat_warn_k: int = Field(
        default=2,
        description="Messages of the last ``chat_warn_n`` at or above the threshold for a warning.",
    )
    chat_warn_n: int = Field(
        default=5, description="Window of recent messages the warning rule looks at."
    )
    chat_warn_cooldown: int = Field(
        default=20,
        description="Messages after a warning before the same conversation can warn again.",
    )
    chat_context: int = Field(
        default=5,
        description="Messages before a warning kept with it (and shown in its review item).",
    )
    chat_retention_days: int = Field(
        default=30,
        description="Days the text of messages around a warning is kept; scores are kept.",
    )

    # -- hash exchanges (issue 16) ------------------------------------------------
    exchange_interval_s: int = Field(
        default=240,
        description="Seconds between two fetches of an exchange, unless it sets its own "
        "(``brightline exchange add --interval``).",
    )
    exchange_worker: bool = Field(
        default=True,
        description="Fetch exchanges on their interval and send their feedback from "
        "``brightline serve``.",
    )
    exchange_timeout_s: float = Field(
        default=60.0, description="Seconds an exchange's server has to answer one request."
    )
    exchange_attempts: int = Field(
        default=5,
        description="Tries of one exchange request answered 429, 5xx or not at all before "
        "the fetch stops (it resumes where it stopped next time).",
    )
    exchange_backoff_s: float = Field(
        default=1.0, description="Delay before an exchange request's first retry; it doubles."
    )
    exchange_feedback_reason: str | None = Field(
        default=None,
        description="NCMEC reason for a rejection's downvote: a guid from "
        "``/v2/feedback/{type}/reasons`` or part of its name; default the reason meaning "
        "'not CSAM', or the only one offered.",
    )
    exchange_feedback_attempts: int = Field(
        default=10, description="Failed sends after which a feedback row is marked failed."
    )
    exchange_file_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts a file exchange may fetch its file from, comma-separated "
        "(``*.example.org`` allows subdomains); local paths need none.",
    )
    retro_days: int = Field(
        default=30,
        description="Days of recorded signals (never content) that entries added later "
        "are matched against (retroactive matching); 0 turns it off.",
    )
    retro_max_items: int = Field(
        default=1_000_000,
        description="Most recent items a retroactive match looks through (bounds its cost).",
    )

    @field_validator("exchange_file_hosts", mode="before")
    @classmethod
    def _split_file_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    @field_validator("old_master_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value

    @field_validator("vault_hold_days_by_jurisdiction", mode="before")
    @classmethod
    def _split_holds(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = (p.partition("=") for p in value.split(",") if p.strip())
            return {k.strip().lower(): v.strip() for k, _, v in pairs}
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
    def cases_folder(self) -> Path:
        return self.cases_dir or self.home / "cases"

    @property
    def master_key_file(self) -> Path:
        return self.home / "master.key"

    @property
    def audit_key_file(self) -> Path:
        return self.home / "audit.key"

    @property
    def vault_dir(self) -> Path:
        return self.home / "vault"

    @property
    def nca_outbox(self) -> Path:
        return self.nca_drop_dir or self.home / "nca-outbox"


def normalize_database_url(url: str) -> str:
    """Let people write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
