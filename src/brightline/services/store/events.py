"""The events database: where matches, content items and jobs are recorded.

SQLite has one writer per database file. A bulk import holds the main file's write
lock for its whole transaction (an import is all or nothing), so a match recorded
in the same file waited up to the busy timeout. On SQLite the events tables
(``content.EVENT_TABLES``: jobs, items, item signals, item matches, the match log)
therefore live in a second file beside the main one, ``<name>-events.db``, with its
own write lock: recording a match never waits behind an import. Nothing joins
across the two files. On PostgreSQL (row locks, no file lock) the same tables are
in the main database and the events engine is the main engine.

The events file's schema is created from the table definitions and versioned with
``PRAGMA user_version`` (``EVENTS_VERSION``); a later change adds a step in
``_upgrade``. When the file is first made, match-log rows that an older version
wrote to the main file are copied over, so the log reads the same.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, insert, inspect, select
from sqlalchemy.engine import make_url

from brightline.services.store.content import EVENT_TABLES
from brightline.services.store.tables import match_log

#: Schema version of a SQLite events file (``PRAGMA user_version``).
EVENTS_VERSION = 1
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
        for table in EVENT_TABLES:
            table.create(conn, checkfirst=True)
        _copy_legacy_match_log(main, conn)
        conn.exec_driver_sql(f"PRAGMA user_version={EVENTS_VERSION}")


def _copy_legacy_match_log(main: Engine, events_conn: Connection) -> None:
    """Rows an older version logged in the main file (ids kept)."""
    with main.connect() as conn:
        if not inspect(conn).has_table("match_log"):
            return
        present = {c["name"] for c in inspect(conn).get_columns("match_log")}
        cols = [c for c in match_log.c if c.name in present]
        after = 0
        while True:
            query = select(*cols).where(match_log.c.id > after).order_by(match_log.c.id)
            rows = [dict(r._mapping) for r in conn.execute(query.limit(_COPY_CHUNK))]
            if not rows:
                return
            events_conn.execute(insert(match_log), rows)
            after = int(rows[-1]["id"])
