"""The order unknown images are put before a reviewer: a seam, so a classifier can
be plugged in later (it ranks; it never decides anything on its own).

The default puts images near a known or suggested one first (closest first), then
those in the largest near-duplicate clusters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Candidate:
    """One distinct unknown image (by SHA-1)."""

    sha1: str
    pdq: str | None
    cluster_size: int
    #: PDQ distance to the closest known or suggested image of the case, if within reach.
    near_known: int | None
    order: int


class Ranker(Protocol):
    def rank(self, candidates: Sequence[Candidate]) -> list[Candidate]: ...


class NearKnownRanker:
    def rank(self, candidates: Sequence[Candidate]) -> list[Candidate]:
        def key(c: Candidate) -> tuple[int, int, int, int]:
            near = c.near_known
            return (near is None, near or 0, -c.cluster_size, c.order)

        return sorted(candidates, key=key)
