"""Comparing two videos' vPDQ frames: shares and matched time ranges.

vPDQ's rule (Meta's ``vpdq`` matcher): a frame of one video matches when some frame
of the other is within the PDQ distance threshold. ``query_share`` is the share of
the query's (unique, quality-filtered) frames that match; ``listed_share`` the share
of the listed video's frames matched by some query frame. Brightline calls it a
match when **either** share reaches its threshold: ``query_share`` catches a trimmed
clip of a listed video (most of the clip is in it), ``listed_share`` a listed video
inside a longer one (most of it is in the query).

Matched frame pairs are merged into time ranges: pairs in query order whose time
offset (listed time minus query time) stays within ``gap`` seconds of the run's,
with no more than ``gap`` seconds of query time between them, form one range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from brightline.core.index.base import hex_to_rows
from brightline.core.index.brute import hamming
from brightline.core.signals.vpdq import VpdqFrame

#: Pairs of frames within this many seconds (of offset and of query time) are one range.
DEFAULT_GAP = 3.0
#: Candidate listed frames kept per query frame when merging ranges.
_PER_FRAME = 8

#: ``(query frame index, listed frame index, distance)``
Pair = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Comparison:
    query_share: float
    listed_share: float
    distance: int
    pairs: int
    ranges: list[dict[str, list[float]]]

    def as_extra(self) -> dict[str, object]:
        return {
            "query_share": round(self.query_share, 4),
            "listed_share": round(self.listed_share, 4),
            "matched_frames": self.pairs,
            "ranges": self.ranges,
        }


def compare(
    query: Sequence[VpdqFrame],
    listed: Sequence[VpdqFrame],
    pairs: Sequence[Pair],
    gap: float = DEFAULT_GAP,
) -> Comparison:
    """Shares and ranges from the matched pairs (found by an index or ``brute_pairs``)."""
    if not pairs or not query or not listed:
        return Comparison(0.0, 0.0, 256, 0, [])
    q_hit = {q for q, _, _ in pairs}
    ls_hit = {j for _, j, _ in pairs}
    distance = min(d for _, _, d in pairs)
    ranges = merge_ranges(query, listed, pairs, gap)
    return Comparison(
        len(q_hit) / len(query), len(ls_hit) / len(listed), distance, len(q_hit), ranges
    )


def merge_ranges(
    query: Sequence[VpdqFrame], listed: Sequence[VpdqFrame], pairs: Sequence[Pair], gap: float
) -> list[dict[str, list[float]]]:
    by_query: dict[int, list[tuple[int, int]]] = {}
    for q, j, d in pairs:
        by_query.setdefault(q, []).append((d, j))
    runs: list[list[tuple[float, float]]] = []
    offset = 0.0
    for q in sorted(by_query, key=lambda i: (query[i].timestamp, i)):
        tq = query[q].timestamp
        options = sorted(by_query[q])[:_PER_FRAME]
        run = runs[-1] if runs else None
        if run is not None and tq - run[-1][0] <= gap:
            _, j = min(options, key=lambda o: (abs(listed[o[1]].timestamp - tq - offset), o[0]))
            if abs(listed[j].timestamp - tq - offset) <= gap:
                run.append((tq, listed[j].timestamp))
                offset = listed[j].timestamp - tq
                continue
        _, j = min(options, key=lambda o: (o[0], listed[o[1]].timestamp))
        runs.append([(tq, listed[j].timestamp)])
        offset = listed[j].timestamp - tq
    return [
        {
            "query": [round(run[0][0], 3), round(run[-1][0], 3)],
            "listed": [round(min(t for _, t in run), 3), round(max(t for _, t in run), 3)],
        }
        for run in runs
    ]


def brute_pairs(
    query: Sequence[VpdqFrame], listed: Sequence[VpdqFrame], threshold: int
) -> list[Pair]:
    """Every pair within ``threshold``, by comparing all frames: the oracle."""
    if not query or not listed:
        return []
    dist = hamming(hex_to_rows([f.pdq for f in query]), hex_to_rows([f.pdq for f in listed]))
    qs, ls = np.nonzero(dist <= threshold)
    return [(int(q), int(j), int(dist[q, j])) for q, j in zip(qs, ls, strict=True)]


def is_match(c: Comparison, query_share: float, listed_share: float) -> bool:
    return c.pairs > 0 and (c.query_share >= query_share or c.listed_share >= listed_share)
