"""The signal-type and index contracts (``brightline.testing``) on Brightline's own types."""

from __future__ import annotations

import random

from brightline.core.index import BruteForceIndex, MihIndex
from brightline.core.index.hamming import HammingIndex
from brightline.core.signals import PHOTO, Content, SignalIndex
from brightline.core.signals.hexhash import MD5, PDQ, SHA1, SHA256
from brightline.services.demo import jpeg, picture
from brightline.testing import IndexContract, SignalTypeContract


class TestMd5(SignalTypeContract):
    signal_type = MD5
    valid_values = ("0" * 32, "0123456789abcdef" * 2)
    invalid_values = ("", "0" * 31, "g" * 32, "0" * 40)


class TestSha1(SignalTypeContract):
    signal_type = SHA1
    valid_values = ("0" * 40, "ab" * 20)
    invalid_values = ("", "0" * 32, "z" * 40)


class TestSha256(SignalTypeContract):
    signal_type = SHA256
    valid_values = ("0" * 64, "ab" * 32)
    invalid_values = ("", "0" * 63, "0" * 65)


class TestPdq(SignalTypeContract):
    signal_type = PDQ
    valid_values = ("0" * 64, "f" * 64, "0123456789abcdef" * 4)
    invalid_values = ("", "0" * 63, "x" * 64)
    sample_content = Content(jpeg(picture(1)), "image/jpeg", PHOTO)


def _flip(value: str, rng: random.Random) -> str:
    n = int(value, 16)
    for bit in rng.sample(range(256), rng.randint(1, 40)):
        n ^= 1 << bit
    return f"{n:064x}"


class _PdqIndexContract(IndexContract):
    signal_type = PDQ
    thresholds = (0, 31, 32, 63, 128, 256)

    def random_value(self, rng: random.Random) -> str:
        return f"{rng.getrandbits(256):064x}"

    def near_value(self, value: str, rng: random.Random) -> str:
        return _flip(value, rng)


class TestMihIndex(_PdqIndexContract):
    def make_index(self) -> SignalIndex:
        return HammingIndex()


class TestMihIndexTables(_PdqIndexContract):
    """Tiny segments that get tables, probed where a scan would be cheaper."""

    def make_index(self) -> SignalIndex:
        return HammingIndex(
            lambda: MihIndex(tail_rows=3, merge_factor=2, min_indexed_rows=1, always_probe=True)
        )


class TestBruteForceIndex(_PdqIndexContract):
    def make_index(self) -> SignalIndex:
        return HammingIndex(BruteForceIndex)


def test_pdq_builds_the_default_index() -> None:
    index = PDQ.build_index()
    assert isinstance(index, HammingIndex) and isinstance(index.rows, MihIndex)
