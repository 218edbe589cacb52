"""Request and response bodies (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Most items one batch call may carry.
BATCH_MAX = 100

ListName = Field(min_length=1, max_length=200)
#: ``{signal type: threshold}``; each is checked against its type's range.
Thresholds = Annotated[
    dict[Annotated[str, Field(max_length=32)], Annotated[int, Field(ge=0, le=1_000_000)]],
    Field(max_length=32),
]


#: Longest hash value accepted: a vPDQ signal (a video's frames, pytx's JSON) of up
#: to 12,000 frames; every other type is far shorter and checked by its signal type.
VALUE_MAX = 1_048_576


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# -- hashing and matching -------------------------------------------------------


class VpdqFrameOut(_Out):
    frame: int
    quality: int
    pdq: str
    timestamp: float


class Signals(_Out):
    """Every signal of a file; signal types beyond these add their own fields
    (``<type>``, ``<type>_quality``, …)."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    md5: str
    sha1: str
    sha256: str
    size: int
    media_type: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    pdq_dihedral: list[str] | None = None
    vpdq: list[VpdqFrameOut] | None = Field(
        default=None, description="Videos and animations: the sampled frames' PDQ hashes."
    )
    video: dict[str, float | int] | None = None


class TimeRange(_Out):
    query: list[float] = Field(description="Start and end (s) in the query video.")
    listed: list[float] = Field(description="Start and end (s) in the listed video.")


class MatchOut(_Out):
    """A match; a signal type's index may add fields (vPDQ: ``query_share``, …)."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    list_name: str = Field(alias="list")
    entry_id: int
    signal_type: str
    value: str
    distance: int
    category: str | None
    scheme: str
    source: str | None
    source_id: str | None
    query_share: float | None = Field(
        default=None, description="Video matches: share of the query's frames matched."
    )
    listed_share: float | None = Field(
        default=None, description="Video matches: share of the listed video's frames matched."
    )
    matched_frames: int | None = None
    ranges: list[TimeRange] | None = Field(
        default=None, description="Video matches: matched time ranges on both sides."
    )
    frame: int | None = Field(default=None, description="Video frame that matched an image.")
    timestamp: float | None = None
    listed_frame: int | None = Field(
        default=None, description="Frame of a listed video that an image matched."
    )
    listed_timestamp: float | None = None


class SuppressedOut(_Out):
    """A match held back because the content also matched a negative list's entry."""

    list_name: str = Field(alias="list")
    entry_id: int
    by_list: str
    by_entry_id: int


SuppressedField: Any = Field(
    default_factory=list, description="Matches a negative list suppressed (no action ran)."
)


class HashOut(_Out):
    request_id: str | None
    name: str | None
    signals: Signals


class RowError(_Out):
    code: str = Field(examples=["not_an_image"], description="Stable machine code.")
    message: str = Field(description="What went wrong, for a person.")


class FileHashItem(_Out):
    name: str | None
    signals: Signals | None
    error: RowError | None


class FileHashBatchOut(_Out):
    request_id: str | None
    results: list[FileHashItem]


class FileMatchOut(_Out):
    request_id: str | None
    name: str | None
    matched: bool
    signals: Signals | None
    matches: list[MatchOut]
    suppressed: list[SuppressedOut] = SuppressedField
    error: RowError | None = Field(
        description="Set when the file could not be fully hashed but a digest matched."
    )


class FileMatchItem(_Out):
    name: str | None
    matched: bool
    signals: Signals | None
    matches: list[MatchOut]
    suppressed: list[SuppressedOut] = SuppressedField
    error: RowError | None


class FileMatchBatchOut(_Out):
    request_id: str | None
    results: list[FileMatchItem]


class HashQuery(BaseModel):
    signal_type: str = Field(max_length=32, examples=["pdq"])
    value: str = Field(max_length=VALUE_MAX)


class Scope(BaseModel):
    lists: list[str] | None = Field(
        default=None, max_length=100, description="Match only these lists (default: all)."
    )
    ref: str | None = Field(
        default=None, max_length=256, description="Your id for the content; kept in the match log."
    )


class HashMatchIn(HashQuery, Scope):
    pass


class HashMatchOut(_Out):
    request_id: str | None
    signal_type: str
    value: str
    matched: bool
    matches: list[MatchOut]
    suppressed: list[SuppressedOut] = SuppressedField


class HashBatchIn(Scope):
    hashes: list[HashQuery] = Field(min_length=1, max_length=BATCH_MAX)


class HashBatchItem(_Out):
    signal_type: str
    value: str
    matched: bool
    matches: list[MatchOut]
    suppressed: list[SuppressedOut] = SuppressedField
    error: RowError | None


class HashBatchOut(_Out):
    request_id: str | None
    results: list[HashBatchItem]


class UrlMatchIn(Scope):
    url: str = Field(max_length=2000)
    dihedral: bool = False


# -- curation -------------------------------------------------------------------


class Flood(BaseModel):
    """Quarantine an entry that matches more than ``max_matches`` times in ``window_s``."""

    max_matches: int = Field(ge=1, le=2**31 - 1)
    window_s: int = Field(ge=1, le=2**31 - 1)


class ListIn(BaseModel):
    name: str = ListName
    scheme: str = Field(default="none", max_length=20)
    pdq_threshold: int = Field(default=31, ge=0, le=256)
    description: str | None = Field(default=None, max_length=10_000)
    thresholds: Thresholds | None = Field(
        default=None, description="Thresholds by signal type (pdq here wins over pdq_threshold)."
    )
    negative_for: list[str] | None = Field(
        default=None,
        max_length=100,
        description="Lists whose matches this list suppresses (a negative list).",
    )
    flood: Flood | None = None


