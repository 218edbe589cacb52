"""A ``SignalIndex`` over 256-bit hashes written as 64 hex digits (PDQ).

It adapts an ``Index`` of uint8 rows (``default_index()``: ``MihIndex``; ``BruteForceIndex``
as the oracle) to the signal-level seam the matcher uses: values in hex, queries as
groups (a hash and its rotations) answered with each entry's best distance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from brightline.core import index as core_index
from brightline.core.index.base import Index, hex_to_rows
from brightline.core.signals.base import IndexHit


def _default() -> Index:
    return core_index.default_index()  # looked up at each call: benchmarks swap it


class HammingIndex:
    """Entry id -> 256-bit hash, searched by Hamming radius."""

    def __init__(self, factory: Callable[[], Index] = _default) -> None:
        self._factory = factory
        self._index: Index = factory()

    @property
    def rows(self) -> Index:
        """The row index underneath (for benchmarks and tests)."""
        return self._index

    def __len__(self) -> int:
        return len(self._index)

    def add(self, ids: Sequence[int], values: Sequence[str]) -> None:
        if len(ids):
            self._index.add(np.asarray(ids, np.int64), hex_to_rows(list(values)))

    def bulk_load(self, batches: Iterable[tuple[Sequence[int], Sequence[str]]]) -> None:
        """Add every batch in one build (batches become compact rows as they come)."""
        ids: list[np.ndarray] = []
        rows: list[np.ndarray] = []
        for batch_ids, values in batches:
            ids.append(np.asarray(batch_ids, np.int64))
            rows.append(hex_to_rows(list(values)))
        if ids:
            self._index.add(np.concatenate(ids), np.concatenate(rows))

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids):
            self._index.remove(np.asarray(ids, np.int64))

    def search(self, queries: Sequence[Sequence[str]], threshold: int) -> list[list[IndexHit]]:
        owners: list[int] = []
        values: list[str] = []
        for row, group in enumerate(queries):
            owners.extend([row] * len(group))
            values.extend(group)
        out: list[list[IndexHit]] = [[] for _ in queries]
        if not values:
            return out
        hits = self._index.search(hex_to_rows(values), threshold)
        best: dict[tuple[int, int], int] = {}
        for q, entry_id, dist in zip(
            hits.query.tolist(), hits.ids.tolist(), hits.distances.tolist(), strict=True
        ):
            key = (owners[q], entry_id)
            best[key] = min(dist, best.get(key, dist))
        for (row, entry_id), dist in best.items():
            out[row].append(IndexHit(entry_id, dist))
        return out

    def save(self, path: Path) -> None:
        self._index.save(path)

    def load(self, path: Path) -> None:
        self._index = type(self._index).load(path)
