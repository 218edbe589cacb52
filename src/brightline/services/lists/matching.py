"""Matching hashes against every list: exact types by lookups in the database, every
other signal type through its own persistent index that follows the change feed.

Each non-exact signal type (PDQ, and whatever ``core.signals`` has registered: vPDQ,
a plugin's) gets the index its ``build_index`` makes, holding every active entry of
that type in every list, keyed by entry id. It is saved as
``<type>-<instance>-<rev>.idx``: the file name carries the database instance and
the revision it reflects, so a reader never pairs an index with the wrong watermark
and concurrent writers cannot corrupt each other's state. Opening loads the newest
file of each type, then applies entries and tombstones changed since its revision:
hashes added to a list are matchable without rebuilding anything. The file is
rewritten only when the changes since it was written reach 1/64 of the index (at
least 10,000): a small delta is cheaper to re-apply on open than to copy the whole
index again. A type
registered after the matcher opened gets its index on its first query.

Thresholds are per list and per type (``HashList.threshold_for``; a type's
``default_threshold`` where a list sets none). An index is searched at the largest
threshold of the lists asked, then each hit is kept if within its own list's.

A type whose entries keep more than ``entries.value`` (vPDQ's frames, in its own
table) gives the matcher its change feed with ``register_change_reader``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection

from brightline.core import signals
from brightline.core.models import HashList, Match
from brightline.core.signals import IndexHit, SignalIndex, SignalType, SignalValue
from brightline.errors import IndexCorruptError, NotFoundError
from brightline.services.lists.policy import NO_POLICIES, Policies, apply_list_policy, load_policies
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store.db import current_rev, instance_id
from brightline.services.store.entries import (
    EntryHit,
    active_entries_by_id,
    active_entries_by_values,
    changes_since,
)

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(?P<type>.+)-(?P<instance>\d+)-(?P<rev>\d+)\.idx$")
_CHUNK = 65_536
#: Changes applied to a live index at once (fewer, larger adds merge less).
_FLUSH = 1 << 20
#: A saved index is rewritten only once the changes applied since it was written
#: reach this many, or 1/``_RESAVE_FRACTION`` of its size: rewriting a 10 M index
#: copies ~800 MB, while re-applying a small delta on open takes milliseconds.
_RESAVE_MIN = 10_000
_RESAVE_FRACTION = 64

#: ``(connection, since revision) -> (entry id, value, active)…``: a type's change
#: feed, changes first, removals (tombstones) last as ``(id, "", False)``.
ChangeReader = Callable[[Connection, int], Iterator[tuple[int, str, bool]]]
_CHANGE_READERS: dict[str, ChangeReader] = {}


def register_change_reader(signal_type: str, reader: ChangeReader) -> None:
    """Feed ``signal_type``'s index from ``reader`` instead of the entries table."""
    _CHANGE_READERS[signal_type] = reader


def change_feed(conn: Connection, signal_type: str, since: int) -> Iterator[tuple[int, str, bool]]:
    """What a ``signal_type`` index is fed with: its registered reader's, or the
    entries table's change feed (a batch's snapshot builds its indexes from it)."""
    reader = _CHANGE_READERS.get(signal_type)
    if reader is not None:
        return reader(conn, since)
    return changes_since(conn, signal_type, since)


class HashMatcher(Protocol):
    """What matching content needs: the ``Matcher`` (database and live indexes) or a
    batch's frozen snapshot (``services.batch.snapshot.SnapshotMatcher``)."""

    def match(
        self,
        queries: Sequence[Query],
        list_names: Sequence[str] | None = None,
        groups: Sequence[int] | None = None,
    ) -> list[list[Match]]: ...


@dataclass(frozen=True, slots=True)
class Query:
    """A hash to look up. ``variants`` are further values of the same signal (PDQ's
    rotations, a video's frames): its index takes them as one query."""

    signal_type: str
    value: str
    variants: tuple[str, ...] = ()


def query_of(signal_type: str, computed: SignalValue) -> Query:
    """The query for a signal computed from content (``SignalType.query_values``)."""
    found = signals.find(signal_type)
    values = found.query_values(computed) if found else [computed.value]
    return Query(signal_type, values[0], tuple(values[1:]))


