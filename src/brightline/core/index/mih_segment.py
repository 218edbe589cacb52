"""One immutable multi-index-hashing segment: its layout, build, id lookup and checks.

A segment of ``n`` rows stores:

- ``hashes``: the rows, sorted by chunk 0, so table 0 needs no postings;
- ``ids``: int64, or uint32 offsets from ``id_base`` when the ids span less than 2^32;
- ``order``: uint32 row numbers sorting ``ids``, for id lookups by binary search;
- ``dead``: a bitmap of removed rows (the only mutable part);
- per chunk k, a ``Table``: its directory, offset(b) = hi[b >> shift] + lo[b] for
  bucket b in 0 .. 2^width (uint32 hi per 64 buckets, uint16 lo per bucket: 2.06 bytes a
  bucket instead of 4), and for k >= 1 its postings (row numbers packed in 3 bytes when
  ``n`` < 2^24, else 4, plus one spare byte).

Chunks tile the 256 bits; their width is about log2(n) - 1 bits so a bucket holds about
two rows, which keeps candidate checks per query near the minimum for the directory
memory spent (see docs/benchmarks.md for the trade-off).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from brightline.core.index import _mih
from brightline.core.index.base import HASH_BYTES, HashRows, Ids

#: Below this many rows a segment has no tables by default: a scan is as fast as probing.
MIN_INDEXED_ROWS = 1024

Arrays = dict[str, npt.NDArray[np.generic]]

#: Buckets per directory block: the uint16 parts count rows from the block's start.
_BLOCK_SHIFT = 6


def chunk_layout(
    n: int, min_rows: int = MIN_INDEXED_ROWS
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(offsets, widths) of the chunks for a segment of ``n`` rows; empty when flat."""
    if n < max(1, min_rows):
        return (), ()
    width = min(24, max(9, round(math.log2(n)) - 1))
    m = -(-256 // width)
    base, wider = divmod(256, m)
    widths = tuple(base + 1 if k < wider else base for k in range(m))
    offsets = tuple(int(x) for x in np.cumsum((0, *widths[:-1])))
    return offsets, widths


@dataclass(frozen=True, eq=False)
class Table:
    """One chunk's directory and postings (table 0 has no postings)."""

    offset: int
    width: int
    shift: int
    dir_hi: npt.NDArray[np.uint32]
    dir_lo: npt.NDArray[np.uint16]
    posts: npt.NDArray[np.uint8]

    @classmethod
    def from_offsets(
        cls, offset: int, width: int, full: npt.NDArray[np.uint32], posts: npt.NDArray[np.uint8]
    ) -> Table:
        """Split a full directory; a block holding 65536+ rows keeps every offset in hi."""
        for shift in (_BLOCK_SHIFT, 0):
            hi = full[:: 1 << shift].copy()
            lo = full - np.repeat(hi, 1 << shift)[: len(full)]
            if int(lo.max()) <= 0xFFFF:
                return cls(offset, width, shift, hi, lo.astype(np.uint16), posts)
        raise AssertionError("unreachable: shift 0 leaves lo all zero")

    def arrays(self) -> list[np.ndarray]:
        return [self.dir_hi, self.dir_lo, self.posts]


@dataclass(eq=False)
class Segment:
    """Rows and tables of one segment; ``native`` searches them in C."""

    hashes: HashRows
    ids: npt.NDArray[np.int64] | npt.NDArray[np.uint32]
    id_base: int
    order: npt.NDArray[np.uint32]
    dead: npt.NDArray[np.uint8]
    tables: list[Table]
    live: int = -1
    native: _mih.Segment = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.hashes)
        if self.live < 0:
            self.live = n - int(np.unpackbits(self.dead, bitorder="little")[:n].sum())
        t = self.tables
        self.native = _mih.Segment(
            n,
            tuple(x.offset for x in t),
            self.widths,
            tuple(x.shift for x in t),
            self.pbytes,
            self.hashes,
            self.dead,
            tuple(x.dir_hi for x in t),
            tuple(x.dir_lo for x in t),
            tuple(x.posts for x in t),
        )

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(x.width for x in self.tables)

    @property
    def n(self) -> int:
        return len(self.hashes)

    @property
    def pbytes(self) -> int:
        return 3 if self.n <= 0xFFFFFF else 4

    def id_of(self, rows: npt.NDArray[np.int64]) -> Ids:
        return self.ids[rows].astype(np.int64) + self.id_base

    def live_ids(self) -> Ids:
        return self.id_of(np.flatnonzero(self.alive()))

    def alive(self) -> npt.NDArray[np.bool_]:
        bits = np.unpackbits(self.dead, bitorder="little", count=self.n)
        return ~bits.astype(np.bool_)

    def find(self, ids: Ids) -> npt.NDArray[np.int64]:
        """Row of each id in this segment, or -1 (dead rows are still found)."""
        wide = self.ids.dtype == np.int64
        keys = np.ascontiguousarray(ids, np.int64)
        rows = _mih.lookup(self.ids, wide, self.id_base, self.order, keys)
        return np.frombuffer(rows, np.int64)

    def kill(self, rows: npt.NDArray[np.int64]) -> int:
        """Mark rows removed; returns how many were alive."""
        rows = np.unique(rows[rows >= 0])
        if not len(rows):
            return 0
        was_alive = ((self.dead[rows >> 3] >> (rows & 7)) & 1) == 0
        rows = rows[was_alive]
        np.bitwise_or.at(self.dead, rows >> 3, (1 << (rows & 7)).astype(np.uint8))
        self.live -= len(rows)
        return len(rows)

    def nbytes(self) -> int:
        parts = [self.hashes, self.ids, self.order, self.dead]
        parts += [a for t in self.tables for a in t.arrays()]
        return sum(int(a.nbytes) for a in parts)

    def arrays(self, prefix: str) -> Arrays:
        out: Arrays = {
            f"{prefix}hashes": self.hashes.reshape(-1),
            f"{prefix}ids": self.ids,
            f"{prefix}order": self.order,
            f"{prefix}dead": self.dead,
        }
        for k, t in enumerate(self.tables):
            out[f"{prefix}dirhi{k}"] = t.dir_hi
            out[f"{prefix}dirlo{k}"] = t.dir_lo
            out[f"{prefix}post{k}"] = t.posts
        return out

    def meta(self) -> dict[str, object]:
        return {
            "n": self.n,
            "id_base": self.id_base,
            "widths": list(self.widths),
            "shifts": [t.shift for t in self.tables],
        }


