"""A frozen copy of the lists a batch matches against, shipped once to every worker.

The live ``Matcher`` needs the database for exact look-ups and to turn index hits
into entries; a worker on another machine has no database. A ``Snapshot`` holds what
matching needs, read in one transaction when the batch starts:

- ``entries``: every active entry of the chosen lists as an Arrow table sorted by id
  (id, list id, type, value, category, source, source id): hits become ``Match``\\ es
  by binary search, and Ray ships an Arrow table without copying it per reader;
- ``exact_keys``/``exact_rows``: an 8-byte key of ``type:value`` for every entry of a
  type matched exactly, sorted, with its row (a look-up is a binary search plus a
  check of the value, so a key collision never makes a false match);
- ``indexes``: each indexed type's index (PDQ's, vPDQ's, a plugin's), built from the
  same change feed the matcher follows and saved as bytes;
- ``lists``: the lists' thresholds, per type.

``SnapshotMatcher`` answers ``match(queries)`` exactly as ``Matcher.match`` does, so
the pipeline's match step (``pipeline.match.match_results``, and the video frame
matches it makes) runs unchanged on a worker. The snapshot is never rebuilt by a
worker: one ``ray.put``, one load per worker process.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brightline.core import signals
from brightline.core.models import HashList, Match
from brightline.core.signals import IndexHit, SignalIndex, SignalType
from brightline.errors import NotFoundError
from brightline.services.lists.matching import Query, _build, change_feed
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store.snapshot import active_entry_rows

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

_BATCH = 100_000
_COLUMNS = ("id", "list_id", "signal_type", "value", "category", "source", "source_id")


@dataclass
class Snapshot:
    lists: dict[int, HashList]
    list_ids: tuple[int, ...] | None
    entries: pa.Table
    exact_keys: np.ndarray[Any, Any]
    exact_rows: np.ndarray[Any, Any]
    #: Saved index files as uint8 arrays: read in place from the object store (plain
    #: ``bytes`` would be copied into every worker).
    indexes: dict[str, np.ndarray[Any, Any]] = field(default_factory=dict)
    #: Names this snapshot's index files on each node (``index_folder``).
    key: str = field(default_factory=lambda: secrets.token_hex(8))

    def __len__(self) -> int:
        return int(self.entries.num_rows)

    @property
    def nbytes(self) -> int:
        """What it takes in the object store (and in a worker's memory, roughly)."""
        index_bytes = sum(int(b.nbytes) for b in self.indexes.values())
        keys = int(self.exact_keys.nbytes + self.exact_rows.nbytes)
        return int(self.entries.nbytes) + keys + index_bytes


def index_folder(key: str) -> Path:
    """Where a node keeps a snapshot's index files: one copy per node, which every
    worker there maps (the PDQ index is memory-mapped), so a node holds the index
    once in its page cache however many workers it runs."""
    return Path(tempfile.gettempdir()) / f"brightline-batch-{key}"


def exact_key(signal_type: str, value: str) -> int:
    digest = hashlib.blake2b(f"{signal_type}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def resolve_lists(store: Store, list_names: Sequence[str] | None) -> tuple[int, ...] | None:
    """The ids of the named lists (None: every list); an unknown name is an error."""
    if not list_names:
        return None
    with store.connect() as conn:
        by_name = {hl.name: hl.id for hl in store_lists.list_settings(conn)}
    missing = [n for n in list_names if n not in by_name]
    if missing:
        raise NotFoundError(f"no list named {missing[0]!r}")
    return tuple(by_name[n] for n in list_names)


def build_snapshot(store: Store, list_names: Sequence[str] | None = None) -> Snapshot:
    """Read the chosen lists (every list when None) into a snapshot."""
    import numpy as np
    import pyarrow as pa

    list_ids = resolve_lists(store, list_names)
    indexed = _indexed_types()
    batches: list[pa.RecordBatch] = []
    keys: list[int] = []
    rows: list[int] = []
    with store.connect() as conn, conn.begin():  # one transaction: one consistent view
        lists = {hl.id: hl for hl in store_lists.list_settings(conn)}
        total = 0
        for chunk in _chunks(active_entry_rows(conn, list_ids)):
            columns = list(zip(*chunk, strict=True))
            for i, (signal_type, value) in enumerate(zip(columns[2], columns[3], strict=True)):
                if signal_type not in indexed:
                    keys.append(exact_key(signal_type, value))
                    rows.append(total + i)
            batches.append(_record_batch(columns))
            total += len(chunk)
        indexes = {name: _index_bytes(conn, signal) for name, signal in indexed.items()}
    table = pa.Table.from_batches(batches, schema=_schema()).combine_chunks()
    order = np.argsort(np.asarray(keys, np.uint64), kind="stable")
    return Snapshot(
        lists,
        list_ids,
        table,
        np.asarray(keys, np.uint64)[order],
        np.asarray(rows, np.int64)[order],
        indexes,
    )


def _indexed_types() -> dict[str, SignalType]:
    """The registered types matched through an index (as ``Matcher`` decides)."""
    return {s.name: s for s in signals.all_types() if not s.exact and s.build_index() is not None}


def _index_bytes(conn: Any, signal: SignalType) -> np.ndarray[Any, Any]:
    import numpy as np

    index = signal.build_index()
    assert index is not None
    _build(change_feed(conn, signal.name, 0), index)
    with tempfile.TemporaryDirectory(prefix="brightline-snapshot-") as tmp:
        path = Path(tmp) / f"{signal.name}.idx"
        index.save(path)
        return np.fromfile(path, np.uint8)


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _schema() -> pa.Schema:
    import pyarrow as pa

    text = pa.dictionary(pa.int32(), pa.string())
    return pa.schema(
        [
            ("id", pa.int64()),
            ("list_id", pa.int64()),
            ("signal_type", text),
            ("value", pa.string()),
            ("category", text),
            ("source", text),
            ("source_id", pa.string()),
        ]
    )


def _record_batch(columns: list[tuple[Any, ...]]) -> pa.RecordBatch:
    import pyarrow as pa

    schema = _schema()
    arrays = [pa.array(col, type=schema.field(i).type) for i, col in enumerate(columns)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class SnapshotMatcher:
    """``Matcher.match`` over a snapshot: same matches, same order, no database.

    ``list_names`` given to ``match`` are those the snapshot was built for (it holds
    nothing else), so they are not looked at again.
    """

    def __init__(self, snapshot: Snapshot):
        import numpy as np

        self.snapshot = snapshot
        self._ids = np.asarray(snapshot.entries.column("id").to_numpy())
        self._columns = {name: snapshot.entries.column(name) for name in _COLUMNS}
        self._indexes: dict[str, tuple[SignalType, SignalIndex]] = {}
        folder = index_folder(snapshot.key)
        folder.mkdir(mode=0o700, exist_ok=True)
        for name, data in snapshot.indexes.items():
            signal = signals.get(name)
            index = signal.build_index()
            assert index is not None
            path = folder / f"{name}.idx"
            if not path.is_file():  # the first worker of the node writes it
                tmp = folder / f".{name}.{os.getpid()}.tmp"
                data.tofile(tmp)
                os.replace(tmp, path)
            index.load(path)
            self._indexes[name] = (signal, index)

    def match(
        self,
        queries: Sequence[Query],
        list_names: Sequence[str] | None = None,
        groups: Sequence[int] | None = None,
    ) -> list[list[Match]]:
        # ``groups`` (which file each query belongs to) serves the live matcher's list
        # policies (negative lists, flood quarantine); a snapshot applies none of them.
        del groups
        results: list[list[Match]] = [[] for _ in queries]
        by_type: dict[str, list[int]] = {}
        for row, q in enumerate(queries):
            by_type.setdefault(q.signal_type, []).append(row)
        for signal_type, rows in by_type.items():
            typed = self._indexes.get(signal_type)
            if typed is None:
                self._match_exact(queries, rows, results)
            else:
                self._match_near(typed, queries, rows, results)
        for found in results:
            found.sort(key=lambda m: (m.distance, m.list_name, m.entry_id))
        return results

    def _match_exact(
        self, queries: Sequence[Query], rows: list[int], results: list[list[Match]]
    ) -> None:
        import numpy as np

        keys = self.snapshot.exact_keys
        for row in rows:
            q = queries[row]
            key = np.uint64(exact_key(q.signal_type, q.value))
            at = int(np.searchsorted(keys, key, side="left"))
            while at < len(keys) and keys[at] == key:
                entry_row = int(self.snapshot.exact_rows[at])
                if self._text("signal_type", entry_row) == q.signal_type and (
                    self._text("value", entry_row) == q.value
                ):
                    results[row].append(self._to_match(entry_row, 0))
                at += 1

    def _match_near(
        self,
        typed: tuple[SignalType, SignalIndex],
        queries: Sequence[Query],
        rows: list[int],
        results: list[list[Match]],
    ) -> None:
        signal, index = typed
        groups = [(queries[row].value, *queries[row].variants) for row in rows]
        found: list[list[IndexHit]] = index.search(groups, self._max_threshold(signal))
        for row, near in zip(rows, found, strict=True):
            for hit in near:
                entry_row = self._row_of(hit.entry_id)
                if entry_row is None:
                    continue  # an entry of another list, or no longer active
                hl = self._list(entry_row)
                if hit.distance <= hl.threshold_for(signal.name, signal.default_threshold):
                    results[row].append(self._to_match(entry_row, hit.distance, hit.extra))

    def _max_threshold(self, signal: SignalType) -> int:
        s = self.snapshot
        ids = s.list_ids
        wanted = s.lists.values() if ids is None else (s.lists[i] for i in ids if i in s.lists)
        return max(
            (hl.threshold_for(signal.name, signal.default_threshold) for hl in wanted),
            default=signal.default_threshold if ids is None else 0,
        )

    def _row_of(self, entry_id: int) -> int | None:
        import numpy as np

        at = int(np.searchsorted(self._ids, entry_id))
        if at < len(self._ids) and int(self._ids[at]) == entry_id:
            return at
        return None

    def _text(self, column: str, row: int) -> Any:
        return self._columns[column][row].as_py()

    def _list(self, row: int) -> HashList:
        return self.snapshot.lists[int(self._text("list_id", row))]

    def _to_match(self, row: int, distance: int, extra: Any = None) -> Match:
        hl = self._list(row)
        return Match(
            list_name=hl.name,
            list_id=hl.id,
            entry_id=int(self._text("id", row)),
            signal_type=self._text("signal_type", row),
            value=self._text("value", row),
            distance=distance,
            category=self._text("category", row),
            scheme=hl.scheme,
            source=self._text("source", row),
            source_id=self._text("source_id", row),
            extra=dict(extra) if extra else {},
        )
