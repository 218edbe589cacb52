"""The Index contract, run against every implementation.

Each implementation is compared with a plain-Python model (a dict of id -> hash and
``int.bit_count``), so the brute-force oracle is tested too. Hashes come from random,
clustered and adversarial distributions (all-zero, all-one, many identical, many
sharing a 16-bit chunk); sequences of add/replace/remove/search/save+load must agree
with the model at every step. A new implementation joins by adding to IMPLEMENTATIONS.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brightline.core.index import BruteForceIndex, Hits, Index, MihIndex
from brightline.errors import IndexCorruptError

Factory = Callable[[], Index]


def _mih_tables() -> Index:
    # Tiny segments that still get tables, probed even where a scan would be cheaper,
    # so small examples exercise the kernel's probing, merging and tombstones.
    return MihIndex(tail_rows=3, merge_factor=2, min_indexed_rows=1, always_probe=True)


IMPLEMENTATIONS = [
    pytest.param(BruteForceIndex, id="brute"),
    pytest.param(MihIndex, id="mih"),
    pytest.param(_mih_tables, id="mih-tables"),
]
RADII = [0, 31, 32, 63, 64, 100, 256]
ZERO, ONES = bytes(32), b"\xff" * 32


class Model:
    """What every index must behave like."""

    def __init__(self) -> None:
        self.rows: dict[int, bytes] = {}

    def add(self, ids: list[int], hashes: list[bytes]) -> None:
        self.rows.update(zip(ids, hashes, strict=True))

    def remove(self, ids: list[int]) -> None:
        for i in ids:
            self.rows.pop(i, None)

    def search(self, queries: list[bytes], radius: int) -> list[set[tuple[int, int]]]:
        out = []
        for q in queries:
            qi = int.from_bytes(q, "big")
            dists = ((i, (qi ^ int.from_bytes(h, "big")).bit_count()) for i, h in self.rows.items())
            out.append({(i, d) for i, d in dists if d <= radius})
        return out


# -- strategies ----------------------------------------------------------------------

RANDOM_HASH = st.binary(min_size=32, max_size=32)
IDS = st.one_of(
    st.integers(0, 40),  # few ids, so adds often replace
    st.sampled_from([-(2**63), 2**63 - 1, 2**40, -7]),  # ids spanning more than 2^32
)


def flip(value: bytes, bits: frozenset[int]) -> bytes:
    n = int.from_bytes(value, "big")
    for b in bits:
        n ^= 1 << b
    return n.to_bytes(32, "big")


@st.composite
def hash_source(draw: st.DrawFn) -> st.SearchStrategy[bytes]:
    """A distribution of hashes for one example: random, clustered or adversarial."""
    centers = draw(st.lists(RANDOM_HASH, min_size=1, max_size=3))
    flips = st.frozensets(st.integers(0, 255), max_size=40)
    clustered = st.builds(flip, st.sampled_from(centers), flips)
    chunk_at = draw(st.integers(0, 15))
    shared = st.builds(
        lambda h, c: h[: 2 * chunk_at] + c + h[2 * chunk_at + 2 :],
        RANDOM_HASH,
        st.just(centers[0][:2]),
    )
    adversarial = st.one_of(
        st.just(ZERO),
        st.just(ONES),
        st.just(centers[0]),
        shared,
        st.builds(flip, st.just(ZERO), flips),
    )
    kind = draw(st.sampled_from(["random", "clustered", "adversarial", "mixed"]))
    return {
        "random": RANDOM_HASH,
        "clustered": clustered,
        "adversarial": adversarial,
        "mixed": st.one_of(RANDOM_HASH, clustered, adversarial),
    }[kind]


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, object]]:
    source = draw(hash_source())
    radius = st.one_of(st.sampled_from(RADII), st.integers(0, 256))
    op = st.one_of(
        st.tuples(st.just("add"), st.lists(st.tuples(IDS, source), max_size=12)),
        st.tuples(st.just("remove"), st.lists(IDS, max_size=6)),
        st.tuples(st.just("search"), st.tuples(st.lists(source, min_size=1, max_size=4), radius)),
        st.tuples(st.just("reload"), st.none()),
    )
    return draw(st.lists(op, min_size=1, max_size=14))


def rows(hashes: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(hashes), np.uint8).reshape(len(hashes), 32).copy()


def check_hits(hits: Hits, n_queries: int) -> None:
    assert hits.query.dtype == np.int64 and hits.ids.dtype == np.int64
    assert hits.distances.dtype == np.int32
    assert np.all(np.diff(hits.query) >= 0), "hits must be grouped by query, ascending"
    assert np.all((hits.query >= 0) & (hits.query < n_queries))
    pairs = set(zip(hits.query.tolist(), hits.ids.tolist(), strict=True))
    assert len(pairs) == len(hits), "each (query, id) pair must be reported once"


# -- tests ---------------------------------------------------------------------------

_files = itertools.count()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("indexes")


def run_operations(make: Factory, ops: list[tuple[str, object]], scratch: Path) -> None:
    index, model = make(), Model()
    for name, arg in ops:
        if name == "add":
            assert isinstance(arg, list)
            ids, hashes = [i for i, _ in arg], [h for _, h in arg]
            index.add(
                np.array(ids, np.int64), rows(hashes) if hashes else np.empty((0, 32), np.uint8)
            )
            model.add(ids, hashes)
        elif name == "remove":
            assert isinstance(arg, list)
            index.remove(np.array(arg, np.int64))
            model.remove(arg)
        elif name == "search":
            assert isinstance(arg, tuple)
            queries, radius = arg
            hits = index.search(rows(queries), radius)
            check_hits(hits, len(queries))
            assert hits.as_sets(len(queries)) == model.search(queries, radius)
        else:
            path = scratch / f"index-{next(_files)}"
            index.save(path)
            index = type(index).load(path)
        assert len(index) == len(model.rows)


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations())
def test_agrees_with_model_through_updates(
    make: Factory, ops: list[tuple[str, object]], scratch: Path
) -> None:
    run_operations(make, ops, scratch)


@pytest.mark.slow
@pytest.mark.parametrize("make", IMPLEMENTATIONS)
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations())
def test_agrees_with_model_through_updates_thoroughly(
    make: Factory, ops: list[tuple[str, object]], scratch: Path
) -> None:
    run_operations(make, ops, scratch)


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_radius_on_a_populated_index(make: Factory, data: st.DataObject) -> None:
    source = data.draw(hash_source())
    hashes = data.draw(st.lists(source, min_size=1, max_size=80))
    queries = [*data.draw(st.lists(source, min_size=1, max_size=5)), ZERO, ONES]
    index, model = make(), Model()
    ids = list(range(len(hashes)))
    index.add(np.array(ids, np.int64), rows(hashes))
    model.add(ids, hashes)
    for radius in RADII:
        hits = index.search(rows(queries), radius)
        check_hits(hits, len(queries))
        assert hits.as_sets(len(queries)) == model.search(queries, radius)


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_many_identical_and_shared_chunk_rows(make: Factory) -> None:
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, 32, dtype=np.uint8)
    identical = np.tile(base, (300, 1))
    shared = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    shared[:, 4:6] = base[4:6]  # every row in the same 16-bit bucket
    data = np.concatenate([identical, shared, np.zeros((50, 32), np.uint8)])
    index, model = make(), Model()
    ids = list(range(len(data)))
    index.add(np.array(ids, np.int64), data)
    model.add(ids, [bytes(r) for r in data])
    index.remove(np.arange(0, 300, 2))
    model.remove(list(range(0, 300, 2)))
    queries = [bytes(base), bytes(data[400]), ZERO, ONES]
    for radius in RADII:
        hits = index.search(rows(queries), radius)
        check_hits(hits, len(queries))
        assert hits.as_sets(4) == model.search(queries, radius)


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_round_trip_keeps_results_and_stays_mutable(make: Factory, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    data = rng.integers(0, 256, (500, 32), dtype=np.uint8)
    index = make()
    index.add(np.arange(500) * 1_000_003, data)
    index.remove(np.array([0, 1_000_003]))
    queries = data[:20]
    before = index.search(queries, 40).as_sets(20)
    index.save(tmp_path / "index")
    loaded = type(index).load(tmp_path / "index")
    assert len(loaded) == 498
    assert loaded.search(queries, 40).as_sets(20) == before
    loaded.remove(np.array([2 * 1_000_003]))
    loaded.add(np.array([7]), data[:1])
    after = loaded.search(queries[:3], 0).as_sets(3)
    assert after == [{(7, 0)}, set(), set()]


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_save_replaces_an_existing_file(make: Factory, tmp_path: Path) -> None:
    path = tmp_path / "index"
    first, second = make(), make()
    first.add(np.array([1]), np.zeros((1, 32), np.uint8))
    second.add(np.array([2, 3]), np.ones((2, 32), np.uint8))
    first.save(path)
    second.save(path)
    assert len(type(first).load(path)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


@pytest.mark.parametrize(
    ("make", "damage"),
    [
        (BruteForceIndex, "garbage"),
        (BruteForceIndex, "truncated"),
        (BruteForceIndex, "empty"),
        (MihIndex, "garbage"),
        (MihIndex, "truncated"),
        (MihIndex, "empty"),
        (_mih_tables, "truncated"),
    ],
)
def test_damaged_file_raises_index_corrupt(make: Factory, damage: str, tmp_path: Path) -> None:
    index = make()
    index.add(np.arange(300), np.random.default_rng(1).integers(0, 256, (300, 32), dtype=np.uint8))
    path = tmp_path / "index"
    index.save(path)
    blob = path.read_bytes()
    path.write_bytes(
        {"garbage": b"not an index" * 100, "truncated": blob[: len(blob) // 2], "empty": b""}[
            damage
        ]
    )
    with pytest.raises(IndexCorruptError):
        type(index).load(path)


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_edge_inputs(make: Factory) -> None:
    index = make()
    assert len(index.search(np.zeros((2, 32), np.uint8), 256)) == 0
    index.remove(np.array([5]))  # absent: no-op
    index.add(np.array([5, 5]), np.stack([np.zeros(32, np.uint8), np.ones(32, np.uint8)]))
    assert len(index) == 1
    assert index.search(np.zeros((1, 32), np.uint8), 256).as_sets(1) == [{(5, 32)}]
    assert len(index.search(np.empty((0, 32), np.uint8), 10)) == 0
    with pytest.raises(ValueError):
        index.add(np.array([1]), np.zeros((1, 31), np.uint8))
    with pytest.raises(ValueError):
        index.add(np.array([1, 2]), np.zeros((1, 32), np.uint8))
    with pytest.raises(ValueError):
        index.search(np.zeros(32, np.uint8), 3)
