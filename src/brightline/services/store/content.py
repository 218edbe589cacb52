"""Content items, their signals and their matches, and the job that found them.

A *job* is one scan (CLI), one upload request (API) or, later, one case; each item
it met is a row with its locator, size, media type and, when it could not be
checked, an error code and message. An item's signals and matches are rows of
their own, so "which scan found this" and "where else was this hash seen" are
queries. Names, not foreign keys, point at lists and entries: the record outlives
them (as the match log does).

These tables, the match log and the webhook outbox are the *events* tables: on SQLite they live in a
database file of their own beside the main one (``events.py``), so recording never
waits behind a bulk import holding the main file's write lock; on PostgreSQL they
are in the main database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from brightline.services.store.stats import STATS_TABLES
from brightline.services.store.tables import (
    Id,
    UtcDateTime,
    match_log,
    metadata,
    webhook_deliveries,
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # scan | upload | lookup | case | watch | retro
    Column("status", String(16), nullable=False),  # running | done | interrupted | failed
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("actor", String(300), nullable=False),
    Column("ref", Text),
    Column("request_id", String(64)),
    sqlite_autoincrement=True,
)

items = Table(
    "items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("job_id", Id, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("locator", Text, nullable=False),
    Column("size", BigInteger),
    Column("media_type", String(100)),
    Column("error_code", String(64)),
    Column("error_message", Text),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_items_job", "job_id", "id"),
    sqlite_autoincrement=True,
)

item_signals = Table(
    "item_signals",
    metadata,
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("signal_type", String(32), primary_key=True),
    Column("value", String(512), nullable=False),
    Column("quality", Integer),
    Index("ix_item_signals_value", "signal_type", "value"),
)

item_matches = Table(
    "item_matches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("list_name", String(200), nullable=False),
    Column("entry_id", BigInteger, nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("value", String(512), nullable=False),
    Column("distance", Integer, nullable=False),
    Column("category", String(64)),
    Column("extra", Text),  # JSON: scheme, source, source_id
    Index("ix_item_matches_item", "item_id"),
    sqlite_autoincrement=True,
)

#: Every table kept in the events database (on SQLite a file of its own): what a
#: match writes, down to the webhook outbox, so no part of it waits on the main file.
EVENT_TABLES = (
    jobs,
    items,
    item_signals,
    item_matches,
    match_log,
    webhook_deliveries,
    *STATS_TABLES,  # also in the main file: an event is written beside its change
)
#: Tables an older version kept in the main file, copied when the events file is made.
LEGACY_TABLES = (match_log, webhook_deliveries)


def clean_text(value: str | None, limit: int | None = None) -> str | None:
    """Text safe to store on both backends: NUL (refused by PostgreSQL) becomes
    U+FFFD, and ``limit`` cuts it."""
    if value is None:
        return None
    value = value.replace("\x00", "\ufffd")
    return value[:limit] if limit else value


def insert_job(
    conn: Connection,
    kind: str,
    actor: str,
    now: datetime,
    ref: str | None = None,
    request_id: str | None = None,
    *,
    done: bool = False,
) -> int:
    """A job row: ``running`` until ``finish_job``, or ``done`` at once (one request)."""
    result = conn.execute(
        insert(jobs).values(
            kind=kind,
            status="done" if done else "running",
            started_at=now,
            finished_at=now if done else None,
            actor=clean_text(actor, 300),
            ref=clean_text(ref),
            request_id=clean_text(request_id, 64),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_job(conn: Connection, job_id: int, status: str, now: datetime) -> None:
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(status=status, finished_at=now))


def insert_item(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(insert(items).values(**row))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_items(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Item rows; their ids, in order."""
    if not rows:
        return []
    query = insert(items).returning(items.c.id, sort_by_parameter_order=True)
    return [int(i) for i in conn.execute(query, rows).scalars()]


def insert_signals(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(item_signals), list(rows))


def insert_matches(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(item_matches), list(rows))


def get_job(conn: Connection, job_id: int) -> Row[Any] | None:
    return conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()


def job_items(conn: Connection, job_id: int) -> list[Row[Any]]:
    query = select(items).where(items.c.job_id == job_id).order_by(items.c.id)
    return list(conn.execute(query).all())


def signals_of(conn: Connection, item_ids: Iterable[int]) -> list[Row[Any]]:
    ids = sorted(set(item_ids))
    query = select(item_signals).where(item_signals.c.item_id.in_(ids))
    return list(conn.execute(query.order_by(item_signals.c.item_id)).all())


def matches_of(conn: Connection, item_ids: Iterable[int]) -> list[Row[Any]]:
    ids = sorted(set(item_ids))
    query = select(item_matches).where(item_matches.c.item_id.in_(ids))
    return list(conn.execute(query.order_by(item_matches.c.id)).all())


def items_with_signal(conn: Connection, signal_type: str, value: str) -> list[Row[Any]]:
    """Every item seen with this signal value, oldest first ("where else was it?")."""
    query = (
        select(items, jobs.c.kind.label("job_kind"), jobs.c.ref.label("job_ref"))
        .join(item_signals, item_signals.c.item_id == items.c.id)
        .join(jobs, jobs.c.id == items.c.job_id)
        .where(item_signals.c.signal_type == signal_type, item_signals.c.value == value)
        .order_by(items.c.id)
    )
    return list(conn.execute(query).all())


def extra_json(scheme: str, source: str | None, source_id: str | None) -> str:
    return json.dumps({"scheme": scheme, "source": source, "source_id": source_id})
