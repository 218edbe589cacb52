"""The event stream and its rollups (migration 0010; on SQLite also in the events file).

``stats_events``: one row per event (kind, time, actor, the dimensions, ids; never
content). ``stats_rollup``: counts per bucket (``q`` 15 minutes, ``d`` UTC day,
``m`` UTC month, ``start`` in epoch seconds) and per combination of the dimensions,
kept by upsert in the transaction that writes the event, so a question reads a few
thousand rollup rows rather than every event. ``stats_durations``: histograms
(log-spaced buckets) of detection → first decision and detection → report filed,
per bucket, list and category. Dimensions are stored as ``''`` when absent, so the
unique keys hold (SQL's NULLs never collide).

On SQLite these tables exist in both files: an event is written beside the change
it counts (a match in the events file, a decision in the main one), and a question
sums both. On PostgreSQL they are one set of tables.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection

from brightline.services.store.tables import Id, UtcDateTime, metadata

#: Dimensions an event carries besides its kind (columns of events and rollups).
DIMENSIONS = (
    "list_name",
    "signal_type",
    "category",
    "source",
    "content_type",
    "method",
    "destination",
    "outcome",
)
_WIDTH = {"list_name": 200, "category": 64}

stats_events = Table(
    "stats_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(300)),
    *(Column(d, String(_WIDTH.get(d, 32))) for d in DIMENSIONS),
    Column("ids", Text),  # JSON: {"job": 3, "items": [...], "report": 7}
    Column("count", Integer, nullable=False),
    # No index on ``at``: questions read the rollups, never this table, and every
    # index is one more page written per upload.
    sqlite_autoincrement=True,
)

stats_rollup = Table(
    "stats_rollup",
    metadata,
    Column("level", String(1), primary_key=True),
    Column("start", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(32), primary_key=True),
    *(Column(d, String(_WIDTH.get(d, 32)), primary_key=True) for d in DIMENSIONS),
    Column("count", BigInteger, nullable=False),
    sqlite_with_rowid=False,  # the key is the table: one B-tree to update, not two
)

stats_durations = Table(
    "stats_durations",
    metadata,
    Column("level", String(1), primary_key=True),
    Column("start", BigInteger, primary_key=True, autoincrement=False),
    Column("measure", String(16), primary_key=True),  # decision | report
    Column("list_name", String(200), primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("bucket", SmallInteger, primary_key=True, autoincrement=False),
    Column("count", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

STATS_TABLES = (stats_events, stats_rollup, stats_durations)
_ROLLUP_KEY = ("level", "start", "kind", *DIMENSIONS)
_DURATION_KEY = ("level", "start", "measure", "list_name", "category", "bucket")


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(stats_events), list(rows))


def add_counts(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Add each row's ``count`` to its rollup cell (made when new)."""
    _upsert(conn, stats_rollup, rows, _ROLLUP_KEY)


def add_durations(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    _upsert(conn, stats_durations, rows, _DURATION_KEY)


def _upsert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]
) -> None:
    if rows:
        conn.execute(_upsert_statement(table.name, tuple(key)), list(rows))


@functools.cache
def _upsert_statement(table_name: str, key: tuple[str, ...]) -> Any:
    """The same text on SQLite and PostgreSQL. Plain text, made once: SQLAlchemy's
    ``on_conflict_do_update`` construct cost more to build and compile per call than
    the write itself on the upload path."""
    table = metadata.tables[table_name]
    names = [c.name for c in table.c]
    return text(
        f"INSERT INTO {table_name} ({', '.join(names)}) "
        f"VALUES ({', '.join(':' + n for n in names)}) "
        f"ON CONFLICT ({', '.join(key)}) "
        f"DO UPDATE SET count = {table_name}.count + excluded.count"
    )


def _where(level: str, ranges: Iterable[tuple[int, int]]) -> str:
    # Levels and bucket starts are ours (one letter, integers): written inline, so the
    # statement is plain text that costs nothing to build.
    assert level in ("q", "d", "m")
    spans = " OR ".join(f"(start >= {int(lo)} AND start < {int(hi)})" for lo, hi in ranges)
    return f"level = '{level}' AND ({spans or 'FALSE'})"


