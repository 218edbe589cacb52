"""Live conversations (migration 0010_text): their scoring state, each message's
scores, and the warnings. A message's text is held only while it may be needed to
show a warning's context (see ``services.text.conversations``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from brightline.services.store.tables import Id, UtcDateTime, metadata

conversations = Table(
    "chat_conversations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("external_id", String(200), nullable=False, unique=True),
    Column("messages", Integer, nullable=False),
    Column("risk", Float, nullable=False),
    Column("state", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    sqlite_autoincrement=True,
)

messages = Table(
    "chat_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("conversation_id", Id, ForeignKey("chat_conversations.id"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("author", String(200), nullable=False),
    Column("sent_at", String(64)),
    Column("at", UtcDateTime(), nullable=False),
    Column("risk", Float, nullable=False),
    Column("author_risk", Float, nullable=False),
    Column("indicators", Text, nullable=False),
    Column("text", Text),
    Column("keep_until", UtcDateTime()),
    UniqueConstraint("conversation_id", "idx", name="uq_chat_messages_idx"),
    Index("ix_chat_messages_keep", "keep_until"),
    sqlite_autoincrement=True,
)

warnings = Table(
    "chat_warnings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("conversation_id", Id, ForeignKey("chat_conversations.id"), nullable=False),
    Column("message_idx", Integer, nullable=False),
    Column("author", String(200), nullable=False),
    Column("risk", Float, nullable=False),
    Column("indicators", Text, nullable=False),
    Column("review_item_id", Id),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_chat_warnings_conversation", "conversation_id", "message_idx"),
    sqlite_autoincrement=True,
)


def lock_conversation(conn: Connection, external_id: str, now: datetime) -> Row[Any]:
    """The conversation's row, made if new, locked for this transaction (PostgreSQL)."""
    query = select(conversations).where(conversations.c.external_id == external_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is not None:
        return row
    try:
        with conn.begin_nested():
            conn.execute(
                insert(conversations).values(
                    external_id=external_id,
                    messages=0,
                    risk=0.0,
                    state="{}",
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        pass  # made by a concurrent request: lock that one
    return conn.execute(query).one()


def find_conversation(conn: Connection, external_id: str) -> Row[Any] | None:
    query = select(conversations).where(conversations.c.external_id == external_id)
    return conn.execute(query).first()


def save_conversation(
    conn: Connection, conv_id: int, count: int, risk: float, state: str, now: datetime
) -> None:
    conn.execute(
        update(conversations)
        .where(conversations.c.id == conv_id)
        .values(messages=count, risk=risk, state=state, updated_at=now)
    )


def insert_message(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(messages).values(**values))


def forget_text_before(conn: Connection, conv_id: int, idx: int) -> None:
    """Drop the text of the conversation's messages before ``idx`` that no warning or
    indicator keeps."""
    conn.execute(
        update(messages)
        .where(
            messages.c.conversation_id == conv_id,
            messages.c.idx < idx,
            messages.c.keep_until.is_(None),
            messages.c.text.is_not(None),
        )
        .values(text=None)
    )


def keep_text(conn: Connection, conv_id: int, first: int, last: int, until: datetime) -> None:
    conn.execute(
        update(messages)
        .where(
            messages.c.conversation_id == conv_id,
            messages.c.idx >= first,
            messages.c.idx <= last,
            messages.c.text.is_not(None),
        )
        .values(keep_until=until)
    )


def context_messages(conn: Connection, conv_id: int, idxs: list[int]) -> list[Row[Any]]:
    query = (
        select(messages.c.idx, messages.c.author, messages.c.text, messages.c.indicators)
        .where(messages.c.conversation_id == conv_id, messages.c.idx.in_(idxs))
        .order_by(messages.c.idx)
    )
    return list(conn.execute(query))


def insert_warning(conn: Connection, values: dict[str, Any]) -> int:
    key = conn.execute(insert(warnings).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def set_review_item(conn: Connection, warning_id: int, item_id: int) -> None:
    conn.execute(update(warnings).where(warnings.c.id == warning_id).values(review_item_id=item_id))


def conversation_warnings(conn: Connection, conv_id: int) -> list[Row[Any]]:
    query = select(warnings).where(warnings.c.conversation_id == conv_id).order_by(warnings.c.id)
    return list(conn.execute(query))


def purge_text(conn: Connection, now: datetime) -> int:
    """Drop kept text whose time is up; returns how many messages lost theirs."""
    result = conn.execute(
        update(messages)
        .where(and_(messages.c.keep_until.is_not(None), messages.c.keep_until < now))
        .values(text=None, keep_until=None)
    )
    return int(result.rowcount or 0)
