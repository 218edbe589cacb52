"""Curating lists one entry at a time (bulk imports are ``ingest``'s).

Every change goes through the store functions that bump the revision, so every
worker's index follows it, and writes one audit record (its actor, what changed)
last in its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from brightline.core import signals
from brightline.core.actor import Actor
from brightline.core.categories import normalize_category
from brightline.core.models import Entry
from brightline.core.names import check_text
from brightline.errors import NotFoundError
from brightline.services import audit
from brightline.services.store import Store, browse
from brightline.services.store import entries as store_entries
from brightline.services.store import lists as store_lists
from brightline.services.store import video as store_video
from brightline.services.store.db import next_rev
from brightline.settings import Settings


@dataclass(frozen=True, slots=True)
class NewEntry:
    signal_type: str
    value: str
    category: str | None = None
    source: str | None = None
    source_id: str | None = None
    note: str | None = None


def add_entries(
    store: Store, list_name: str, new: list[NewEntry], *, actor: Actor | None = None
) -> list[Entry]:
    """Add (or update, by signal type and value) entries; they are matchable as soon
    as each worker's index refreshes. Raises InvalidHashError / InvalidCategoryError /
    InvalidTextError (a NUL in a note, source or source id)."""
    for e in new:
        _check_texts(e)
    with store.begin() as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
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
        added = [
            browse.entry_by_value(conn, hash_list.id, str(r["signal_type"]), _stored(r))
            for r in rows
        ]
        details = {
            "entries": len(added),
            "entry_ids": [e.id for e in added[:_IDS_SHOWN]],
            "signal_types": sorted({e.signal_type for e in added}),
        }
        audit.record(conn, audit.who(actor), "entries.add", f"list:{hash_list.name}", details)
        return added


#: Entry ids an audit record names (an HMA upload adds a handful; more are counted).
_IDS_SHOWN = 20


def _check_texts(e: NewEntry) -> None:
    for name in ("category", "source", "source_id", "note"):
        check_text(name, getattr(e, name))


def _stored(row: dict[str, str | None]) -> str:
    """The value as stored (a video entry is stored under its frames' digest)."""
    return store_video.entry_value(str(row["signal_type"]), str(row["value"]))


def entries_page(store: Store, list_name: str, after_id: int, limit: int) -> list[Entry]:
    with store.connect() as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
        return browse.entries_page(conn, hash_list.id, after_id, limit)


def get_entry(store: Store, entry_id: int) -> tuple[Entry, str]:
    """The entry and its list's name."""
    with store.connect() as conn:
        entry = store_entries.get_entry(conn, entry_id)
        return entry, browse.list_name_of(conn, entry.list_id)


def set_entry_state(
    store: Store,
    entry_id: int,
    *,
    enabled: bool | None,
    withdrawn: bool | None,
    actor: Actor | None = None,
) -> tuple[Entry, str]:
    with store.begin() as conn:
        entry = store_entries.set_entry_state(conn, entry_id, enabled=enabled, withdrawn=withdrawn)
        list_name = browse.list_name_of(conn, entry.list_id)
        changes = {
            k: v for k, v in (("enabled", enabled), ("withdrawn", withdrawn)) if v is not None
        }
        details = {"list": list_name, **changes}
        audit.record(conn, audit.who(actor), "entry.update", f"entry:{entry_id}", details)
        return entry, list_name


def delete_entry(store: Store, entry_id: int, *, actor: Actor | None = None) -> None:
    with store.begin() as conn:
        entry = store_entries.get_entry(conn, entry_id)
        list_name = browse.list_name_of(conn, entry.list_id)
        store_entries.delete_entry(conn, entry_id)
        details = {"list": list_name, "signal_type": entry.signal_type, "value": entry.value}
        audit.record(conn, audit.who(actor), "entry.delete", f"entry:{entry_id}", details)


def delete_content(
    store: Store, list_name: str, entry_id: int, *, actor: Actor | None = None
) -> int:
    """Delete an entry and the other signals added with it (same ``source_id``) from
    a list; returns how many went. Raises NotFoundError if the list lacks the entry."""
    with store.begin() as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
        entry = store_entries.get_entry(conn, entry_id)
        if entry.list_id != hash_list.id:
            raise NotFoundError(f"list {list_name!r} has no entry {entry_id}")
        siblings = [entry]
        if entry.source_id:
            siblings = browse.entries_by_source_id(conn, hash_list.id, entry.source_id)
        for e in siblings:
            store_entries.delete_entry(conn, e.id)
        details = {"list": list_name, "entries": len(siblings), "source_id": entry.source_id}
        audit.record(conn, audit.who(actor), "content.delete", f"entry:{entry_id}", details)
        return len(siblings)


def exchange_provenance(store: Store, entry_id: int) -> dict[str, object] | None:
    """Where an exchange's entry came from and this platform's opinion of it."""
    from brightline.services.store import exchanges as store_ex

    with store.connect() as conn:
        entry = store_entries.get_entry(conn, entry_id)
        found = store_ex.provenance_of(conn, [(entry.id, entry.source, entry.source_id)])
    return found.get(entry_id)


def set_opinion(
    store: Store,
    settings: Settings,
    entry_id: int,
    opinion: str,
    reason: str | None,
    actor: Actor | None = None,
) -> dict[str, object]:
    """Confirm or deconfirm the exchange entry behind a list entry (see
    ``exchanges.feedback.set_opinion``)."""
    from brightline.services.exchanges import feedback
    from brightline.services.exchanges.service import ExchangeEnv

    return feedback.set_opinion(
        ExchangeEnv(store, settings), entry_id, opinion, reason=reason, actor=actor
    )
