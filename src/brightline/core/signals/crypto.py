"""Cryptographic digests of file bytes, in one streamed pass."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

_CHUNK = 1 << 20


def digests_of_bytes(data: bytes) -> tuple[str, str, str]:
    """``(md5, sha1, sha256)`` of ``data``."""
    return (
        hashlib.md5(data, usedforsecurity=False).hexdigest(),
        hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        hashlib.sha256(data).hexdigest(),
    )


def digests_of_stream(stream: BinaryIO) -> tuple[str, str, str, int]:
    """``(md5, sha1, sha256, size)`` of everything left in ``stream``."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    size = 0
    while chunk := stream.read(_CHUNK):
        md5.update(chunk)
        sha1.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
    return md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), size