def count_rows(
    conn: Connection,
    level: str,
    ranges: Sequence[tuple[int, int]],
    group: Sequence[str],
    kinds: Sequence[str] | None = None,
) -> list[Any]:
    """``(start, kind, <group…>, count)`` tuples summed over the other dimensions, for
    the buckets of ``level`` starting inside ``ranges``."""
    cols = ", ".join(["start", "kind", *_checked(group)])
    where = _where(level, ranges)
    params: dict[str, Any] = {}
    if kinds is not None:
        where += " AND kind IN :kinds"
        params["kinds"] = list(kinds)
    query = text(f"SELECT {cols}, SUM(count) FROM stats_rollup WHERE {where} GROUP BY {cols}")
    if kinds is not None:
        query = query.bindparams(bindparam("kinds", expanding=True))
    return [tuple(r) for r in conn.execute(query, params)]


def duration_rows(
    conn: Connection,
    level: str,
    ranges: Sequence[tuple[int, int]],
    group: Sequence[str],
) -> list[Any]:
    """``(start, measure, <group…>, bucket, count)`` tuples: the histograms."""
    cols = ", ".join(["start", "measure", *_checked(group), "bucket"])
    where = _where(level, ranges)
    query = text(f"SELECT {cols}, SUM(count) FROM stats_durations WHERE {where} GROUP BY {cols}")
    return [tuple(r) for r in conn.execute(query)]


def _checked(group: Sequence[str]) -> list[str]:
    for g in group:
        if g not in DIMENSIONS:
            raise ValueError(f"not a dimension: {g!r}")
    return list(group)


def report_item_detections(conn: Connection, report_id: int) -> list[Any]:
    """``(list_name, category, detected_at)`` of each item a report gathers: when its
    review item was made (the match or the user's report that raised it)."""
    from brightline.services.store.reports import report_items
    from brightline.services.store.review import items

    query = (
        select(report_items.c.list_name, report_items.c.category, items.c.created_at)
        .join(items, items.c.id == report_items.c.item_id)
        .where(report_items.c.report_id == report_id)
    )
    return list(conn.execute(query).all())


def all_time_counts(conn: Connection, kind: str, group: Sequence[str]) -> list[Any]:
    """``(<group…>, count)`` of one kind since the first event (monthly rollups)."""
    t = stats_rollup
    cols = [t.c[g] for g in group]
    query = (
        select(*cols, func.sum(t.c["count"]).label("count"))
        .where(t.c.level == "m", t.c.kind == kind)
        .group_by(*cols)
    )
    return list(conn.execute(query).all())


def review_queue_depth(conn: Connection) -> list[Any]:
    """``(queue, state, count)`` of review items not yet decided (quality checks too:
    they wait in the same queue)."""
    from brightline.services.store.review import items, queues

    query = (
        select(queues.c.name.label("queue"), items.c.state, func.count().label("count"))
        .join(queues, queues.c.id == items.c.queue_id)
        .where(items.c.state.in_(["open", "in_review", "escalated"]))
        .group_by(queues.c.name, items.c.state)
    )
    return list(conn.execute(query).all())


def reports_pending(conn: Connection) -> list[Any]:
    """``(destination, count)`` of reports in the outbox (sending)."""
    from brightline.services.store.reports import reports

    query = (
        select(reports.c.destination, func.count().label("count"))
        .where(reports.c.state == "sending")
        .group_by(reports.c.destination)
    )
    return list(conn.execute(query).all())


def webhooks_pending(conn: Connection) -> int:
    """Webhook deliveries waiting (an events-database table)."""
    from brightline.services.store.tables import webhook_deliveries

    query = select(func.count()).where(webhook_deliveries.c.status == "pending")
    return int(conn.execute(query).scalar_one())


def exchange_status(conn: Connection) -> list[Any]:
    """``(exchange, entries, last_good_fetch)`` per exchange. Nothing until the
    exchanges (issue 16) exist: their branch fills this in from its tables."""
    return []
