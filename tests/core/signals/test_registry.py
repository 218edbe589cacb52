"""Signal types: canonical values, aliases, clear errors; Hamming oracle."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.core import signals
from brightline.core.signals.hexhash import PDQ
from brightline.errors import InvalidHashError


def test_normalize_canonicalises() -> None:
    assert signals.normalize("MD5", " 0X" + "AB" * 16 + "\n") == ("md5", "ab" * 16)
    assert signals.normalize("SHA-1", "0" * 40) == ("sha1", "0" * 40)
    assert signals.normalize("pdq_hash", "F" * 64) == ("pdq", "f" * 64)


@pytest.mark.parametrize(
    ("signal_type", "value"),
    [("md5", "abc"), ("md5", "g" * 32), ("sha256", "0" * 63), ("pdq", ""), ("pdq", "0" * 65)],
)
def test_invalid_values_say_why(signal_type: str, value: str) -> None:
    with pytest.raises(InvalidHashError, match=f"not a valid {signal_type}"):
        signals.normalize(signal_type, value)


def test_unknown_type() -> None:
    with pytest.raises(InvalidHashError, match="unknown signal type 'tlsh'"):
        signals.normalize("tlsh", "00")


@given(st.integers(0, 2**256 - 1), st.integers(0, 2**256 - 1))
def test_pdq_distance_is_popcount_of_xor(a: int, b: int) -> None:
    ha, hb = f"{a:064x}", f"{b:064x}"
    assert PDQ.distance(ha, hb) == bin(a ^ b).count("1") == PDQ.distance(hb, ha)


@given(st.text(max_size=100))
def test_normalize_never_raises_anything_else(text: str) -> None:
    for name in signals.names():
        with contextlib.suppress(InvalidHashError):
            signals.normalize(name, text)
