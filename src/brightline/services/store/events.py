"""The events database: where matches, content items and jobs are recorded.

SQLite has one writer per database file. A bulk import holds the main file's write
lock for its whole transaction (an import is all or nothing), so a match recorded
in the same file waited up to the busy timeout. On SQLite the events tables
(``content.EVENT_TABLES``: jobs, items, item signals, item matches, the match log,
the webhook outbox)
therefore live in a second file beside the main one, ``<name>-events.db``, with its
own write lock: recording a match never waits behind an import. Nothing joins
across the two files. On PostgreSQL (row locks, no file lock) the same tables are
in the main database and the events engine is the main engine.

The events file's schema is created from the table definitions and versioned with
``PRAGMA user_version`` (``EVENTS_VERSION``); a later change adds a step in
``create_events_schema``. When the file is first made, match-log and webhook-outbox
rows that an older version wrote to the main file are copied over (pending
deliveries still go out; the logs read the same).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, Table, insert, inspect, select
from sqlalchemy.engine import make_url

from brightline.services.store.content import EVENT_TABLES, LEGACY_TABLES

#: Schema version of a SQLite events file (``PRAGMA user_version``): 2 added the
#: statistics tables (``store/stats.py``); 3 the match log's state and
#: retroactive flag (issue 16).
EVENTS_VERSION = 3
_COPY_CHUNK = 10_000


def events_url(url: str) -> str | None:
    """The events database's URL for a main database URL; None when the events
    tables live in the main database (PostgreSQL, in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    events = path.with_name(f"{path.stem}-events{path.suffix or '.db'}")
    return str(parsed.set(database=str(events)))


def events_schema_current(events: Engine) -> bool:
    with events.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one()) >= EVENTS_VERSION


def create_events_schema(events: Engine, main: Engine) -> None:
    """Create (or bring up to date) a separate events database. The caller holds the
    migration lock, so two processes never create it at once."""
    if events is main or events_schema_current(events):
        return
    with events.begin() as conn:
        version = int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
        if version >= 1:  # the match log's state and retroactive flag (issue 16)
            present = {c["name"] for c in inspect(conn).get_columns("match_log")}
            if "state" not in present:
                conn.exec_driver_sql("ALTER TABLE match_log ADD COLUMN state VARCHAR(16)")
            if "retroactive" not in present:
                conn.exec_driver_sql("ALTER TABLE match_log ADD COLUMN retroactive BOOLEAN")
        for table in EVENT_TABLES:  # a new file gets all; an older one what it lacks
            table.create(conn, checkfirst=True)
        if version < 1:  # a new file: bring over what an older version kept in main
            for table in LEGACY_TABLES:
                _copy_legacy(main, conn, table)
        conn.exec_driver_sql(f"PRAGMA user_version={EVENTS_VERSION}")


def _copy_legacy(main: Engine, events_conn: Connection, table: Table) -> None:
    """Rows an older version wrote to ``table`` in the main file (ids kept)."""
    with main.connect() as conn:
        if not inspect(conn).has_table(table.name):
            return
        present = {c["name"] for c in inspect(conn).get_columns(table.name)}
        cols = [c for c in table.c if c.name in present]
        key = table.c.id
        after = 0
        while True:
            query = select(*cols).where(key > after).order_by(key).limit(_COPY_CHUNK)
            rows = [dict(r._mapping) for r in conn.execute(query)]
            if not rows:
                return
            events_conn.execute(insert(table), rows)
            after = int(rows[-1]["id"])
