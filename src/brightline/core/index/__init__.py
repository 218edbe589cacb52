"""Indexes of 256-bit PDQ hashes for radius search.

``Index`` is the seam; ``BruteForceIndex`` is the oracle every other index is
contract-tested against; ``MihIndex`` is the one Brightline uses.
"""

from brightline.core.index.base import Hits, Index, hex_to_rows, rows_to_hex
from brightline.core.index.brute import BruteForceIndex
from brightline.core.index.mih import MihIndex

__all__ = ["BruteForceIndex", "Hits", "Index", "MihIndex", "hex_to_rows", "rows_to_hex"]


def default_index() -> Index:
    """The index Brightline uses: exact multi-index hashing (see ``mih``)."""
    return MihIndex()
