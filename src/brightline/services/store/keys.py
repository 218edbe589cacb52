"""API keys at rest: prefix, SHA-256 of the token, name, role, revocation."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from brightline.errors import NotFoundError
from brightline.services.store.tables import api_keys, counters


def insert_key(conn: Connection, *, prefix: str, secret_hash: str, name: str, role: str) -> int:
    result = conn.execute(
        insert(api_keys).values(
            prefix=prefix,
            secret_hash=secret_hash,
            name=name,
            role=role,
            created_at=datetime.now(UTC),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def key_by_prefix(conn: Connection, prefix: str) -> Row[Any] | None:
    return conn.execute(select(api_keys).where(api_keys.c.prefix == prefix)).one_or_none()


def key_by_id(conn: Connection, key_id: int) -> Row[Any]:
    row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no API key with id {key_id}")
    return row


def all_keys(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(api_keys).order_by(api_keys.c.id)).all())


def revoke_key(conn: Connection, key_id: int) -> Row[Any]:
    key_by_id(conn, key_id)
    conn.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return key_by_id(conn, key_id)


#: The counters row that moves whenever a key is revoked (migration 0005).
GENERATION = "keys"


def bump_generation(conn: Connection) -> None:
    conn.execute(
        update(counters).where(counters.c.name == GENERATION).values(value=counters.c.value + 1)
    )


class GenerationReader:
    """Reads the key generation on one connection kept for it (a pool check-out and
    SQLAlchemy's statement handling cost ten times the read itself). Each read sees
    the newest commit: SQLite reads outside a transaction, PostgreSQL in autocommit.
    Returns None when the counter cannot be read (then nothing is cached)."""

    _SQL = f"SELECT value FROM counters WHERE name = '{GENERATION}'"

    def __init__(self, store: Any):
        self._engine = store.engine
        self._conn: Any = None
        self._lock = threading.Lock()

    def read(self) -> int | None:
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self._open()
                cursor = self._conn.cursor()
                try:
                    cursor.execute(self._SQL)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except Exception:
                self._drop()
                return None
            return None if row is None else int(row[0])

    def _open(self) -> Any:
        conn = self._engine.raw_connection()
        if self._engine.dialect.name == "postgresql":
            conn.driver_connection.autocommit = True
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.invalidate()  # never back to the pool: it is in autocommit
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self._drop()
