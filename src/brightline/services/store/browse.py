"""Entry look-ups the API needs: pages of a list, one entry by value, list names."""

from __future__ import annotations

from sqlalchemy import Connection, select

from brightline.core.models import Entry
from brightline.errors import NotFoundError
from brightline.services.store.entries import to_entry
from brightline.services.store.tables import entries, hash_lists


def entries_page(conn: Connection, list_id: int, after_id: int, limit: int) -> list[Entry]:
    query = (
        select(entries)
        .where(entries.c.list_id == list_id, entries.c.id > after_id)
        .order_by(entries.c.id)
        .limit(limit)
    )
    return [to_entry(row) for row in conn.execute(query)]


def entry_by_value(conn: Connection, list_id: int, signal_type: str, value: str) -> Entry:
    query = select(entries).where(
        entries.c.list_id == list_id,
        entries.c.signal_type == signal_type,
        entries.c.value == value,
    )
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFoundError(f"no {signal_type} entry {value!r} in that list")
    return to_entry(row)


def list_name_of(conn: Connection, list_id: int) -> str:
    name = conn.execute(select(hash_lists.c.name).where(hash_lists.c.id == list_id)).scalar()
    if name is None:
        raise NotFoundError(f"no list with id {list_id}")
    return str(name)


def entries_by_source_id(conn: Connection, list_id: int, source_id: str) -> list[Entry]:
    query = select(entries).where(entries.c.list_id == list_id, entries.c.source_id == source_id)
    return [to_entry(row) for row in conn.execute(query)]