def build(ids: Ids, hashes: HashRows, min_rows: int = MIN_INDEXED_ROWS) -> Segment:
    """Index rows (ids unique) into a new segment; below ``min_rows`` it has no tables."""
    n = len(ids)
    offsets, widths = chunk_layout(n, min_rows)
    pbytes = 3 if n <= 0xFFFFFF else 4
    tables: list[Table] = []
    perm = np.arange(n, dtype=np.uint32)
    if widths:
        dir0 = np.empty((1 << widths[0]) + 1, np.uint32)
        _mih.build_table(hashes, 0, widths[0], dir0, perm, 4)
        hashes = hashes[perm]
        tables.append(Table.from_offsets(0, widths[0], dir0, np.empty(0, np.uint8)))
        for off, width in zip(offsets[1:], widths[1:], strict=True):
            d = np.empty((1 << width) + 1, np.uint32)
            p = np.empty(n * pbytes + (pbytes == 3), np.uint8)
            _mih.build_table(hashes, off, width, d, p, pbytes)
            tables.append(Table.from_offsets(off, width, d, p))
    stored, id_base = compact_ids(ids[perm])
    if np.all(ids[1:] > ids[:-1]):
        # Ids arrived sorted (a bulk load in id order): the order is perm inverted.
        order = np.empty(n, np.uint32)
        order[perm] = np.arange(n, dtype=np.uint32)
    else:
        order = np.argsort(stored, kind="stable").astype(np.uint32)
    return Segment(
        np.ascontiguousarray(hashes),
        stored,
        id_base,
        order,
        np.zeros((n + 7) // 8, np.uint8),
        tables,
        live=n,
    )


def compact_ids(ids: Ids) -> tuple[npt.NDArray[np.int64] | npt.NDArray[np.uint32], int]:
    """uint32 offsets from the smallest id when they fit (typical database ids)."""
    if not len(ids):
        return np.empty(0, np.uint32), 0
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo < 1 << 32:
        return (ids - lo).astype(np.uint32), lo
    return np.ascontiguousarray(ids, np.int64), 0


def restore(meta: Mapping[str, object], arrays: Mapping[str, np.ndarray], prefix: str) -> Segment:
    """Rebuild a segment from saved arrays; raises ValueError/KeyError when they disagree."""
    n = _int(meta["n"])
    widths = tuple(_int(x) for x in _list(meta["widths"]))
    shifts = [_int(x) for x in _list(meta["shifts"])]
    offsets, expected = chunk_layout(n, 1)
    if (widths and widths != expected) or len(shifts) != len(widths):
        raise ValueError("chunk layout does not match the row count")
    hashes = _typed(arrays[f"{prefix}hashes"], np.uint8).reshape(-1, HASH_BYTES)
    raw_ids = arrays[f"{prefix}ids"]
    ids = _typed(raw_ids, np.int64 if raw_ids.dtype == np.int64 else np.uint32)
    order = _typed(arrays[f"{prefix}order"], np.uint32)
    dead = np.array(_typed(arrays[f"{prefix}dead"], np.uint8))  # writable copy
    if len(hashes) != n or len(ids) != n or len(order) != n:
        raise ValueError("array lengths do not match the row count")
    pbytes = 3 if n <= 0xFFFFFF else 4
    tables = []
    for k, (width, shift) in enumerate(zip(widths, shifts, strict=True)):
        hi = _typed(arrays[f"{prefix}dirhi{k}"], np.uint32)
        lo = _typed(arrays[f"{prefix}dirlo{k}"], np.uint16)
        posts = _typed(arrays[f"{prefix}post{k}"], np.uint8)
        if len(lo) != (1 << width) + 1 or not _mih.check_table(
            n, hi, lo, shift, posts, pbytes if k else 0
        ):
            raise ValueError(f"table {k} is inconsistent")
        tables.append(Table(offsets[k], width, shift, hi, lo, posts))
    if n and int(order.max()) >= n:
        raise ValueError("id order names rows past the end")
    id_base = _int(meta["id_base"])
    top = id_base + (int(ids.max()) if n and ids.dtype == np.uint32 else 0)
    if not -(2**63) <= id_base <= top < 2**63:
        raise ValueError("ids fall outside int64")
    return Segment(hashes, ids, id_base, order, dead, tables)


def _typed(a: np.ndarray, dtype: type[np.generic]) -> np.ndarray:
    if a.dtype != dtype or a.ndim != 1:
        raise ValueError(f"expected a flat {np.dtype(dtype).name} array, got {a.dtype}")
    return a


def _int(x: object) -> int:
    if not isinstance(x, int) or isinstance(x, bool):
        raise ValueError(f"expected an integer, got {x!r}")
    return x


def _list(x: object) -> list[object]:
    if not isinstance(x, list):
        raise ValueError(f"expected a list, got {x!r}")
    return x
