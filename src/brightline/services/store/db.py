"""Engine set-up, migrations and the revision counter."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text, update
from sqlalchemy.engine import make_url

from brightline.services.private_files import private_folder, touch_private
from brightline.services.store.events import (
    create_events_schema,
    events_schema_current,
    events_url,
)
from brightline.services.store.tables import counters

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest migration; a test checks it against Alembic's own idea of the head.
HEAD_REVISION = "0013_pipeline"
#: Advisory lock id that serialises migrations on PostgreSQL ("brightln" in ASCII).
_LOCK_KEY = 0x6272696768746C6E
#: SQLite page cache (negative: KiB): SQLite's own 2 MB normally (per pooled connection,
#: so server workers stay small), 256 MiB during bulk imports.
_CACHE_KIB = -2000
_BULK_CACHE_KIB = -262144


class Store:
    """A database holding hash lists. Create with a SQLAlchemy URL, then ``migrate()``."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        self.engine: Engine = _make_engine(url, echo)
        # Jobs, items, their matches and the match log (events.py): a file of their
        # own on SQLite, so recording never waits behind an import; else the main DB.
        ev_url = events_url(url)
        self.events_engine: Engine = _make_engine(ev_url, echo) if ev_url else self.engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest revision (idempotent, safe to race: several
        server workers may start at once on a new database)."""
        if self.schema_revision() != HEAD_REVISION:
            self._migrate_main()
        if self.events_engine is not self.engine and not events_schema_current(self.events_engine):
            with self._migration_lock():
                create_events_schema(self.events_engine, self.engine)

    def _migrate_main(self) -> None:
        # Alembic is loaded only when there is something to do (~11 MB per process).
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self._migration_lock(), self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at; None for a new database."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            return str(row[0]) if row else None

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        database = make_url(self.url).database
        if self.dialect != "sqlite" or not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate-lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextmanager
    def begin(self, *, bulk: bool = False) -> Iterator[Connection]:
        """A transaction: committed on success, rolled back on any exception.

        ``bulk`` gives a SQLite connection a big page cache for the transaction, so
        the unique index of a list of millions stays in memory while it is written.
        """
        with self.engine.begin() as conn:
            if bulk and self.dialect == "sqlite":
                conn.exec_driver_sql(f"PRAGMA cache_size={_BULK_CACHE_KIB}")
            try:
                yield conn
            finally:
                if bulk and self.dialect == "sqlite":
                    conn.exec_driver_sql(f"PRAGMA cache_size={_CACHE_KIB}")

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def begin_events(self) -> Iterator[Connection]:
        """A transaction on the events tables (jobs, items, matches, match log)."""
        with self.events_engine.begin() as conn:
            yield conn

    @contextmanager
    def connect_events(self) -> Iterator[Connection]:
        with self.events_engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
        if self.events_engine is not self.engine:
            self.events_engine.dispose()


def next_rev(conn: Connection) -> int:
    """Take the next revision number; the row lock orders concurrent writers."""
    result = conn.execute(
        update(counters)
        .where(counters.c.name == "rev")
        .values(value=counters.c.value + 1)
        .returning(counters.c.value)
    )
    return int(result.scalar_one())


def instance_id(conn: Connection) -> int:
    """A random id written when the database was created: tells databases apart."""
    query = select(counters.c.value).where(counters.c.name == "instance")
    return int(conn.execute(query).scalar_one())


def current_rev(conn: Connection) -> int:
    return int(conn.execute(text("SELECT value FROM counters WHERE name = 'rev'")).scalar_one())


def _make_engine(url: str, echo: bool) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        private_folder(Path(parsed.database).parent)
        touch_private(Path(parsed.database))  # SQLite's -wal and -shm files copy its mode
    # hide_parameters: bound values (webhook secrets, key hashes) stay out of errors/logs.
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30}, hide_parameters=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers (scans, API workers) run while an import writes.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA cache_size={_CACHE_KIB}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