@dataclass(slots=True)
class _TypeIndex:
    signal: SignalType
    index: SignalIndex
    rev: int = 0
    saved: bool = False  # a file of this index is on disk (loaded or written)
    unsaved: int = 0  # changes applied since that file was written

    def worth_saving(self) -> bool:
        if not self.unsaved:
            return False
        due = max(_RESAVE_MIN, len(self.index) // _RESAVE_FRACTION)
        return not self.saved or self.unsaved >= due


class Matcher:
    """Finds list entries matching hashes. Thread-safe for concurrent ``match`` calls."""

    def __init__(self, store: Store, index_dir: Path | None):
        self.store = store
        self.index_dir = index_dir
        self._indexes: dict[str, _TypeIndex] = {}
        self._unindexed: set[str] = set()  # non-exact types that build no index
        self._instance = 0
        self._lock = threading.RLock()  # guards the indexes: searches and changes
        self._refresh_lock = threading.Lock()  # one catch-up at a time
        self._loaded = False
        self._lists: dict[int, HashList] = {}
        self._lists_rev = -1
        self._policies: Policies = NO_POLICIES

    @property
    def ready(self) -> bool:
        return self._loaded

    @property
    def size(self) -> int:
        """Entries in every index."""
        return sum(len(t.index) for t in list(self._indexes.values()))

    def index_size(self, signal_type: str) -> int:
        found = self._indexes.get(signal_type)
        return 0 if found is None else len(found.index)

    @property
    def writes_on_match(self) -> bool:
        """Whether matching may write (a list with a flood limit counts its matches)."""
        return bool(self._policies.flood)

    @property
    def signal_types(self) -> list[str]:
        """The types this matcher keeps an index for."""
        return sorted(self._indexes)

    def open(self) -> Matcher:
        """Load the saved indexes (or build them), then catch up with the database."""
        with self._refresh_lock:
            self._instance = _instance_id(self.store)
            self._add_new_types()
        self.refresh()
        self._loaded = True
        return self

    def refresh(self, save: bool = True) -> int:
        """Apply changes made since each index's revision; returns how many.

        The database is read without holding the index lock, so matching goes on
        during a large catch-up; changes are applied under it a chunk at a time.
        """
        with self._refresh_lock:
            self._add_new_types()
            changed: list[_TypeIndex] = []
            total = 0
            with self.store.connect() as conn:
                head = current_rev(conn)
                lists, policies = self._lists, self._policies
                if head != self._lists_rev:
                    lists = {hl.id: hl for hl in store_lists.list_settings(conn)}
                    policies = load_policies(conn)
                for typed in list(self._indexes.values()):
                    count = self._catch_up(conn, typed, head)
                    total += count
                    typed.unsaved += count
                    if typed.worth_saving():
                        changed.append(typed)
            with self._lock:
                self._lists, self._lists_rev, self._policies = lists, head, policies
            if save:
                for typed in changed:
                    self._save(typed)
            return total

    def save(self) -> None:
        """Write every index now (a small delta is otherwise re-applied on open)."""
        for typed in list(self._indexes.values()):
            self._save(typed)

    # -- indexes ----------------------------------------------------------------

    def _add_new_types(self) -> None:
        """An index for each non-exact registered type that has none yet."""
        for signal in signals.all_types():
            if signal.exact or signal.name in self._indexes or signal.name in self._unindexed:
                continue
            index = signal.build_index()
            if index is None:
                self._unindexed.add(signal.name)
                continue
            typed = _TypeIndex(signal, index)
            self._load_saved(typed)
            with self._lock:
                self._indexes[signal.name] = typed

    def _catch_up(self, conn: Connection, typed: _TypeIndex, head: int) -> int:
        since = typed.rev
        if head < since:  # the database went back in time: do not trust the index
            log.warning(
                "database revision %d is behind %s index revision %d",
                head,
                typed.signal.name,
                since,
            )
            since = 0
        if head == since:
            return 0
        if since == 0:  # a full build happens off the lock
            fresh = typed.signal.build_index()
            assert fresh is not None
            count = _build(self._changes(conn, typed.signal.name, 0), fresh)
            with self._lock:
                typed.index, typed.rev, typed.saved = fresh, head, False
            return count
        count = _feed(self._changes(conn, typed.signal.name, since), typed.index, self._lock)
        with self._lock:
            typed.rev = head
        return count

    @staticmethod
    def _changes(conn: Connection, signal_type: str, since: int) -> Iterator[tuple[int, str, bool]]:
        return change_feed(conn, signal_type, since)

    def _save(self, typed: _TypeIndex) -> None:
        if self.index_dir is None:
            return
        name = typed.signal.name
        with self._lock:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            path = self.index_dir / f"{name}-{self._instance}-{typed.rev}.idx"
            typed.index.save(path)
            typed.saved, typed.unsaved = True, 0
            for old in self.index_dir.iterdir():
                m = _FILE.match(old.name)
                if m and m["type"] == name and old != path and int(m["rev"]) < typed.rev:
                    old.unlink(missing_ok=True)

    def _load_saved(self, typed: _TypeIndex) -> None:
        if self.index_dir is None or not self.index_dir.is_dir():
            return
        candidates = []
        for path in self.index_dir.iterdir():
            m = _FILE.match(path.name)
            if m and m["type"] == typed.signal.name and int(m["instance"]) == self._instance:
                candidates.append((int(m["rev"]), path))
        for rev, path in sorted(candidates, reverse=True):
            try:
                typed.index.load(path)
            except IndexCorruptError as exc:
                log.warning("ignoring damaged index %s: %s", path, exc)
                continue
            typed.rev, typed.saved = rev, True
            return

    # -- matching -------------------------------------------------------------

    def match(
        self,
        queries: Sequence[Query],
        list_names: Sequence[str] | None = None,
        groups: Sequence[int] | None = None,
    ) -> list[list[Match]]:
        """Matches for each query, best (smallest distance) first, after the lists'
        policies (``list_policy.apply_list_policy``: negative lists, flood
        quarantine). ``groups[i]``: the content query ``i`` belongs to (one file's
        MD5, SHA-1 and PDQ share a group); default: each query alone. A result's
        suppressed matches are in its ``suppressed`` attribute when any."""
        asked = self._list_ids(list_names)
        policies = self._policies
        list_ids = policies.with_negatives(asked)
        results: list[list[Match]] = [[] for _ in queries]
        by_type: dict[str, list[int]] = {}
        for row, q in enumerate(queries):
            by_type.setdefault(q.signal_type, []).append(row)
        if any(self._new_type(t) for t in by_type):
            self.refresh()  # a type registered since the matcher opened
        exact = [row for t, rows in by_type.items() if t not in self._indexes for row in rows]
        self._match_exact(queries, exact, list_ids, results)
        for signal_type, rows in by_type.items():
            typed = self._indexes.get(signal_type)
            if typed is not None:
                self._match_near(typed, queries, rows, list_ids, results)
        for found in results:
            found.sort(key=lambda m: (m.distance, m.list_name, m.entry_id))
        return apply_list_policy(self.store, policies, results, groups, asked)

    def _new_type(self, signal_type: str) -> bool:
        known = signal_type in self._indexes or signal_type in self._unindexed
        return not known and not signals.is_exact(signal_type)

    def _list_ids(self, list_names: Sequence[str] | None) -> list[int] | None:
        if list_names is None:
            return None
        by_name = {hl.name: hl.id for hl in self._lists.values()}
        missing = [name for name in list_names if name not in by_name]
        if missing:
            self.refresh()  # a list made since the last refresh
            by_name = {hl.name: hl.id for hl in self._lists.values()}
        ids = []
        for name in list_names:
            if name not in by_name:
                raise NotFoundError(f"no list named {name!r}")
            ids.append(by_name[name])
        return ids

    def _match_exact(
        self,
        queries: Sequence[Query],
        rows: list[int],
        list_ids: list[int] | None,
        results: list[list[Match]],
    ) -> None:
        rows_by_key: dict[tuple[str, str], list[int]] = {}
        for row in rows:
            q = queries[row]
            rows_by_key.setdefault((q.signal_type, q.value), []).append(row)
        if not rows_by_key:
            return  # index types only: no database round trip
        with self.store.connect() as conn:
            hits = active_entries_by_values(conn, rows_by_key, list_ids)
        for hit in hits:
            for row in rows_by_key.get((hit.entry.signal_type, hit.entry.value), ()):
                results[row].append(_to_match(hit, 0))

    def _match_near(
        self,
        typed: _TypeIndex,
        queries: Sequence[Query],
        rows: list[int],
        list_ids: list[int] | None,
        results: list[list[Match]],
    ) -> None:
        signal = typed.signal
        groups = [(queries[row].value, *queries[row].variants) for row in rows]
        radius = self._max_threshold(signal, list_ids)
        with self._lock:
            found = typed.index.search(groups, radius)
        hits: list[tuple[int, IndexHit]] = [
            (row, hit) for row, near in zip(rows, found, strict=True) for hit in near
        ]
        if not hits:
            return
        with self.store.connect() as conn:
            wanted = {hit.entry_id for _, hit in hits}
            entries = {h.entry.id: h for h in active_entries_by_id(conn, wanted, list_ids)}
        lists = self._lists
        for row, hit in hits:
            entry = entries.get(hit.entry_id)
            if entry is None:
                continue
            hl = lists.get(entry.hash_list.id, entry.hash_list)
            if hit.distance <= hl.threshold_for(signal.name, signal.default_threshold):
                results[row].append(_to_match(entry, hit.distance, hit.extra))

    def _max_threshold(self, signal: SignalType, list_ids: list[int] | None) -> int:
        lists = self._lists
        wanted = lists.values() if list_ids is None else (lists[i] for i in list_ids if i in lists)
        return max(
            (hl.threshold_for(signal.name, signal.default_threshold) for hl in wanted),
            default=signal.default_threshold if list_ids is None else 0,
        )


def _build(changes: Iterator[tuple[int, str, bool]], index: SignalIndex) -> int:
    """Fill an empty index from a whole feed. An index with ``bulk_load`` (optional:
    ``HammingIndex`` has it) takes every batch at once, so a first build of ten
    million entries is one build, not a merge per chunk; removals are skipped (a
    full feed's removals are of entries it never added)."""
    bulk_load = getattr(index, "bulk_load", None)
    if bulk_load is None:
        return _feed(changes, index, None)
    count = 0

    def batches() -> Iterator[tuple[list[int], list[str]]]:
        nonlocal count
        ids: list[int] = []
        values: list[str] = []
        for entry_id, value, active in changes:
            count += 1
            if active:
                ids.append(entry_id)
                values.append(value)
                if len(ids) >= _CHUNK:
                    yield ids, values
                    ids, values = [], []
        if ids:
            yield ids, values

    bulk_load(batches())
    return count


def _feed(
    changes: Iterator[tuple[int, str, bool]],
    index: SignalIndex,
    lock: threading.RLock | None,
) -> int:
    """Apply a change feed to ``index`` a few chunks at a time (under ``lock`` if
    given): memory stays bounded, and matching goes on between them. Every id comes
    at most once in a feed, so they can be applied in any order."""
    count = 0
    add_ids: list[int] = []
    add_values: list[str] = []
    remove: list[int] = []

    def flush() -> None:
        if not add_ids and not remove:
            return
        with lock if lock is not None else nullcontext():
            if remove:
                index.remove(remove)
            if add_ids:
                index.add(add_ids, add_values)
        add_ids.clear()
        add_values.clear()
        remove.clear()

    for entry_id, value, active in changes:
        count += 1
        if active:
            add_ids.append(entry_id)
            add_values.append(value)
        else:
            remove.append(entry_id)
        if len(add_ids) + len(remove) >= _FLUSH:
            flush()
    flush()
    return count


def _to_match(hit: EntryHit, distance: int, extra: Mapping[str, object] | None = None) -> Match:
    e, hl = hit.entry, hit.hash_list
    return Match(
        list_name=hl.name,
        list_id=hl.id,
        entry_id=e.id,
        signal_type=e.signal_type,
        value=e.value,
        distance=distance,
        category=e.category,
        scheme=hl.scheme,
        source=e.source,
        source_id=e.source_id,
        extra=dict(extra) if extra else {},
    )


def _instance_id(store: Store) -> int:
    """A random id written when the database was created: tells databases apart."""
    with store.connect() as conn:
        return instance_id(conn)
