"""API keys at rest: prefix, SHA-256 of the token, name, role, revocation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from brightline.errors import NotFoundError
from brightline.services.store.tables import api_keys


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
