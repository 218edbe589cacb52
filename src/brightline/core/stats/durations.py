"""Durations as log-spaced histogram buckets, and quantiles read back from them.

A duration of ``s`` seconds falls in bucket ``floor(4 * log2(s + 1))``: four buckets
per doubling, so a bucket's upper edge is 19% above its lower one and a median or
p90 read from the histogram (the bucket's geometric middle) is within 9% of the
true value. A year is bucket 99; the histograms stay small however many items pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

PER_DOUBLING = 4


def bucket(seconds: float) -> int:
    return math.floor(PER_DOUBLING * math.log2(max(0.0, seconds) + 1.0))


def bucket_middle(index: int) -> float:
    """The bucket's geometric middle, in seconds."""
    if index <= 0:
        return 0.0
    return float(2 ** ((index + 0.5) / PER_DOUBLING) - 1.0)


def quantile(histogram: Mapping[int, int], q: float) -> float | None:
    """The ``q`` quantile (0.5: median, 0.9: p90) in seconds; None when empty."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return bucket_middle(index)
    return bucket_middle(max(histogram))
