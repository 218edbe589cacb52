"""Users and their sign-in sessions (migration 0008).

Passwords are kept only as argon2id hashes; session tokens only as SHA-256 digests
(a token carries 256 random bits, so a plain digest cannot be brute-forced).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    and_,
    case,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from brightline.errors import ConflictError, NotFoundError
from brightline.services.store.tables import Id, UtcDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("password_changed_at", UtcDateTime(), nullable=False),
    Column("last_login_at", UtcDateTime()),
    sqlite_autoincrement=True,
)

sessions = Table(
    "user_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime()),
    Index("ix_user_sessions_user", "user_id"),
)


def insert_user(conn: Connection, name: str, role: str, password_hash: str, now: datetime) -> int:
    if user_by_name(conn, name) is not None:
        raise ConflictError(f"a user named {name!r} already exists")
    result = conn.execute(
        insert(users).values(
            name=name,
            role=role,
            password_hash=password_hash,
            disabled=False,
            failed_logins=0,
            created_at=now,
            password_changed_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def user_by_name(conn: Connection, name: str) -> Row[Any] | None:
    return conn.execute(select(users).where(users.c.name == name)).one_or_none()


def user_by_id(conn: Connection, user_id: int) -> Row[Any]:
    row = conn.execute(select(users).where(users.c.id == user_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no user with id {user_id}")
    return row


def all_users(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(users).order_by(users.c.name)).all())


def update_user(conn: Connection, user_id: int, **values: Any) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def count_attempt(
    conn: Connection, name: str, now: datetime, max_failures: int, lock_until: datetime
) -> Row[Any] | None:
    """Count a sign-in attempt on ``name`` before its password is checked, in one
    atomic UPDATE (the row lock orders parallel attempts), and return the user row
    as it is now: ``failed_logins`` is this attempt's number in the run. The attempt
    that reaches ``max_failures`` also locks the account until ``lock_until`` (a
    success then unlocks it); a lock that has run out starts the count again.
    None when there is no such user."""
    locked = and_(users.c.locked_until.is_not(None), users.c.locked_until > now)
    expired = and_(users.c.locked_until.is_not(None), users.c.locked_until <= now)
    failures = case((expired, 1), else_=users.c.failed_logins + 1)
    until = case((locked, users.c.locked_until), (failures >= max_failures, lock_until), else_=None)
    query = (
        update(users)
        .where(users.c.name == name)
        .values(failed_logins=failures, locked_until=until)
        .returning(*users.c)
    )
    return conn.execute(query).one_or_none()


def insert_session(
    conn: Connection, user_id: int, token_hash: str, csrf: str, now: datetime
) -> int:
    result = conn.execute(
        insert(sessions).values(
            token_hash=token_hash, user_id=user_id, csrf=csrf, created_at=now, last_seen_at=now
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def session_with_user(conn: Connection, token_hash: str) -> Row[Any] | None:
    query = (
        select(
            sessions,
            users.c.name,
            users.c.role,
            users.c.disabled,
        )
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == token_hash)
    )
    return conn.execute(query).one_or_none()


def touch_session(conn: Connection, session_id: int, now: datetime) -> None:
    conn.execute(update(sessions).where(sessions.c.id == session_id).values(last_seen_at=now))


def end_session(conn: Connection, session_id: int, now: datetime) -> None:
    conn.execute(
        update(sessions)
        .where(sessions.c.id == session_id, sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_user_sessions(conn: Connection, user_id: int, now: datetime) -> None:
    conn.execute(
        update(sessions)
        .where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )
