"""Telling a hash's signal type from its spelling, when a file does not say.

A web address (``http://…``, ``https://…``, a defanged ``hxxp://…``, a bare
``host.tld/path`` or a ``host/*`` prefix) is ``url``.

Otherwise only lowercase/uppercase hex of three lengths is guessed: 32 → ``md5``, 40 → ``sha1``,
64 → ``pdq``. SHA-256 is also 64 hex digits; a bare 64-digit value is read as PDQ
because PDQ lists are what arrive without a type in practice. Files of SHA-256 say so
with a type column, a ``sha256 <hash>`` line, or a ``# type: sha256`` header line.
A wrong guess costs matches (a SHA-256 read as PDQ never matches), never false ones.
"""

from __future__ import annotations

import re

HEX_LENGTHS = {32: "md5", 40: "sha1", 64: "pdq"}

_HEX = re.compile(r"[0-9A-Fa-f]+")
_URL = re.compile(
    r"(?i)(?:(?:https?|hxxps?)://\S+"
    r"|(?:\*\.)?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:[a-z]{2,63}|xn--[a-z0-9\-]+)\.?"
    r"(?::\d+)?(?:[/?]\S*)?)"
)
# Signal type names as files spell them: "md5", "SHA-256", "video_md5", "photo.pdq".
TYPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,39}")
# Signal types that only python-threatexchange writes; their presence marks a pytx file.
PYTX_ONLY_TYPES = frozenset({"video_md5", "raw_text", "url", "trend_query", "pdq_ocr", "vpdq"})


def is_hex(value: str) -> bool:
    return _HEX.fullmatch(value) is not None


def looks_like_hash(token: str) -> bool:
    """A long hex token is a hash, never a type name (md5sum-style ``hash  file`` lines)."""
    return len(token) >= 16 and is_hex(token)


def looks_like_url(value: str) -> bool:
    return _URL.fullmatch(value) is not None


def infer_signal_type(value: str) -> str | None:
    """The signal type a bare value most likely has, or None when it cannot be told."""
    if not is_hex(value):
        return "url" if looks_like_url(value) else None
    return HEX_LENGTHS.get(len(value))


def cannot_infer(value: str) -> str:
    shown = value if len(value) <= 20 else value[:17] + "..."
    return (
        f"cannot tell the signal type of {shown!r} ({len(value)} characters); "
        "write 'type value' or put '# type: NAME' above it"
    )
