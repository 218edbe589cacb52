"""Envelope encryption with AES-256-GCM (the ``cryptography`` package).

Each stored item (a media file awaiting review, a reported file, a report's XML) gets
its own random 256-bit data key. The data key is kept only *wrapped*: encrypted by a
master key from settings, tagged with that master key's id. Rotating the master key
re-wraps data keys; the data itself is never re-encrypted.

Large content is encrypted as a stream of 1 MiB segments, each its own GCM message
with a nonce made of a random per-file prefix, the segment counter and a last-segment
flag (the STREAM construction), so memory stays bounded, segments cannot be
reordered, dropped or truncated undetected, and a reader can stop at any segment.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from brightline.errors import CryptoError

SEGMENT = 1 << 20
_MAGIC = b"BLE1"
_PREFIX = 7
_TAG = 16
_WRAP_MAGIC = b"BLK1"


@dataclass(frozen=True, slots=True)
class MasterKey:
    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != 32:
            raise CryptoError("a master key must be 32 bytes (44 characters of base64)")

    @property
    def id(self) -> str:
        """Public id of the key (never the key): the first 16 hex of its SHA-256."""
        return hashlib.sha256(b"brightline-master-key" + self.key).hexdigest()[:16]

    @classmethod
    def from_text(cls, text: str) -> MasterKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except ValueError:
            raise CryptoError("a master key must be base64 text (44 characters)") from None
        return cls(raw)

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(os.urandom(32))

    def to_text(self) -> str:
        return base64.b64encode(self.key).decode()

    def __repr__(self) -> str:  # never the key itself
        return f"MasterKey(id={self.id!r})"


@dataclass(frozen=True, slots=True)
class DataKey:
    """A per-item key: ``key`` in memory only; ``wrapped`` is what is stored."""

    key: bytes
    wrapped: bytes

    def __repr__(self) -> str:
        return "DataKey(…)"


class Keyring:
    """The current master key (wraps new data keys) and older ones (unwrap only)."""

    def __init__(self, current: MasterKey, older: Iterable[MasterKey] = ()):
        self.current = current
        self._by_id: dict[str, MasterKey] = {k.id: k for k in (*older, current)}

    def wrap(self, key: bytes, aad: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        sealed = AESGCM(self.current.key).encrypt(nonce, key, _WRAP_MAGIC + aad)
        return _WRAP_MAGIC + self.current.id.encode() + nonce + sealed

    def unwrap(self, wrapped: bytes, aad: bytes = b"") -> bytes:
        if len(wrapped) < 4 + 16 + 12 + _TAG or not wrapped.startswith(_WRAP_MAGIC):
            raise CryptoError("not a wrapped Brightline data key")
        key_id = wrapped[4:20].decode("ascii", "replace")
        master = self._by_id.get(key_id)
        if master is None:
            raise CryptoError(f"data key was wrapped by master key {key_id}, which is not loaded")
        try:
            return AESGCM(master.key).decrypt(wrapped[20:32], wrapped[32:], _WRAP_MAGIC + aad)
        except InvalidTag:
            raise CryptoError("wrapped data key failed its integrity check") from None

    def wrapped_by(self, wrapped: bytes) -> str:
        return wrapped[4:20].decode("ascii", "replace")

    def rewrap(self, wrapped: bytes, aad: bytes = b"") -> bytes:
        """The same data key wrapped by the current master key (key rotation)."""
        return self.wrap(self.unwrap(wrapped, aad), aad)

    def open(self, wrapped: bytes, aad: bytes = b"") -> DataKey:
        return DataKey(self.unwrap(wrapped, aad), wrapped)

    @classmethod
    def from_mapping(cls, current: MasterKey, older: Mapping[str, MasterKey]) -> Keyring:
        return cls(current, older.values())


def new_data_key(keyring: Keyring, aad: bytes = b"") -> DataKey:
    key = AESGCM.generate_key(bit_length=256)
    return DataKey(key, keyring.wrap(key, aad))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def encrypt_stream(
    src: BinaryIO, dst: BinaryIO, key: bytes, aad: bytes = b"", segment: int = SEGMENT
) -> int:
    """Encrypt ``src`` into ``dst``; returns the plaintext length. Bounded memory."""
    aead = AESGCM(key)
    prefix = os.urandom(_PREFIX)
    dst.write(_MAGIC + struct.pack(">I", segment) + prefix)
    total, counter = 0, 0
    chunk = src.read(segment)
    while True:
        following = src.read(segment) if len(chunk) == segment else b""
        last = not following
        if counter >= 0xFFFFFFFF:
            raise CryptoError("content too large to encrypt as one stream")
        dst.write(aead.encrypt(_nonce(prefix, counter, last), chunk, aad))
        total += len(chunk)
        counter += 1
        if last:
            return total
        chunk = following


def decrypt_chunks(src: BinaryIO, key: bytes, aad: bytes = b"") -> Iterator[bytes]:
    """Plaintext of a stream written by :func:`encrypt_stream`, segment by segment.

    Raises CryptoError on a wrong key, tampering, reordering or truncation."""
    header = src.read(len(_MAGIC) + 4 + _PREFIX)
    if len(header) != len(_MAGIC) + 4 + _PREFIX or not header.startswith(_MAGIC):
        raise CryptoError("not a Brightline encrypted file")
    (segment,) = struct.unpack(">I", header[4:8])
    if not 0 < segment <= 64 * SEGMENT:
        raise CryptoError("encrypted file has a damaged header")
    prefix = header[8:]
    aead = AESGCM(key)
    counter = 0
    sealed = src.read(segment + _TAG)
    while True:
        following = src.read(segment + _TAG) if len(sealed) == segment + _TAG else b""
        last = not following
        try:
            yield aead.decrypt(_nonce(prefix, counter, last), sealed, aad)
        except InvalidTag:
            raise CryptoError(
                "encrypted content failed its integrity check (wrong key, changed or cut short)"
            ) from None
        if last:
            return
        counter += 1
        sealed = following


def encrypt_bytes(data: bytes, key: bytes, aad: bytes = b"") -> bytes:
    import io

    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, key, aad)
    return out.getvalue()


def decrypt_bytes(data: bytes, key: bytes, aad: bytes = b"") -> bytes:
    import io

    return b"".join(decrypt_chunks(io.BytesIO(data), key, aad))
