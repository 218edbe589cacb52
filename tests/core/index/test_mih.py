"""MihIndex specifics: chunk layout, the search planner, segments, and file checks.

The behaviour every index shares is in test_contract.py; here the tables are big
enough that the default planner probes them instead of scanning.
"""

from __future__ import annotations

import itertools
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from brightline.core.index import BruteForceIndex, MihIndex, mih_segment
from brightline.errors import IndexCorruptError


def near_duplicates(rng: np.random.Generator, rows: np.ndarray, max_flips: int) -> np.ndarray:
    out = rows.copy()
    for row in out:
        bits = rng.choice(256, int(rng.integers(0, max_flips + 1)), replace=False)
        np.bitwise_xor.at(row, bits // 8, (1 << (bits % 8)).astype(np.uint8))
    return out


@pytest.fixture(scope="module")
def dataset() -> tuple[np.ndarray, np.ndarray]:
    """20,000 rows (random plus tight clusters) and 120 queries near and far."""
    rng = np.random.default_rng(11)
    random_rows = rng.integers(0, 256, (14_000, 32), dtype=np.uint8)
    centers = rng.integers(0, 256, (30, 32), dtype=np.uint8)
    clustered = near_duplicates(rng, centers[rng.integers(0, 30, 6_000)], 24)
    data = np.concatenate([random_rows, clustered])
    queries = np.concatenate(
        [
            near_duplicates(rng, data[rng.integers(0, len(data), 80)], 40),
            rng.integers(0, 256, (40, 32), dtype=np.uint8),
        ]
    )
    return data, queries


def test_layout_tiles_the_hash() -> None:
    for n in [1, 5, 1000, 4096, 50_000, 1_000_000, 10_000_000, 200_000_000]:
        offsets, widths = mih_segment.chunk_layout(n, 1)
        assert sum(widths) == 256 and len(widths) <= 32
        assert offsets == tuple(int(x) for x in np.cumsum((0, *widths[:-1])))
        assert max(widths) - min(widths) <= 1
    assert mih_segment.chunk_layout(10_000_000)[1] == (22,) * 4 + (21,) * 8


def test_plan_meets_the_pigeonhole_bound(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    data, _ = dataset
    seg = mih_segment.build(np.arange(len(data)), data)
    for radius in range(0, 257):
        plan = seg.native.plan(radius)
        if plan is None:
            continue
        assert sum(t + 1 for t in plan) >= radius + 1
        assert all(-1 <= t <= w // 2 for t, w in zip(plan, seg.widths, strict=True))
    assert seg.native.plan(31) is not None, "radius 31 must probe at this size"


@pytest.mark.parametrize("radius", [0, 8, 31, 32, 47, 63, 100])
def test_probing_matches_brute_force(dataset: tuple[np.ndarray, np.ndarray], radius: int) -> None:
    data, queries = dataset
    ids = np.arange(len(data), dtype=np.int64) * 7 + 3
    mih, brute = MihIndex(), BruteForceIndex()
    mih.add(ids, data)
    brute.add(ids, data)
    got = mih.search(queries, radius)
    assert got.as_sets(len(queries)) == brute.search(queries, radius).as_sets(len(queries))
    assert len(set(zip(got.query.tolist(), got.ids.tolist(), strict=True))) == len(got)
    one = mih.search_one(bytes(queries[0]), radius)
    assert set(one) == got.as_sets(len(queries))[0]


def test_incremental_adds_form_geometric_segments(dataset: tuple[np.ndarray, np.ndarray]) -> None:
    data, queries = dataset
    mih, brute = MihIndex(tail_rows=500, merge_factor=3), BruteForceIndex()
    for start in range(0, len(data), 1700):
        ids = np.arange(start, min(start + 1700, len(data)))
        mih.add(ids, data[ids])
        brute.add(ids, data[ids])
        sizes = mih.segment_sizes[:-1]
        assert all(old > 3 * new for old, new in itertools.pairwise(sizes))
    doomed = np.arange(0, len(data), 3)
    mih.remove(doomed)
    brute.remove(doomed)
    assert len(mih) == len(brute)
    for radius in (31, 63):
        expected = brute.search(queries, radius).as_sets(len(queries))
        assert mih.search(queries, radius).as_sets(len(queries)) == expected
    mih.compact()
    assert mih.segment_sizes == [len(brute), 0]
    assert mih.search(queries, 31).as_sets(len(queries)) == brute.search(queries, 31).as_sets(
        len(queries)
    )


def test_memory_map_and_copy_load_agree(
    dataset: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    data, queries = dataset
    mih = MihIndex()
    mih.add(np.arange(len(data)), data)
    mih.save(tmp_path / "index")
    mapped = MihIndex.load(tmp_path / "index")
    copied = MihIndex.load(tmp_path / "index", mmap=False)
    expected = mih.search(queries, 31).as_sets(len(queries))
    assert mapped.search(queries, 31).as_sets(len(queries)) == expected
    assert copied.search(queries, 31).as_sets(len(queries)) == expected


def _array_span(path: Path, name: str) -> tuple[int, int]:
    """(file offset, byte length) of one saved array."""
    blob = path.read_bytes()
    _, size, _ = struct.unpack_from("<8sQI", blob)
    spec = json.loads(blob[20 : 20 + size])["arrays"][name]
    start = -(-(20 + size) // 4096) * 4096
    return start + spec["offset"], spec["length"] * np.dtype(spec["dtype"]).itemsize


@pytest.mark.parametrize(
    ("array", "at", "value"),
    [
        ("s0.post3", 30, b"\xff\xff\xff"),  # a posting past the last row
        ("s0.dirlo2", 2 * 100, b"\xff\xff"),  # offsets no longer ascend
        ("s0.dirhi0", 4 * 7, b"\xff\xff\xff\x0f"),  # offsets run past the rows
        ("s0.order", 0, b"\xff\xff\xff\xff"),  # id order names a missing row
    ],
)
def test_damaged_arrays_are_refused(
    dataset: tuple[np.ndarray, np.ndarray], tmp_path: Path, array: str, at: int, value: bytes
) -> None:
    data, _ = dataset
    mih = MihIndex()
    mih.add(np.arange(len(data)), data)
    path = tmp_path / "index"
    mih.save(path)
    offset, length = _array_span(path, array)
    assert at + len(value) <= length
    with open(path, "r+b") as fh:
        fh.seek(offset + at)
        fh.write(value)
    with pytest.raises(IndexCorruptError):
        MihIndex.load(path)


def test_damaged_header_is_refused(tmp_path: Path) -> None:
    mih = MihIndex()
    mih.add(np.arange(10), np.zeros((10, 32), np.uint8))
    path = tmp_path / "index"
    mih.save(path)
    blob = bytearray(path.read_bytes())
    blob[25] ^= 0x20  # inside the JSON header: the checksum no longer matches
    path.write_bytes(bytes(blob))
    with pytest.raises(IndexCorruptError):
        MihIndex.load(path)


def test_skewed_buckets_keep_full_directories() -> None:
    rng = np.random.default_rng(2)
    data = np.zeros((70_000, 32), np.uint8)
    data[:4_000] = rng.integers(0, 256, (4_000, 32), dtype=np.uint8)
    data[4_000:8_000, 20:] = rng.integers(0, 256, (4_000, 12), dtype=np.uint8)
    mih, brute = MihIndex(), BruteForceIndex()
    mih.add(np.arange(len(data)), data)
    brute.add(np.arange(len(data)), data)
    seg = mih_segment.build(np.arange(len(data)), data)
    assert {t.shift for t in seg.tables} == {0, 6}  # 66,000 rows in one bucket
    queries = np.concatenate([data[:3], data[4_000:4_003], np.zeros((1, 32), np.uint8)])
    queries[:, 0] ^= 1
    for radius in (3, 31, 47):
        hits = mih.search(queries, radius)
        assert hits.as_sets(7) == brute.search(queries, radius).as_sets(7)


def test_search_one_matches_search_across_segments_and_tail(
    dataset: tuple[np.ndarray, np.ndarray],
) -> None:
    data, queries = dataset
    mih = MihIndex(tail_rows=2_000, merge_factor=1)
    for start in [*range(0, 9_000, 1_500), 9_000]:  # two segments and a 1,000-row tail
        mih.add(np.arange(start, start + 1_500), data[start : start + 1_500])
    assert mih.segment_sizes == [6_000, 3_000, 1_500]
    hits = mih.search(queries, 40).as_sets(len(queries))
    for i, q in enumerate(queries):
        one = mih.search_one(bytes(q), 40)
        assert len(one) == len(set(one)) and set(one) == hits[i]
        assert mih.search_one(q, 40) == one
    with pytest.raises(ValueError):
        mih.search_one(bytes(31), 3)
