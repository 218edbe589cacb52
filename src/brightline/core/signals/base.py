"""The SignalType seam: what every kind of hash must say about itself."""

from __future__ import annotations

from typing import Protocol


class SignalType(Protocol):
    """A kind of hash. ``distance`` is the brute-force oracle fast indexes are tested against."""

    @property
    def name(self) -> str:
        """Canonical lower-case name (``md5``, ``pdq``)."""
        ...

    @property
    def exact(self) -> bool:
        """True when only identical values match (cryptographic hashes)."""
        ...

    def normalize(self, value: str) -> str:
        """Canonical text of ``value``; raises InvalidHashError if it is not valid."""
        ...

    def distance(self, a: str, b: str) -> int:
        """0 for identical; for perceptual hashes, the number of differing bits."""
        ...
