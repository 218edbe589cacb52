"""Brute-force index: a flat scan. Exact by construction; the oracle for fast indexes."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Self

import numpy as np

from brightline.core.index.base import HASH_BYTES, HashRows, Hits, Ids, as_rows, temp_path
from brightline.errors import IndexCorruptError

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def hamming(queries: HashRows, hashes: HashRows) -> np.ndarray:
    """Distances between every query and every hash, shape (len(queries), len(hashes))."""
    xor = np.bitwise_xor(queries[:, None, :], hashes[None, :, :])
    distances: np.ndarray = _POPCOUNT[xor].sum(axis=2, dtype=np.int32)
    return distances


class BruteForceIndex:
    """Keeps ids and hashes in two arrays; search scans all of them."""

    def __init__(self) -> None:
        self._ids: Ids = np.empty(0, np.int64)
        self._hashes: HashRows = np.empty((0, HASH_BYTES), np.uint8)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: Ids, hashes: HashRows) -> None:
        ids = np.asarray(ids, np.int64)
        rows = as_rows(hashes)
        if len(ids) != len(rows):
            raise ValueError("ids and hashes differ in length")
        # Last write wins for duplicate ids within one call.
        _, last = np.unique(ids[::-1], return_index=True)
        keep = len(ids) - 1 - last
        ids, rows = ids[keep], rows[keep]
        self.remove(ids)
        self._ids = np.concatenate([self._ids, ids])
        self._hashes = np.concatenate([self._hashes, rows])

    def remove(self, ids: Ids) -> None:
        if len(self._ids) and len(ids):
            keep = ~np.isin(self._ids, np.asarray(ids, np.int64))
            self._ids, self._hashes = self._ids[keep], self._hashes[keep]

    def search(self, queries: HashRows, radius: int) -> Hits:
        rows = as_rows(queries)
        parts_q, parts_i, parts_d = [], [], []
        for start in range(0, len(rows), 64):
            dist = hamming(rows[start : start + 64], self._hashes)
            q, col = np.nonzero(dist <= radius)
            parts_q.append(q.astype(np.int64) + start)
            parts_i.append(self._ids[col])
            parts_d.append(dist[q, col].astype(np.int32))
        if not parts_q:
            return Hits.empty()
        return Hits(np.concatenate(parts_q), np.concatenate(parts_i), np.concatenate(parts_d))

    def save(self, path: Path) -> None:
        tmp = temp_path(path)
        with open(tmp, "wb") as fh:
            np.savez(fh, ids=self._ids, hashes=self._hashes)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Self:
        try:
            with np.load(path) as data:
                ids, hashes = data["ids"], data["hashes"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise IndexCorruptError(f"cannot load index {path}: {exc}") from exc
        index = cls()
        index._ids = ids.astype(np.int64)
        index._hashes = as_rows(hashes)
        return index
