"""What retroactive matching reads: entries added since its watermark (main
database) and the signals of recently seen items (events database)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, tuple_, update

from brightline.services.store.content import item_matches, item_signals, items
from brightline.services.store.tables import counters, entries

WATERMARK = "retro_entry_id"


def watermark(conn: Connection) -> int:
    """The last entry id retroactive matching has taken (set by migration 0010)."""
    row = conn.execute(select(counters.c.value).where(counters.c.name == WATERMARK)).first()
    return 0 if row is None else int(row[0])


def max_entry_id(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(entries.c.id), 0))).scalar_one())


def advance(conn: Connection, old: int, new: int) -> bool:
    """Move the watermark from ``old`` to ``new``; False if another worker did."""
    if conn.execute(select(counters.c.name).where(counters.c.name == WATERMARK)).first() is None:
        conn.execute(insert(counters).values(name=WATERMARK, value=old))
    done = conn.execute(
        update(counters)
        .where(counters.c.name == WATERMARK, counters.c.value == old)
        .values(value=new)
    )
    return bool(done.rowcount)


def new_entries(conn: Connection, after: int, upto: int) -> list[tuple[int, int, str, str]]:
    """``(id, list id, signal type, value)`` of active entries with ids in ``(after, upto]``."""
    query = select(entries.c.id, entries.c.list_id, entries.c.signal_type, entries.c.value).where(
        entries.c.id > after,
        entries.c.id <= upto,
        entries.c.enabled.is_(True),
        entries.c.withdrawn.is_(False),
    )
    return [(int(i), int(lst), str(t), str(v)) for i, lst, t, v in conn.execute(query)]


def recent_floor(ev: Connection, max_items: int, cutoff: datetime) -> tuple[int, int]:
    """``(floor, top)``: item ids in ``(floor, top]`` are the recent ones, at most
    ``max_items`` of them and none seen before ``cutoff`` (ids grow with time)."""
    top = int(ev.execute(select(func.coalesce(func.max(items.c.id), 0))).scalar_one())
    floor = max(0, top - max_items)
    first = ev.execute(
        select(func.min(items.c.id)).where(items.c.id > floor, items.c.at >= cutoff)
    ).scalar_one()
    return (top if first is None else max(floor, int(first) - 1)), top


def items_with_values(
    ev: Connection, signal_type: str, values: Sequence[str], floor: int, top: int
) -> list[int]:
    query = select(item_signals.c.item_id).where(
        item_signals.c.signal_type == signal_type,
        item_signals.c.value.in_(list(values)),
        item_signals.c.item_id > floor,
        item_signals.c.item_id <= top,
    )
    return [int(i) for i in ev.execute(query).scalars()]


def recent_signals(
    ev: Connection, signal_type: str, floor: int, top: int, batch: int = 65_536
) -> Iterator[list[tuple[int, str]]]:
    """``(item id, value)`` of the signals of one type of items ``(floor, top]``, a
    range of item ids at a time: a range scan of the primary key (filtering on the
    type in SQL would have SQLite sort by way of the value index instead)."""
    for lo in range(floor, top, batch):
        query = select(
            item_signals.c.item_id, item_signals.c.signal_type, item_signals.c.value
        ).where(item_signals.c.item_id > lo, item_signals.c.item_id <= lo + batch)
        rows = [(int(i), str(v)) for i, t, v in ev.execute(query) if t == signal_type]
        if rows:
            yield rows


def signals_of(ev: Connection, item_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    ids = sorted(set(item_ids))
    for start in range(0, len(ids), 5000):
        query = select(item_signals.c.item_id, item_signals.c.signal_type, item_signals.c.value)
        query = query.where(item_signals.c.item_id.in_(ids[start : start + 5000]))
        for i, t, v in ev.execute(query):
            out.setdefault(int(i), []).append((str(t), str(v)))
    return out


def recorded_pairs(ev: Connection, pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which ``(item id, entry id)`` matches are recorded already."""
    found: set[tuple[int, int]] = set()
    for start in range(0, len(pairs), 2000):
        chunk = list(pairs[start : start + 2000])
        query = select(item_matches.c.item_id, item_matches.c.entry_id).where(
            tuple_(item_matches.c.item_id, item_matches.c.entry_id).in_(chunk)
        )
        found |= {(int(i), int(e)) for i, e in ev.execute(query)}
    return found


def job_of(ev: Connection, item_ids: Sequence[int]) -> dict[int, Any]:
    query = select(items.c.id, items.c.job_id).where(and_(items.c.id.in_(list(item_ids))))
    return {int(i): j for i, j in ev.execute(query)}
