"""Tables of the report outbox and the evidence vault (migration 0009).

``reports``: one row per report (destination, reported user, state, NCMEC's report
id, the outbox's attempts, backoff and lease, the legal hold). ``report_items``: the
confirmed items a report gathers. ``report_steps``: one row per step of one
*generation* of a report (submit, each upload, each fileinfo, finish); a generation
is abandoned, and a new one started, only when NCMEC's side can no longer be trusted
to hold each file once. ``vault_objects``: every encrypted file the vault keeps
(reported files, the report XML, each archived request and answer), kept as a row
after purge so the destruction stays on record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.engine import Connection, Row

from brightline.services.store.tables import Id, UtcDateTime, metadata

reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("destination", String(16), nullable=False),
    Column("user_key", String(600), nullable=False),
    Column("state", String(16), nullable=False),
    Column("remote_id", String(64)),
    Column("generation", Integer, nullable=False, default=1),
    Column("escalate", Text),
    Column("note", Text),
    Column("report_object", Integer),  # vault object holding the document sent
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("sent_by", String(300)),
    Column("sent_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    Column("retract_requested", Boolean, nullable=False, default=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime()),
    Column("lease_owner", String(200)),
    Column("lease_until", UtcDateTime()),
    Column("last_error", Text),
    Column("hold_until", UtcDateTime()),
    Column("hold_reason", Text),
    Index("ix_reports_due", "state", "next_attempt_at"),
    # At most one draft per reported user and destination: confirmed items join it.
    Index(
        "uq_reports_draft",
        "destination",
        "user_key",
        unique=True,
        sqlite_where=text("state = 'draft'"),
        postgresql_where=text("state = 'draft'"),
    ),
    sqlite_autoincrement=True,
)

report_items = Table(
    "report_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("report_id", Id, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Id, nullable=False),
    Column("queue", String(200), nullable=False),
    Column("list_name", String(200)),
    Column("scheme", String(20), nullable=False),
    Column("category", String(64), nullable=False),
    Column("md5", String(32), nullable=False),
    Column("sha1", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Id, nullable=False),
    Column("media_type", String(200)),
    Column("filename", String(1000)),
    Column("metadata", Text, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("confirmed_at", UtcDateTime(), nullable=False),
    Column("vault_object", Integer),
    UniqueConstraint("report_id", "item_id", name="uq_report_items"),
    sqlite_autoincrement=True,
)

report_steps = Table(
    "report_steps",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("report_id", Id, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # submit, upload, fileinfo, finish, package
    Column("item_id", Id, nullable=False),  # 0 for report-wide steps
    Column("state", String(16), nullable=False),  # pending, in_flight, done, abandoned
    Column("attempts", Integer, nullable=False, default=0),
    Column("remote_id", String(200)),  # the fileId of an upload
    Column("response_code", Integer),
    Column("response_text", Text),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("report_id", "generation", "kind", "item_id", name="uq_report_steps"),
    sqlite_autoincrement=True,
)

vault_objects = Table(
    "vault_objects",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("report_id", Id, ForeignKey("reports.id", ondelete="SET NULL")),
    Column("kind", String(16), nullable=False),  # file, report, exchange, package
    Column("name", String(1000), nullable=False),
    Column("blob", String(64), nullable=False, unique=True),  # file name under vault/
    Column("sha256", String(64), nullable=False),
    Column("md5", String(32), nullable=False),
    Column("size", Id, nullable=False),
    Column("wrapped_key", LargeBinary),  # None once purged (the data is unrecoverable)
    Column("key_id", String(16)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("purged_at", UtcDateTime()),
    Column("purged_by", String(300)),
    Index("ix_vault_objects_report", "report_id", "id"),
    sqlite_autoincrement=True,
)


def vault_rows(conn: Connection, object_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """Vault object rows by id."""
    query = select(vault_objects).where(vault_objects.c.id.in_(list(object_ids)))
    return {int(r.id): r for r in conn.execute(query)}
