"""Envelope encryption: round trips, tampering and truncation caught, rotation re-wraps."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brightline.core.crypto import (
    Keyring,
    MasterKey,
    decrypt_bytes,
    decrypt_chunks,
    encrypt_bytes,
    encrypt_stream,
    new_data_key,
)
from brightline.errors import CryptoError

RING = Keyring(MasterKey.generate())


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=5000), segment=st.integers(1, 600))
def test_round_trip_any_size_and_segment(data: bytes, segment: int) -> None:
    key = new_data_key(RING).key
    out = io.BytesIO()
    assert encrypt_stream(io.BytesIO(data), out, key, b"item:1", segment=segment) == len(data)
    assert b"".join(decrypt_chunks(io.BytesIO(out.getvalue()), key, b"item:1")) == data


def test_plaintext_is_not_on_disk_and_tampering_is_caught() -> None:
    key = new_data_key(RING).key
    data = b"benign test pattern " * 10_000
    sealed = encrypt_bytes(data, key)
    assert b"benign test pattern" not in sealed
    flipped = bytearray(sealed)
    flipped[len(sealed) // 2] ^= 1
    with pytest.raises(CryptoError):
        decrypt_bytes(bytes(flipped), key)
    with pytest.raises(CryptoError):
        decrypt_bytes(sealed, new_data_key(RING).key)
    with pytest.raises(CryptoError):
        decrypt_bytes(sealed, key, b"another item")


def test_truncation_at_a_segment_boundary_is_caught() -> None:
    key = new_data_key(RING).key
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(b"x" * 3000), out, key, segment=1000)
    header = 4 + 4 + 7
    cut = out.getvalue()[: header + 2 * (1000 + 16)]
    with pytest.raises(CryptoError):
        decrypt_bytes(cut, key)


def test_rotation_rewraps_without_touching_data() -> None:
    old = MasterKey.generate()
    ring = Keyring(old)
    dk = new_data_key(ring, b"item:7")
    sealed = encrypt_bytes(b"payload", dk.key, b"item:7")
    new_ring = Keyring(MasterKey.generate(), [old])
    rewrapped = new_ring.rewrap(dk.wrapped, b"item:7")
    assert new_ring.wrapped_by(rewrapped) == new_ring.current.id
    only_new = Keyring(new_ring.current)
    assert decrypt_bytes(sealed, only_new.unwrap(rewrapped, b"item:7"), b"item:7") == b"payload"
    with pytest.raises(CryptoError, match="not loaded"):
        only_new.unwrap(dk.wrapped, b"item:7")


def test_master_key_text_and_repr_hide_the_key() -> None:
    key = MasterKey.generate()
    assert MasterKey.from_text(key.to_text()) == key
    assert key.to_text() not in repr(key)
    with pytest.raises(CryptoError):
        MasterKey.from_text("not base64!")
    with pytest.raises(CryptoError):
        MasterKey(b"short")
