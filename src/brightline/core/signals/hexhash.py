"""Hex-encoded hash signal types: MD5, SHA-1, SHA-256 (exact) and PDQ (Hamming)."""

from __future__ import annotations

from dataclasses import dataclass

from brightline.errors import InvalidHashError


@dataclass(frozen=True)
class HexSignal:
    """A hash written as a fixed number of hex digits."""

    name: str
    hex_len: int
    exact: bool

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


MD5 = HexSignal("md5", 32, exact=True)
SHA1 = HexSignal("sha1", 40, exact=True)
SHA256 = HexSignal("sha256", 64, exact=True)
PDQ = HexSignal("pdq", 64, exact=False)
