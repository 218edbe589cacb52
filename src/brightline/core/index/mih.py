"""Exact Hamming-radius search over PDQ hashes by multi-index hashing (MIH).

Design
------
Split the 256 bits into m chunks. If two hashes differ in at most r bits and the
per-chunk thresholds t_k satisfy sum(t_k + 1) > r, they differ in at most t_k bits on
some chunk k (the general pigeonhole principle; t_k = -1 skips chunk k). A query probes,
in each table, the buckets within t_k bit flips of its chunk and checks the rows found
there against the full hash. Nothing is approximate: every row within r is found, and
each is reported once because a row found through table k counts only when no earlier
table reaches it.

The 16 x 16-bit layout (faiss's MultiHash as HMA uses it) needs ~41,000 candidate
checks per radius-31 query at 10 M rows (153 rows per bucket x 272 buckets). Here the
chunk width follows the segment size instead (about log2(n) - 1 bits, so ~2 rows per
bucket): at 10 M, 12 chunks of 21-22 bits with thresholds planned per query need ~7,000
checks and ~2,000 bucket probes. Each check is a random 32-byte read, so the cost is
memory latency; the C kernel collects candidates and prefetches ahead to keep many
reads in flight, which Python (or numpy gathers) cannot do at this grain. That is why
the kernel is native.
For large radii, where probing would touch more rows than a scan, a segment is scanned
flat instead; the planner decides per query from the segment's size.

Updates follow a log-structured merge: rows are immutable segments (rows sorted by
chunk 0, so table 0 needs no postings; 3-byte postings for the other tables), plus a
small unindexed tail that is scanned flat. A full tail becomes a segment; a segment is
merged with the next older one while that is at most ``merge_factor`` times its size,
so adding rows never rebuilds the big base segment until the newer segments add up to
a good fraction of it. Removal sets a bit in the segment's dead bitmap, checked when a
candidate is verified, so it takes effect at once; a segment more than half dead is
rebuilt from its live rows. ``save`` writes one file (``mih_file``) whose arrays are
page aligned; ``load`` memory-maps it, so loading costs a validation pass, not a build.

At 10 M rows the index holds ~80 bytes per hash: the hash (32), 11 x 3-byte postings
(33), directories (~7), ids as uint32 offsets and their sort order (8). Figures and the
physical limits are in docs/benchmarks.md, section "PDQ index (issue 3)".
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import numpy as np
import numpy.typing as npt

from brightline.core.index import _mih, mih_file, mih_segment
from brightline.core.index.base import HASH_BYTES, HashRows, Hits, Ids, as_rows
from brightline.core.index.mih_segment import Segment
from brightline.errors import IndexCorruptError

_FORMAT = "brightline-mih-1"


class MihIndex:
    """Exact radius search over 256-bit hashes; see the module docstring.

    ``tail_rows``: rows kept unindexed (scanned flat) before they become a segment.
    ``merge_factor``: a segment absorbs newer ones while it is at most this many times
    their size; larger means fewer merges and more segments to probe.
    ``min_indexed_rows``: smaller segments get no tables (a scan is as fast).
    ``always_probe``: use the tables even where a scan is estimated cheaper, so tests
    exercise them on small data.

    Searches release the GIL, so threads can search at once; a thread that adds or
    removes needs the others to wait (segments are swapped as it merges).
    """

    def __init__(
        self,
        *,
        tail_rows: int = 4096,
        merge_factor: int = 4,
        min_indexed_rows: int = mih_segment.MIN_INDEXED_ROWS,
        always_probe: bool = False,
    ) -> None:
        if tail_rows < 1 or merge_factor < 1 or min_indexed_rows < 1:
            raise ValueError("tail_rows, merge_factor and min_indexed_rows must be positive")
        self._tail_rows = tail_rows
        self._merge_factor = merge_factor
        self._min_indexed_rows = min_indexed_rows
        self._always_probe = always_probe
        self._segments: list[Segment] = []
        self._tail_ids: Ids = np.empty(0, np.int64)
        self._tail_hashes: HashRows = np.empty((0, HASH_BYTES), np.uint8)

    def __len__(self) -> int:
        return sum(s.live for s in self._segments) + len(self._tail_ids)

    @property
    def segment_sizes(self) -> list[int]:
        """Rows per segment, oldest first, then the tail (for tests and benchmarks)."""
        return [s.n for s in self._segments] + [len(self._tail_ids)]

    def nbytes(self) -> int:
        """Bytes of every array the index holds (its analytical size)."""
        tail = self._tail_ids.nbytes + self._tail_hashes.nbytes
        return sum(s.nbytes() for s in self._segments) + tail

    # -- updates ---------------------------------------------------------------------

    def add(self, ids: Ids, hashes: HashRows) -> None:
        ids = np.asarray(ids, np.int64).reshape(-1)
        rows = as_rows(hashes)
        if len(ids) != len(rows):
            raise ValueError("ids and hashes differ in length")
        # Last write wins for duplicate ids within one call.
        _, last = np.unique(ids[::-1], return_index=True)
        keep = np.sort(len(ids) - 1 - last)
        ids, rows = ids[keep], rows[keep]
        self.remove(ids)
        self._tail_ids = np.concatenate([self._tail_ids, ids])
        self._tail_hashes = np.concatenate([self._tail_hashes, rows])
        if len(self._tail_ids) >= self._tail_rows:
            self._seal_tail()

    def remove(self, ids: Ids) -> None:
        ids = np.asarray(ids, np.int64).reshape(-1)
        if not len(ids):
            return
        if len(self._tail_ids):
            keep = ~np.isin(self._tail_ids, ids)
            self._tail_ids, self._tail_hashes = self._tail_ids[keep], self._tail_hashes[keep]
        for i, seg in enumerate(self._segments):
            if seg.kill(seg.find(ids)) and seg.live * 2 < seg.n:
                self._segments[i] = self._rebuilt(seg)
        self._segments = [s for s in self._segments if s.live]

    def compact(self) -> None:
        """Merge everything into one segment with no dead rows."""
        self._seal_tail()
        while len(self._segments) > 1:
            self._merge_last_two()
        if self._segments and self._segments[0].live < self._segments[0].n:
            self._segments[0] = self._rebuilt(self._segments[0])

    def _seal_tail(self) -> None:
        if len(self._tail_ids):
            self._segments.append(self._build(self._tail_ids, self._tail_hashes))
            self._tail_ids = np.empty(0, np.int64)
            self._tail_hashes = np.empty((0, HASH_BYTES), np.uint8)
        segs = self._segments
        while len(segs) > 1 and segs[-2].live <= self._merge_factor * segs[-1].live:
            self._merge_last_two()

    def _merge_last_two(self) -> None:
        older, newer = self._segments[-2], self._segments[-1]
        ids = np.concatenate([older.live_ids(), newer.live_ids()])
        rows = np.concatenate([older.hashes[older.alive()], newer.hashes[newer.alive()]])
        self._segments[-2:] = [self._build(ids, rows)]

    def _rebuilt(self, seg: Segment) -> Segment:
        return self._build(seg.live_ids(), seg.hashes[seg.alive()])

    def _build(self, ids: Ids, rows: HashRows) -> Segment:
        return mih_segment.build(ids, rows, self._min_indexed_rows)

    # -- search ----------------------------------------------------------------------

    def search(self, queries: HashRows, radius: int) -> Hits:
        rows = as_rows(queries)
        radius = min(int(radius), HASH_BYTES * 8)
        if radius < 0 or not len(rows):
            return Hits.empty()
        parts = [self._search_segment(seg, rows, radius) for seg in self._segments]
        if len(self._tail_ids):
            q, row, dist = _decode(_mih.scan(self._tail_hashes, rows, radius))
            parts.append((q, self._tail_ids[row], dist))
        parts = [p for p in parts if len(p[0])]
        if not parts:
            return Hits.empty()
        if len(parts) == 1:
            return Hits(*parts[0])
        q = np.concatenate([p[0] for p in parts])
        order = np.argsort(q, kind="stable")
        ids = np.concatenate([p[1] for p in parts])[order]
        dist = np.concatenate([p[2] for p in parts])[order]
        return Hits(q[order], ids, dist)

    def search_one(
        self, query: bytes | npt.NDArray[np.uint8], radius: int
    ) -> list[tuple[int, int]]:
        """``[(id, distance), …]`` within ``radius`` of one hash (32 bytes).

        Same results as ``search`` on one row, without building ``Hits``: for callers
        that match one hash at a time and care about latency.
        """
        raw = np.frombuffer(query, np.uint8) if isinstance(query, bytes) else np.asarray(query)
        row = as_rows(raw.reshape(1, -1))
        radius = min(int(radius), HASH_BYTES * 8)
        if radius < 0:
            return []
        out: list[tuple[int, int]] = []
        for seg in self._segments:
            _, rows, dist = seg.native.search(row, radius, self._always_probe)
            if rows:
                found = seg.id_of(np.frombuffer(rows, np.int64)).tolist()
                out += zip(found, np.frombuffer(dist, np.int32).tolist(), strict=True)
        if len(self._tail_ids):
            _, rows, dist = _mih.scan(self._tail_hashes, row, radius)
            found = self._tail_ids[np.frombuffer(rows, np.int64)].tolist()
            out += zip(found, np.frombuffer(dist, np.int32).tolist(), strict=True)
        return out

    def probe_stats(self, queries: HashRows, radius: int) -> tuple[int, int]:
        """(bucket probes, candidate checks) a search makes, summed over the queries.

        A flat-scanned segment or tail counts every row as a candidate check.
        """
        rows = as_rows(queries)
        probes, checks = 0, len(self._tail_ids) * len(rows)
        for seg in self._segments:
            p, c, _ = seg.native.probe_stats(rows, min(int(radius), HASH_BYTES * 8))
            probes, checks = probes + p, checks + c
        return probes, checks

    def _search_segment(self, seg: Segment, rows: HashRows, radius: int) -> _Part:
        q, row, dist = _decode(seg.native.search(rows, radius, self._always_probe))
        return q, seg.id_of(row), dist

    # -- persistence -----------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write atomically; the tail is sealed into a segment first."""
        self._seal_tail()
        arrays: mih_segment.Arrays = {}
        metas = []
        for i, seg in enumerate(self._segments):
            arrays.update(seg.arrays(f"s{i}."))
            metas.append(seg.meta())
        meta = {"format": _FORMAT, "settings": self._settings(), "segments": metas}
        mih_file.write(Path(path), meta, arrays)

    @classmethod
    def load(cls, path: Path, *, mmap: bool = True) -> Self:
        """Open a saved index; ``mmap=False`` reads it into memory instead of mapping.

        Raises IndexCorruptError when the file cannot be trusted.
        """
        try:
            meta, arrays = mih_file.read(Path(path), mmap=mmap)
            if meta.get("format") != _FORMAT:
                raise ValueError(f"unknown index format {meta.get('format')!r}")
            settings, seg_metas = meta["settings"], meta["segments"]
            if not isinstance(settings, dict) or not isinstance(seg_metas, list):
                raise ValueError("index header is malformed")
            index = cls(**settings)
            for i, seg_meta in enumerate(seg_metas):
                if not isinstance(seg_meta, dict):
                    raise ValueError("segment entry is malformed")
                index._segments.append(mih_segment.restore(seg_meta, arrays, f"s{i}."))
        except (OSError, ValueError, KeyError, TypeError, OverflowError) as exc:
            raise IndexCorruptError(f"cannot load index {path}: {exc}") from exc
        return index

    def _settings(self) -> dict[str, int | bool]:
        return {
            "tail_rows": self._tail_rows,
            "merge_factor": self._merge_factor,
            "min_indexed_rows": self._min_indexed_rows,
            "always_probe": self._always_probe,
        }


_Part = tuple[npt.NDArray[np.int64], Ids, npt.NDArray[np.int32]]


def _decode(raw: tuple[bytes, bytes, bytes]) -> _Part:
    q, row, dist = raw
    return np.frombuffer(q, np.int64), np.frombuffer(row, np.int64), np.frombuffer(dist, np.int32)