class ListPatch(BaseModel):
    """Only these can change; any other field (``scheme``, ``name``) is a 422."""

    model_config = ConfigDict(extra="forbid")

    pdq_threshold: int | None = Field(default=None, ge=0, le=256)
    description: str | None = Field(default=None, max_length=10_000)
    thresholds: Thresholds | None = Field(
        default=None, description='Thresholds by signal type to change, e.g. {"pdq": 20}.'
    )
    negative_for: list[str] | None = Field(
        default=None, max_length=100, description="Replace the lists this list suppresses."
    )
    flood: Flood | None = Field(default=None, description="Set the list's flood limit.")


class ListOut(_Out):
    id: int
    name: str
    scheme: str
    pdq_threshold: int
    thresholds: dict[str, int] = Field(default_factory=dict)
    entries: int
    created_at: datetime
    negative_for: list[str] = Field(default_factory=list)
    flood: Flood | None = None
    quarantined: int | None = Field(default=None, description="Entries quarantined now.")


class ListDeleted(_Out):
    deleted: str
    entries: int


class EntryIn(BaseModel):
    signal_type: str = Field(max_length=32, examples=["pdq"])
    value: str = Field(max_length=VALUE_MAX)
    category: str | None = Field(default=None, max_length=64)
    source: str | None = Field(default=None, max_length=200)
    source_id: str | None = Field(default=None, max_length=256)
    note: str | None = Field(default=None, max_length=10_000)


class EntryPatch(BaseModel):
    """Only these can change; any other field is a 422."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    withdrawn: bool | None = None
    quarantined: Literal[False] | None = Field(
        default=None, description="false releases a quarantined entry (its count restarts)."
    )
    opinion: Literal["confirmed", "deconfirmed"] | None = Field(
        default=None,
        description="This platform's opinion of an exchange entry (all its fingerprints); "
        "sent to the exchange as feedback.",
    )
    reason: str | None = Field(default=None, max_length=2000, description="Why (for opinions).")


class EntryOut(_Out):
    id: int
    list_name: str = Field(alias="list")
    signal_type: str
    value: str
    category: str | None
    source: str | None
    source_id: str | None
    note: str | None
    enabled: bool
    withdrawn: bool
    added_at: datetime
    updated_at: datetime
    quarantined: bool | None = None
    match_count: int | None = Field(default=None, description="Matches in its flood window.")
    exchange: dict[str, Any] | None = Field(
        default=None,
        description="Provenance and this platform's opinion, for an exchange's entry.",
    )


class EntryPage(_Out):
    entries: list[EntryOut]
    next_after_id: int | None = Field(description="Pass as after_id for the next page.")


class ImportOut(_Out):
    list_name: str = Field(alias="list")
    read: int
    imported: int
    added: int
    updated: int
    skipped: int
    skipped_reasons: dict[str, int]
    ignored: int
    ignored_reasons: dict[str, int]
    examples: list[str]
    sha256: str = Field(description="SHA-256 of the file as imported (the audit record's).")


class ActionIn(BaseModel):
    kind: Literal["log", "webhook", "review"]
    queue: str | None = Field(
        default=None, max_length=100, description="Review actions: the review queue."
    )
    report_to: str | list[str] | None = Field(
        default=None,
        description='Review actions: where confirmed items are reported ("ncmec", "nca").',
    )
    url: str | None = Field(default=None, max_length=2000, description="Webhooks only.")
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        description="Webhook signing secret; one is made for you when omitted.",
    )


class ActionOut(_Out):
    id: int
    list_name: str = Field(alias="list")
    kind: str
    url: str | None
    created_at: datetime
    queue: str | None = None
    report_to: list[str] | None = None


class ActionCreated(_Out):
    action: ActionOut
    secret: str | None = Field(description="The webhook signing secret; shown only now.")


class MatchLogRow(_Out):
    id: int
    at: datetime
    list_name: str = Field(alias="list")
    entry_id: int
    signal_type: str
    value: str
    distance: int
    category: str | None
    source: str | None
    key_prefix: str | None
    request_id: str | None
    ref: str | None
    actor: str | None = Field(
        default=None, description="Who asked: ``key:<prefix>``, ``operator:<user>``."
    )
    job_id: int | None = Field(
        default=None, description="The scan or upload request that found it."
    )
    item_id: int | None = Field(default=None, description="The content item that matched.")
    state: str | None = Field(
        default=None,
        description="``suppressed`` (by a negative list) or ``quarantined`` (flood): no "
        "action ran; null for a match that ran its actions.",
    )
    retroactive: bool = Field(
        default=False, description="Found when the entry arrived, in content seen earlier."
    )


class DeliveryRow(_Out):
    id: int
    action_id: int
    list_name: str = Field(alias="list")
    url: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime | None
    delivered_at: datetime | None


# -- keys and settings ------------------------------------------------------------


class KeyIn(BaseModel):
    role: Literal["scanner", "curator", "admin"]
    name: str = Field(default="", max_length=200)


class KeyOut(_Out):
    id: int
    prefix: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(_Out):
    key: KeyOut
    token: str = Field(description="The API key itself; shown only now, stored only hashed.")


class Health(_Out):
    status: str
    index_hashes: int | None = None


# -- audit ----------------------------------------------------------------------------


class AuditRecordOut(_Out):
    seq: int
    at: str
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    prev: str
    digest: str


class AuditBreak(_Out):
    seq: int
    reason: str


class AuditVerifyOut(_Out):
    intact: bool
    records: int
    broken: AuditBreak | None
