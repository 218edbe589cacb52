"""The schema. Changes go through an Alembic migration in ``migrations/versions``.

Every change to an entry bumps its ``rev`` to a value taken from the ``counters``
row, in the same transaction. Indexes catch up by reading entries and tombstones
with ``rev`` above the last one they saw, so nothing is ever rebuilt in full.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Times are stored in UTC and always come back timezone-aware (SQLite alone
    would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

hash_lists = Table(
    "hash_lists",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("scheme", String(20), nullable=False),
    Column("pdq_threshold", Integer, nullable=False),
    Column("description", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    sqlite_autoincrement=True,
)

entries = Table(
    "entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("list_id", Id, ForeignKey("hash_lists.id", ondelete="CASCADE"), nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("value", String(512), nullable=False),
    Column("category", String(64)),
    Column("source", String(200)),
    Column("source_id", String(256)),
    Column("note", Text),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("withdrawn", Boolean, nullable=False, default=False),
    Column("added_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("rev", BigInteger, nullable=False),
    UniqueConstraint("signal_type", "value", "list_id", name="uq_entries_signal_value_list"),
    Index("ix_entries_signal_rev", "signal_type", "rev"),
    Index("ix_entries_list", "list_id", "id"),  # paging a list; deleting it
    # Ids are never reused (SQLite would reuse the highest after a delete): indexes,
    # match logs and API clients hold on to them.
    sqlite_autoincrement=True,
)

# Entries that left the store (deleted, or their list deleted), for index catch-up.
tombstones = Table(
    "tombstones",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entry_id", BigInteger, nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("rev", BigInteger, nullable=False),
    Index("ix_tombstones_signal_rev", "signal_type", "rev"),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# -- HTTP API (migration 0002) ------------------------------------------------

# API keys: the token is shown once; only its SHA-256 is kept, found by its prefix.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

# What a match on a list triggers: a record in the match log, a signed webhook.
list_actions = Table(
    "list_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("list_id", Id, ForeignKey("hash_lists.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("url", String(2000)),
    Column("secret", String(200)),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_list_actions_list", "list_id"),
)

# Every match found (before 0005: those of lists with a "log" action). Names, not
# foreign keys: the record outlives the list or entry it names. On SQLite it lives in
# the events database (content.py), so logging never waits behind an import.
match_log = Table(
    "match_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("list_name", String(200), nullable=False),
    Column("entry_id", BigInteger, nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("value", String(512), nullable=False),
    Column("distance", Integer, nullable=False),
    Column("category", String(64)),
    Column("source", String(200)),
    Column("key_prefix", String(16)),
    Column("request_id", String(64)),
    Column("ref", String(256)),
    # Since 0005: every match is logged, with who and what found it (content.py).
    Column("actor", String(300)),
    Column("job_id", BigInteger),
    Column("item_id", BigInteger),
    # Since 0010: "suppressed" (by a negative list) or "quarantined" (flood); None for
    # a match that ran its actions. ``retroactive``: found when its entry arrived.
    Column("state", String(16)),
    Column("retroactive", Boolean),
    Index("ix_match_log_list_id", "list_name", "id"),  # paged by id
)

# The webhook outbox and delivery log: one row per (action, request), retried with
# backoff by whichever worker claims it first. In the events database (content.py).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("action_id", BigInteger, nullable=False),
    Column("list_name", String(200), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime()),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime()),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

# -- Audit chain (migration 0003) ---------------------------------------------

# Append-only; each row carries the SHA-256 of the one before it (core/audit_chain.py).
# ``at`` and ``details`` are kept as the exact text that was digested.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(300), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
    Index("ix_audit_log_action", "action", "seq"),
    Index("ix_audit_log_actor", "actor", "seq"),
)

# One row (id 1): the newest record's seq and digest. Taking its row lock orders
# concurrent writers, and it catches records removed from the end of the chain.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
)
