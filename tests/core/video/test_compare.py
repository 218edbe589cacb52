"""vPDQ comparison: shares, ranges, and the index against brute force."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from brightline.core.index.base import hex_to_rows
from brightline.core.index.mih import MihIndex
from brightline.core.signals.vpdq import VpdqFrame
from brightline.core.video.compare import brute_pairs, compare, is_match


def _frames(rng: np.random.Generator, n: int, start: float = 0.0) -> list[VpdqFrame]:
    return [
        VpdqFrame(i, 100, rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex(), start + i)
        for i in range(n)
    ]


def _noisy(f: VpdqFrame, rng: np.random.Generator, bits: int, t: float) -> VpdqFrame:
    value = int(f.pdq, 16)
    for b in rng.choice(256, bits, replace=False):
        value ^= 1 << int(b)
    return VpdqFrame(f.frame, f.quality, f"{value:064x}", t)


def test_trimmed_clip_and_embedding() -> None:
    rng = np.random.default_rng(1)
    listed = _frames(rng, 60)
    clip = [_noisy(f, rng, 10, f.timestamp - 20) for f in listed[20:30]]
    c = compare(clip, listed, brute_pairs(clip, listed, 31))
    assert c.query_share == 1.0 and c.listed_share == 10 / 60
    assert c.ranges == [{"query": [0.0, 9.0], "listed": [20.0, 29.0]}]
    assert is_match(c, 0.8, 0.8)

    longer = _frames(rng, 30) + [_noisy(f, rng, 8, f.timestamp + 30) for f in listed]
    c = compare(longer, listed, brute_pairs(longer, listed, 31))
    assert c.listed_share == 1.0 and c.query_share == 60 / 90
    assert c.ranges == [{"query": [30.0, 89.0], "listed": [0.0, 59.0]}]


def test_two_pieces_give_two_ranges() -> None:
    rng = np.random.default_rng(2)
    listed = _frames(rng, 40)
    query = (
        listed[0:10]
        + _frames(rng, 10, 10)
        + [VpdqFrame(f.frame, f.quality, f.pdq, f.timestamp - 10) for f in listed[30:40]]
    )
    query = [VpdqFrame(i, f.quality, f.pdq, float(i)) for i, f in enumerate(query)]
    c = compare(query, listed, brute_pairs(query, listed, 31))
    assert c.ranges == [
        {"query": [0.0, 9.0], "listed": [0.0, 9.0]},
        {"query": [20.0, 29.0], "listed": [30.0, 39.0]},
    ]


def test_unrelated_videos_do_not_match() -> None:
    rng = np.random.default_rng(3)
    a, b = _frames(rng, 50), _frames(rng, 50)
    c = compare(a, b, brute_pairs(a, b, 31))
    assert c.pairs == 0 and not is_match(c, 0.8, 0.8)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 40))
def test_index_finds_the_same_pairs_as_brute_force(seed: int, radius: int) -> None:
    rng = np.random.default_rng(seed)
    listed = _frames(rng, 200)
    query = [_noisy(f, rng, int(rng.integers(0, 60)), f.timestamp) for f in listed[::3]]
    index = MihIndex(always_probe=True, tail_rows=64)
    index.add(np.arange(len(listed), dtype=np.int64), hex_to_rows([f.pdq for f in listed]))
    hits = index.search(hex_to_rows([f.pdq for f in query]), radius)
    found = set(zip(hits.query.tolist(), hits.ids.tolist(), hits.distances.tolist(), strict=True))
    assert found == set(brute_pairs(query, listed, radius))
