"""Matching hashes against every list: exact lookups in the database, PDQ through
a persistent index that follows the database's change feed.

The PDQ index holds every active PDQ entry of every list, keyed by entry id. It is
saved as ``pdq-<instance>-<rev>.idx``: the file name carries the database instance
and the revision it reflects, so a reader never pairs an index with the wrong
watermark and concurrent writers cannot corrupt each other's state. Opening loads
the newest file, then applies entries and tombstones changed since its revision:
hashes added to a list are matchable without rebuilding anything.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, select

from brightline.core import index as core_index
from brightline.core.index.base import hex_to_rows
from brightline.core.models import HashList, Match
from brightline.core.signals import vpdq
from brightline.errors import IndexCorruptError, NotFoundError
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store.db import current_rev
from brightline.services.store.entries import (
    EntryHit,
    active_entries_by_id,
    active_entries_by_values,
    changes_since,
)
from brightline.services.store.tables import counters
from brightline.services.store.video import split_md5
from brightline.services.video_matching import VideoDefaults, VideoIndex, match_video

log = logging.getLogger(__name__)

_FILE = re.compile(r"^pdq-(?P<instance>\d+)-(?P<rev>\d+)\.idx$")


@dataclass(frozen=True, slots=True)
class Query:
    """A hash to look up. ``variants`` are extra PDQ hashes (the dihedral set)."""

    signal_type: str
    value: str
    variants: tuple[str, ...] = ()


class Matcher:
    """Finds list entries matching hashes. Thread-safe for concurrent ``match`` calls."""

    def __init__(
        self, store: Store, index_dir: Path | None, video_defaults: VideoDefaults | None = None
    ):
        self.store = store
        self.index_dir = index_dir
        self.video = VideoIndex(store, video_defaults)  # frames of listed videos
        self._index: core_index.Index = core_index.default_index()
        self._rev = 0
        self._instance = 0
        self._lock = threading.RLock()  # guards the index: searches and changes
        self._refresh_lock = threading.Lock()  # one catch-up at a time
        self._loaded = False
        self._lists: dict[int, HashList] = {}
        self._lists_rev = -1

    @property
    def ready(self) -> bool:
        return self._loaded

    @property
    def size(self) -> int:
        return len(self._index)

    def open(self) -> Matcher:
        """Load the saved index (or build it), then catch up with the database."""
        with self._refresh_lock:
            self._instance = _instance_id(self.store)
            self._load_saved()
        self.refresh()
        self._loaded = True
        return self

    def refresh(self, save: bool = True) -> int:
        """Apply changes made since the index's revision; returns how many.

        The database is read without holding the index lock, so matching goes on
        during a large catch-up; only applying the changes takes the lock.
        """
        with self._refresh_lock:
            with self.store.connect() as conn:
                head = current_rev(conn)
                since = self._rev
                if head < since:  # the database went back in time: do not trust the index
                    log.warning("database revision %d is behind index revision %d", head, since)
                    since = 0
                lists = self._lists
                if head != self._lists_rev:
                    lists = {hl.id: hl for hl in store_lists.list_settings(conn)}
                    if head < self.video.rev:
                        self.video = VideoIndex(self.store, self.video.defaults)
                    if self.video.refresh(conn, head) and save and self.index_dir is not None:
                        self.video.save(self.index_dir, self._instance)
                if head == since:
                    self._lists, self._lists_rev = lists, head
                    return 0
                changes = _Changes.read(conn, since)
            fresh = core_index.default_index() if since == 0 else None
            if fresh is not None:
                changes.apply(fresh)  # a full build happens off the lock too
            with self._lock:
                if fresh is not None:
                    self._index = fresh
                else:
                    changes.apply(self._index)
                self._lists, self._lists_rev, self._rev = lists, head, head
            if save and len(changes):
                self.save()
            return len(changes)

    def save(self) -> None:
        if self.index_dir is None:
            return
        with self._lock:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            path = self.index_dir / f"pdq-{self._instance}-{self._rev}.idx"
            self._index.save(path)
            for old in self.index_dir.iterdir():
                m = _FILE.match(old.name)
                if m and old != path and int(m["rev"]) < self._rev:
                    old.unlink(missing_ok=True)

    def _load_saved(self) -> None:
        if self.index_dir is None or not self.index_dir.is_dir():
            return
        candidates = []
        for path in self.index_dir.iterdir():
            m = _FILE.match(path.name)
            if m and int(m["instance"]) == self._instance:
                candidates.append((int(m["rev"]), path))
        self.video.load(self.index_dir, self._instance)
        for rev, path in sorted(candidates, reverse=True):
            try:
                self._index = type(self._index).load(path)
            except IndexCorruptError as exc:
                log.warning("ignoring damaged index %s: %s", path, exc)
                continue
            self._rev = rev
            return

    # -- matching -------------------------------------------------------------

    def match(
        self, queries: Sequence[Query], list_names: Sequence[str] | None = None
    ) -> list[list[Match]]:
        """Matches for each query, best (smallest distance) first."""
        list_ids = self._list_ids(list_names)
        results: list[list[Match]] = [[] for _ in queries]
        self._match_exact(queries, list_ids, results)
        self._match_pdq(queries, list_ids, results)
        self._match_vpdq(queries, list_ids, results)
        for found in results:
            found.sort(key=lambda m: (m.distance, m.list_name, m.entry_id))
        return results

    def list_ids(self, list_names: Sequence[str] | None) -> list[int] | None:
        """Ids of the named lists (None: all); raises NotFoundError."""
        return self._list_ids(list_names)

    def max_threshold(self, list_ids: list[int] | None) -> int:
        """The largest PDQ threshold of these lists: the radius to search."""
        return self._max_threshold(list_ids)

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
        list_ids: list[int] | None,
        results: list[list[Match]],
    ) -> None:
        rows_by_key: dict[tuple[str, str], list[int]] = {}
        for row, q in enumerate(queries):
            if q.signal_type not in ("pdq", "vpdq"):  # vpdq: video_matching
                rows_by_key.setdefault((q.signal_type, q.value), []).append(row)
        if not rows_by_key:
            return  # PDQ only: no database round trip
        with self.store.connect() as conn:
            hits = active_entries_by_values(conn, rows_by_key, list_ids)
        for hit in hits:
            for row in rows_by_key.get((hit.entry.signal_type, hit.entry.value), ()):
                results[row].append(_to_match(hit, 0))

    def _match_pdq(
        self,
        queries: Sequence[Query],
        list_ids: list[int] | None,
        results: list[list[Match]],
    ) -> None:
        owners: list[int] = []
        values: list[str] = []
        for row, q in enumerate(queries):
            if q.signal_type == "pdq":
                for value in (q.value, *q.variants):
                    owners.append(row)
                    values.append(value)
        if not values:
            return
        radius = self._max_threshold(list_ids)
        with self._lock:
            hits = self._index.search(hex_to_rows(values), radius)
        if not len(hits):
            return
        best: dict[tuple[int, int], int] = {}
        for q, entry_id, dist in zip(
            hits.query.tolist(), hits.ids.tolist(), hits.distances.tolist(), strict=True
        ):
            key = (owners[q], entry_id)
            best[key] = min(dist, best.get(key, dist))
        with self.store.connect() as conn:
            entries = {
                h.entry.id: h for h in active_entries_by_id(conn, {e for _, e in best}, list_ids)
            }
        for (row, entry_id), dist in best.items():
            hit = entries.get(entry_id)
            if hit is not None and dist <= hit.hash_list.pdq_threshold:
                results[row].append(_to_match(hit, dist))

    def _match_vpdq(
        self,
        queries: Sequence[Query],
        list_ids: list[int] | None,
        results: list[list[Match]],
    ) -> None:
        """vPDQ values (a video's frames) against the listed videos' frames."""
        for row, q in enumerate(queries):
            if q.signal_type == "vpdq":
                frames = vpdq.parse(split_md5(q.value)[1])
                radius = self._max_threshold(list_ids)
                results[row].extend(match_video(self.video, frames, radius, list_ids))

    def _max_threshold(self, list_ids: list[int] | None) -> int:
        lists = self._lists
        wanted = lists.values() if list_ids is None else (lists[i] for i in list_ids if i in lists)
        return max((hl.pdq_threshold for hl in wanted), default=0)


class _Changes:
    """PDQ entries to add and ids to drop, gathered as compact arrays (a first build
    of ten million entries must not become ten million Python tuples)."""

    _CHUNK = 65_536

    def __init__(self) -> None:
        self.add_ids: list[np.ndarray] = []
        self.add_rows: list[np.ndarray] = []
        self.remove: list[int] = []

    @classmethod
    def read(cls, conn: Connection, since: int) -> _Changes:
        out = cls()
        ids: list[int] = []
        values: list[str] = []
        for entry_id, value, active in changes_since(conn, "pdq", since):
            if not active:
                out.remove.append(entry_id)
                continue
            ids.append(entry_id)
            values.append(value)
            if len(ids) >= cls._CHUNK:
                out._flush(ids, values)
        out._flush(ids, values)
        return out

    def _flush(self, ids: list[int], values: list[str]) -> None:
        if ids:
            self.add_ids.append(np.asarray(ids, np.int64))
            self.add_rows.append(hex_to_rows(values))
            ids.clear()
            values.clear()

    def __len__(self) -> int:
        return sum(len(a) for a in self.add_ids) + len(self.remove)

    def apply(self, index: core_index.Index) -> None:
        # Removals first: an id both changed and removed since ``since`` is gone.
        if self.remove:
            index.remove(np.asarray(self.remove, np.int64))
        if self.add_ids:
            ids = np.concatenate(self.add_ids)
            rows = np.concatenate(self.add_rows)
            if self.remove:
                keep = ~np.isin(ids, np.asarray(self.remove, np.int64))
                ids, rows = ids[keep], rows[keep]
            index.add(ids, rows)


def _to_match(hit: EntryHit, distance: int) -> Match:
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
    )


def _instance_id(store: Store) -> int:
    """A random id written when the database was created: tells databases apart."""
    with store.connect() as conn:
        query = select(counters.c.value).where(counters.c.name == "instance")
        return int(conn.execute(query).scalar_one())
