"""Counts, SHA-1 stacks, PDQ clusters and the review rank, on plain rows."""

from __future__ import annotations

import random
from typing import Any

from brightline.services.cases.ranking import Candidate, NearKnownRanker
from brightline.services.cases.views import counts_of, decorate


def flip(value: int, bits: int, rng: random.Random) -> str:
    for b in rng.sample(range(256), bits):
        value ^= 1 << b
    return f"{value:064x}"


def row(
    i: int, status: str, sha1: str, pdq: str | None, category: str | None = None
) -> dict[str, Any]:
    return {
        "id": i, "exhibit": "E", "locator": f"f{i}", "status": status, "sha1": sha1,
        "pdq": pdq, "category": category, "deleted": False,
    }  # fmt: skip


def test_ranks_near_known_first_then_by_cluster_size() -> None:
    rng = random.Random(1)
    known, lonely, crowd = (rng.getrandbits(256) for _ in range(3))
    rows = [
        row(1, "known", "k", f"{known:064x}", "A"),
        row(2, "unknown", "far1", flip(crowd, 3, rng)),
        row(3, "unknown", "far2", flip(crowd, 5, rng)),
        row(4, "unknown", "far3", flip(crowd, 7, rng)),
        row(5, "unknown", "near", flip(known, 40, rng)),  # not a match, but close to one
        row(6, "unknown", "alone", f"{lonely:064x}"),
        row(7, "unknown", "alone", f"{lonely:064x}"),  # a copy
    ]
    out = {r["id"]: r for r in decorate(rows, distance=31)}
    assert out[5]["rank"] == 1
    assert {out[i]["rank"] for i in (2, 3, 4)} == {2, 3, 4}
    assert out[6]["rank"] == out[7]["rank"] == 5
    assert out[2]["cluster"] == out[3]["cluster"] == out[4]["cluster"]
    assert out[2]["cluster_size"] == 3 and out[6]["cluster_size"] == 1
    assert out[7]["duplicate_of"] == "E:f6" and out[6]["copies"] == 2
    assert out[1]["rank"] is None


def test_counts_shape_and_uniques() -> None:
    rows = [
        row(1, "known", "a", None, "A"),
        row(2, "known", "a", None, "A"),
        row(3, "suggested", "b", None, "dhs:2"),
        row(4, "unknown", "c", None),
        row(5, "error", None, None),  # type: ignore[arg-type]
        row(6, "other", "d", None),
    ]
    counts = counts_of(rows, "uk")
    assert counts["files"] == 6 and counts["unique"] == 4 and counts["errors"] == 1
    assert counts["known"] == {
        "A": {"files": 2, "unique": 1},
        "B": {"files": 0, "unique": 0},
        "C": {"files": 0, "unique": 0},
    }
    assert counts["suggested"]["dhs:2"] == {"files": 1, "unique": 1}
    assert counts["unknown"] == {"files": 1, "unique": 1}


def test_the_ranker_is_a_seam() -> None:
    cands = [Candidate("x", None, 1, None, 0), Candidate("y", None, 5, None, 1)]
    assert [c.sha1 for c in NearKnownRanker().rank(cands)] == ["y", "x"]
