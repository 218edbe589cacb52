"""The Index protocol and the result type every index returns."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Self

import numpy as np
import numpy.typing as npt

#: Bytes in a PDQ hash.
HASH_BYTES = 32

HashRows = npt.NDArray[np.uint8]  # shape (n, 32), byte 0 = most significant bits
Ids = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Hits:
    """Search results as parallel arrays, grouped by query (``query`` ascending).

    ``query[i]`` is the row of the query that matched id ``ids[i]`` at ``distances[i]``.
    """

    query: npt.NDArray[np.int64]
    ids: Ids
    distances: npt.NDArray[np.int32]

    @classmethod
    def empty(cls) -> Hits:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32))

    def __len__(self) -> int:
        return len(self.ids)

    def for_query(self, row: int) -> list[tuple[int, int]]:
        """``[(id, distance), …]`` for one query row."""
        lo, hi = np.searchsorted(self.query, [row, row + 1])
        return list(zip(self.ids[lo:hi].tolist(), self.distances[lo:hi].tolist(), strict=True))

    def as_sets(self, n_queries: int) -> list[set[tuple[int, int]]]:
        """One set of ``(id, distance)`` per query: handy for comparing indexes."""
        out: list[set[tuple[int, int]]] = [set() for _ in range(n_queries)]
        for q, i, d in zip(
            self.query.tolist(), self.ids.tolist(), self.distances.tolist(), strict=True
        ):
            out[q].add((i, d))
        return out


class Index(Protocol):
    """A mutable set of ``(id, 256-bit hash)`` pairs searchable by Hamming radius.

    - ``add`` with an id already present replaces its hash.
    - ``remove`` of an absent id is a no-op.
    - ``search`` returns every pair within ``radius`` (inclusive) of each query: no misses.
    """

    def add(self, ids: Ids, hashes: HashRows) -> None: ...

    def remove(self, ids: Ids) -> None: ...

    def search(self, queries: HashRows, radius: int) -> Hits: ...

    def __len__(self) -> int: ...

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename) so readers never see half a file."""
        ...

    @classmethod
    def load(cls, path: Path) -> Self:
        """Raises IndexCorruptError when the file cannot be trusted."""
        ...


def temp_path(path: Path) -> Path:
    """A private temporary name beside ``path``: concurrent writers (several CLI
    commands, server workers) never write into each other's file before the rename."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def hex_to_rows(values: list[str]) -> HashRows:
    """64-hex-digit PDQ strings to an ``(n, 32)`` uint8 array."""
    if not values:
        return np.empty((0, HASH_BYTES), np.uint8)
    joined = bytes.fromhex("".join(values))
    return np.frombuffer(joined, np.uint8).reshape(len(values), HASH_BYTES).copy()


def rows_to_hex(rows: HashRows) -> list[str]:
    return [bytes(row).hex() for row in np.asarray(rows, np.uint8)]


def as_rows(hashes: HashRows) -> HashRows:
    rows = np.ascontiguousarray(hashes, dtype=np.uint8)
    if rows.ndim != 2 or rows.shape[1] != HASH_BYTES:
        raise ValueError(f"hashes must have shape (n, {HASH_BYTES}), got {rows.shape}")
    return rows
