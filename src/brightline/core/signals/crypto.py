"""Cryptographic digests of file bytes, in one streamed pass."""

from __future__ import annotations

import hashlib


def digests_of_bytes(data: bytes) -> tuple[str, str, str]:
    """``(md5, sha1, sha256)`` of ``data``."""
    return (
        hashlib.md5(data, usedforsecurity=False).hexdigest(),
        hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        hashlib.sha256(data).hexdigest(),
    )
