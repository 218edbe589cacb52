"""List policies (migration 0010): negative lists and flood quarantine.

``list_negatives`` says list ``list_id`` is negative for ``target_id``: content that
matches both has its ``target_id`` match suppressed. ``list_flood`` holds a list's
flood limit; ``entry_flood`` counts each entry's matches in its current window and
says whether it is quarantined.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger as _BigInteger
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    Row,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from brightline.services.store.db import next_rev
from brightline.services.store.tables import Id, UtcDateTime, entries, hash_lists, metadata

list_negatives = Table(
    "list_negatives",
    metadata,
    Column("list_id", Id, ForeignKey("hash_lists.id", ondelete="CASCADE"), primary_key=True),
    Column("target_id", Id, ForeignKey("hash_lists.id", ondelete="CASCADE"), primary_key=True),
)

list_flood = Table(
    "list_flood",
    metadata,
    Column("list_id", Id, ForeignKey("hash_lists.id", ondelete="CASCADE"), primary_key=True),
    Column("max_matches", Integer, nullable=False),
    Column("window_s", Integer, nullable=False),
)

entry_flood = Table(
    "entry_flood",
    metadata,
    Column("entry_id", _BigInteger, primary_key=True, autoincrement=False),
    Column("list_id", Id, nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("count", Integer, nullable=False),
    Column("quarantined", Boolean, nullable=False),
    Column("quarantined_at", UtcDateTime()),
    Column("quarantined_count", Integer),
    Index("ix_entry_flood_list", "list_id", "quarantined"),
)


def set_negatives(conn: Connection, list_id: int, target_ids: Sequence[int]) -> None:
    conn.execute(list_negatives.delete().where(list_negatives.c.list_id == list_id))
    if target_ids:
        rows = [{"list_id": list_id, "target_id": t} for t in sorted(set(target_ids))]
        conn.execute(insert(list_negatives), rows)
    next_rev(conn)  # matchers reload policies when the revision moves


def negatives(conn: Connection) -> list[tuple[int, int]]:
    """``(negative list id, target list id)`` pairs."""
    query = select(list_negatives.c.list_id, list_negatives.c.target_id)
    return [(int(a), int(b)) for a, b in conn.execute(query)]


def negative_for_names(conn: Connection, list_id: int) -> list[str]:
    query = (
        select(hash_lists.c.name)
        .join(list_negatives, list_negatives.c.target_id == hash_lists.c.id)
        .where(list_negatives.c.list_id == list_id)
        .order_by(hash_lists.c.name)
    )
    return [str(n) for n in conn.execute(query).scalars()]


def set_flood(
    conn: Connection, list_id: int, max_matches: int | None, window_s: int | None
) -> None:
    conn.execute(list_flood.delete().where(list_flood.c.list_id == list_id))
    if max_matches is not None and window_s is not None:
        conn.execute(
            insert(list_flood).values(list_id=list_id, max_matches=max_matches, window_s=window_s)
        )
    next_rev(conn)


def floods(conn: Connection) -> dict[int, tuple[int, int]]:
    query = select(list_flood.c.list_id, list_flood.c.max_matches, list_flood.c.window_s)
    return {int(i): (int(m), int(w)) for i, m, w in conn.execute(query)}


def count_matches(
    conn: Connection,
    counted: Sequence[tuple[int, int, int]],
    limits: dict[int, tuple[int, int]],
    now: datetime,
) -> tuple[set[int], list[tuple[int, int]]]:
    """Count matches ``(entry id, list id, n)`` in each entry's window. Returns the
    entries quarantined now (old and new), and ``(entry, count)`` of those that
    crossed their list's limit with these matches."""
    quarantined: set[int] = set()
    crossed: list[tuple[int, int]] = []
    for entry_id, list_id, n in counted:
        max_matches, window_s = limits[list_id]
        row = _flood_row(conn, entry_id)
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(entry_flood).values(
                            entry_id=entry_id,
                            list_id=list_id,
                            window_start=now,
                            count=0,
                            quarantined=False,
                        )
                    )
            except IntegrityError:
                pass  # another worker counted it first
            row = _flood_row(conn, entry_id)
            assert row is not None
        values: dict[str, Any] = {}
        count = int(row._mapping["count"]) + n
        if not row.quarantined and row.window_start + timedelta(seconds=window_s) < now:
            values["window_start"], count = now, n
        values["count"] = count
        if row.quarantined:
            quarantined.add(entry_id)
        elif count > max_matches:
            values.update(quarantined=True, quarantined_at=now, quarantined_count=count)
            quarantined.add(entry_id)
            crossed.append((entry_id, count))
        conn.execute(update(entry_flood).where(entry_flood.c.entry_id == entry_id).values(**values))
    return quarantined, crossed


def _flood_row(conn: Connection, entry_id: int) -> Row[Any] | None:
    query = select(entry_flood).where(entry_flood.c.entry_id == entry_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).one_or_none()


def quarantined_entries(
    conn: Connection, list_id: int, after_id: int, limit: int
) -> list[tuple[Row[Any], Row[Any]]]:
    """``(entry row, flood row)`` of a list's quarantined entries, by entry id."""
    query = (
        select(entries, entry_flood.c.count.label("flood_count"), entry_flood.c.quarantined_at)
        .join(entry_flood, entry_flood.c.entry_id == entries.c.id)
        .where(
            entries.c.list_id == list_id,
            entry_flood.c.quarantined.is_(True),
            entries.c.id > after_id,
        )
        .order_by(entries.c.id)
        .limit(limit)
    )
    return [(r, r) for r in conn.execute(query)]


def quarantine_state(conn: Connection, entry_ids: Sequence[int]) -> dict[int, tuple[bool, int]]:
    if not entry_ids:
        return {}
    query = select(entry_flood.c.entry_id, entry_flood.c.quarantined, entry_flood.c.count).where(
        entry_flood.c.entry_id.in_(list(entry_ids))
    )
    return {int(i): (bool(q), int(c)) for i, q, c in conn.execute(query)}


def quarantined_count(conn: Connection, list_id: int) -> int:
    from sqlalchemy import func

    query = select(func.count()).where(
        entry_flood.c.list_id == list_id, entry_flood.c.quarantined.is_(True)
    )
    return int(conn.execute(query).scalar_one())


def release(conn: Connection, entry_id: int, now: datetime) -> bool:
    """Release a quarantined entry; its count starts afresh. False if it was not held."""
    done = conn.execute(
        update(entry_flood)
        .where(entry_flood.c.entry_id == entry_id, entry_flood.c.quarantined.is_(True))
        .values(quarantined=False, count=0, window_start=now, quarantined_at=None)
    )
    return bool(done.rowcount)
