"""Apply a page of exchange entries to the exchange's list, with the fetch's resume
state or new checkpoint, in one transaction (the caller's).

An exchange entry becomes one list entry per fingerprint (``source`` is
``exchange:<name>``, ``source_id`` the exchange's id): MD5, SHA-1 and PDQ are
matched; fingerprints Brightline cannot compute (PhotoDNA, others) are kept as
values of their type for licensees. A deleted entry takes all its fingerprints with
it; an updated one drops the fingerprints it no longer has. A deconfirmed entry
(this platform's opinion) stays disabled whatever the exchange sends.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from brightline.core import signals
from brightline.core.categories import normalize_category
from brightline.core.signals import SignalType
from brightline.errors import InputError
from brightline.services.exchanges.base import ExchangeType, Page, RemoteEntry
from brightline.services.store import entries as store_entries
from brightline.services.store import exchanges as store_ex
from brightline.services.store.db import next_rev
from brightline.services.store.entries import EntryRow

#: Longest value kept for a type Brightline does not know (the entries column's size).
_MAX_OPAQUE = 512


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    errors: int = 0
    examples: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.examples) < 5:
            self.examples.append(message)


@functools.lru_cache(maxsize=64)
def _known(signal_type: str, generation: int) -> SignalType | None:
    return signals.find(signal_type)


def value_of(signal_type: str, value: str) -> tuple[str, str]:
    """A fingerprint in Brightline's form. Known types are normalised (and checked);
    others are kept as given (trimmed), for licensees who can use them."""
    found = _known(signal_type, signals.generation())
    if found is not None:
        return found.name, found.normalize(value)
    text = value.strip()
    if not text or len(text) > _MAX_OPAQUE or "\x00" in text or len(signal_type) > 32:
        raise InputError(f"a {signal_type} fingerprint that cannot be kept")
    return signal_type.lower(), text


def category_of(scheme: str, classification: str | None) -> str | None:
    """The exchange's classification in the list's scheme (NCMEC's A1…B2 are the
    ``industry`` scheme's codes); never guessed across schemes."""
    if not classification or scheme == "none":
        return None
    try:
        return normalize_category(scheme, classification)
    except InputError:
        return None


def apply_page(
    conn: Connection,
    exchange: Any,
    etype: ExchangeType,
    scheme: str,
    page: Page,
    counts: Counts,
) -> None:
    ex_id, list_id = int(exchange.id), int(exchange.list_id)
    source = store_ex.source_label(str(exchange.name))
    now = datetime.now(UTC)
    rev = next_rev(conn)
    live = {e.source_id: e for e in page.entries if not e.deleted}
    gone = [e.source_id for e in page.entries if e.deleted and e.source_id not in live]
    known = store_ex.get_exchange_entries(conn, ex_id, [*live, *gone])
    if page.snapshot:
        gone += sorted(store_ex.all_source_ids(conn, ex_id) - set(live))
    counts.deleted += _delete(conn, ex_id, list_id, source, gone, known, rev, page.snapshot)
    rows: list[EntryRow] = []
    provenance: list[dict[str, Any]] = []
    changed: dict[str, set[tuple[str, str]]] = {}
    for entry in live.values():
        prints = _fingerprints(etype, entry, counts)
        if not prints:
            continue
        old = known.get(entry.source_id)
        if old is not None and _same(old, entry, prints):
            continue
        category = category_of(scheme, entry.classification)
        rows += [(t, v, category, entry.source_id, None) for t, v in prints]
        provenance.append(_provenance(entry, prints, now))
        if old is None:
            counts.added += 1
        else:
            counts.updated += 1
            changed[entry.source_id] = set(prints)
    store_entries.upsert_rows(conn, list_id, rows, source=source, rev=rev)
    _drop_stale(conn, list_id, source, changed, rev)
    store_ex.upsert_exchange_entries(conn, ex_id, provenance)
    for sid, old in known.items():
        if sid in live and old.opinion == "deconfirmed":
            store_ex.set_entries_enabled(conn, list_id, source, sid, False, rev, now)


def _fingerprints(etype: ExchangeType, entry: RemoteEntry, counts: Counts) -> list[tuple[str, str]]:
    out: dict[tuple[str, str], None] = {}
    for signal_type, value in etype.signals_of(entry):
        try:
            out[value_of(signal_type, value)] = None
        except InputError as exc:
            counts.error(f"entry {entry.source_id}: {exc}")
    if not out:
        counts.error(f"entry {entry.source_id}: no fingerprint that can be kept")
    return list(out)


def _same(old: Any, entry: RemoteEntry, prints: list[tuple[str, str]]) -> bool:
    return bool(
        json.loads(old.fingerprints) == {t: v for t, v in prints}
        and old.classification == entry.classification
        and old.member == entry.member
    )


def _provenance(entry: RemoteEntry, prints: list[tuple[str, str]], now: datetime) -> dict[str, Any]:
    return {
        "source_id": entry.source_id,
        "member": entry.member,
        "content_type": entry.content_type,
        "classification": entry.classification,
        "fingerprints": json.dumps({t: v for t, v in prints}, sort_keys=True),
        "fetched_at": now,
        "updated_at": entry.updated_at or now,
    }


def _delete(
    conn: Connection,
    ex_id: int,
    list_id: int,
    source: str,
    gone: Sequence[str],
    known: dict[str, Any],
    rev: int,
    snapshot: bool,
) -> int:
    if not gone:
        return 0
    found = store_ex.entry_ids_of(conn, list_id, source, gone)
    store_ex.remove_entries(conn, [(i, t) for i, _, t, _ in found], rev)
    store_ex.delete_exchange_entries(conn, ex_id, gone)
    return len(gone) if snapshot else sum(1 for s in gone if s in known)


def _drop_stale(
    conn: Connection, list_id: int, source: str, changed: dict[str, set[tuple[str, str]]], rev: int
) -> None:
    """Fingerprints an updated entry no longer has."""
    if not changed:
        return
    found = store_ex.entry_ids_of(conn, list_id, source, sorted(changed))
    stale = [(i, t) for i, sid, t, v in found if (t, v) not in changed[sid]]
    store_ex.remove_entries(conn, stale, rev)
