"""Hex-encoded hash signal types: MD5, SHA-1, SHA-256 (exact) and PDQ (Hamming)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from brightline.core.signals.base import (
    FILE,
    PHOTO,
    Content,
    Digest,
    SignalIndex,
    SignalValue,
)
from brightline.errors import InvalidHashError


@dataclass(frozen=True)
class HexSignal:
    """A hash written as a fixed number of hex digits.

    ``algorithm`` names the hashlib digest of a file's bytes (exact types).
    """

    name: str
    hex_len: int
    exact: bool
    algorithm: str | None = None
    content_types: frozenset[str] = frozenset({FILE})
    default_threshold: int = 0
    max_threshold: int = 0

    def new_digest(self) -> Digest | None:
        if self.algorithm is None:
            return None
        return hashlib.new(self.algorithm, usedforsecurity=False)

    def hash_content(self, content: Content) -> SignalValue | None:
        return None

    def build_index(self) -> SignalIndex | None:
        return None

    def query_values(self, signal: SignalValue) -> list[str]:
        return [signal.value, *signal.variants]

    def normalize(self, value: str) -> str:
        text = value.strip().lower()
        if text.startswith("0x"):
            text = text[2:]
        if len(text) != self.hex_len or not _is_hex(text, self.hex_len // 2):
            raise InvalidHashError(
                f"not a valid {self.name} hash: expected {self.hex_len} hex digits, "
                f"got {_preview(value)}"
            )
        return text

    def distance(self, a: str, b: str) -> int:
        if self.exact:
            return 0 if a == b else self.hex_len * 4
        return (int(a, 16) ^ int(b, 16)).bit_count()


def _is_hex(text: str, n_bytes: int) -> bool:
    # bytes.fromhex is C and fast; it allows spaces between bytes, which the
    # length check then catches.
    try:
        return len(bytes.fromhex(text)) == n_bytes
    except ValueError:
        return False


def _preview(value: str) -> str:
    shown = value if len(value) <= 80 else value[:77] + "..."
    return f"{shown!r} ({len(value)} characters)"


@dataclass(frozen=True)
class PdqSignal(HexSignal):
    """Meta's PDQ of a photo's first frame; matched by Hamming distance (bits of 256)."""

    def hash_content(self, content: Content) -> SignalValue | None:
        from brightline.core.signals.pdq import pdq_of_file  # numpy: only when hashing

        pdq = pdq_of_file(
            content.source,
            content.max_pixels,
            dihedral=content.dihedral,
            max_bytes=content.max_decode_bytes,
        )
        if pdq.dihedral is None:
            return SignalValue(pdq.hash, pdq.quality)
        return SignalValue(
            pdq.hash,
            pdq.quality,
            variants=tuple(pdq.dihedral[1:]),
            extra={"pdq_dihedral": list(pdq.dihedral)},
        )

    def build_index(self) -> SignalIndex | None:
        from brightline.core.index.hamming import HammingIndex

        return HammingIndex()


MD5 = HexSignal("md5", 32, exact=True, algorithm="md5")
SHA1 = HexSignal("sha1", 40, exact=True, algorithm="sha1")
SHA256 = HexSignal("sha256", 64, exact=True, algorithm="sha256")
PDQ = PdqSignal(
    "pdq",
    64,
    exact=False,
    content_types=frozenset({PHOTO}),
    default_threshold=31,
    max_threshold=256,
)
