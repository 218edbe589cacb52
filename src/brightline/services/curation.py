"""Curating lists one entry at a time (bulk imports are ``ingest``'s).

Every change goes through the store functions that bump the revision, so every
worker's index follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from brightline.core import signals
from brightline.core.categories import normalize_category
from brightline.core.models import Entry
from brightline.errors import NotFoundError
from brightline.services.store import Store, browse
from brightline.services.store import entries as store_entries
from brightline.services.store import lists as store_lists
from brightline.services.store import video as store_video
from brightline.services.store.db import next_rev


@dataclass(frozen=True, slots=True)
class NewEntry:
    signal_type: str
    value: str
    category: str | None = None
    source: str | None = None
    source_id: str | None = None
    note: str | None = None


def add_entries(store: Store, list_name: str, new: list[NewEntry]) -> list[Entry]:
    """Add (or update, by signal type and value) entries; they are matchable as soon
    as each worker's index refreshes. Raises InvalidHashError / InvalidCategoryError."""
    with store.begin() as conn:
        hash_list = store_lists.get_list(conn, list_name)
        by_value: dict[tuple[str, str], dict[str, str | None]] = {}
        for e in new:
            signal_type, value = signals.normalize(e.signal_type, e.value)
            # One INSERT may not touch a row twice (PostgreSQL): the last one wins.
            by_value[(signal_type, value)] = {
                "signal_type": signal_type,
                "value": value,
                "category": normalize_category(hash_list.scheme, e.category),
                "source_id": e.source_id,
                "note": e.note,
                "source": e.source,
            }
        rows = list(by_value.values())
        rev = next_rev(conn)
        for source in {r["source"] for r in rows}:
            batch = [r for r in rows if r["source"] == source]
            store_entries.upsert_entries(conn, hash_list.id, batch, source=source, rev=rev)
        return [
            browse.entry_by_value(conn, hash_list.id, str(r["signal_type"]), _stored(r))
            for r in rows
        ]


def _stored(row: dict[str, str | None]) -> str:
    """The value as stored (a video entry is stored under its frames' digest)."""
    return store_video.entry_value(str(row["signal_type"]), str(row["value"]))


def entries_page(store: Store, list_name: str, after_id: int, limit: int) -> list[Entry]:
    with store.connect() as conn:
        hash_list = store_lists.get_list(conn, list_name)
        return browse.entries_page(conn, hash_list.id, after_id, limit)


def get_entry(store: Store, entry_id: int) -> tuple[Entry, str]:
    """The entry and its list's name."""
    with store.connect() as conn:
        entry = store_entries.get_entry(conn, entry_id)
        return entry, browse.list_name_of(conn, entry.list_id)


def set_entry_state(
    store: Store, entry_id: int, *, enabled: bool | None, withdrawn: bool | None
) -> tuple[Entry, str]:
    with store.begin() as conn:
        entry = store_entries.set_entry_state(conn, entry_id, enabled=enabled, withdrawn=withdrawn)
        return entry, browse.list_name_of(conn, entry.list_id)


def delete_entry(store: Store, entry_id: int) -> None:
    with store.begin() as conn:
        store_entries.delete_entry(conn, entry_id)


def delete_content(store: Store, list_name: str, entry_id: int) -> int:
    """Delete an entry and the other signals added with it (same ``source_id``) from
    a list; returns how many went. Raises NotFoundError if the list lacks the entry."""
    with store.begin() as conn:
        hash_list = store_lists.get_list(conn, list_name)
        entry = store_entries.get_entry(conn, entry_id)
        if entry.list_id != hash_list.id:
            raise NotFoundError(f"list {list_name!r} has no entry {entry_id}")
        siblings = [entry]
        if entry.source_id:
            siblings = browse.entries_by_source_id(conn, hash_list.id, entry.source_id)
        for e in siblings:
            store_entries.delete_entry(conn, e.id)
        return len(siblings)
