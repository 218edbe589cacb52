"""Hash one content item, streaming: the one function every source's items go through.

``hash_item(item, opts) -> ScanResult`` never raises for bad content. An item the
source could not read (``item.error``) comes back as a row with that reason. An
image up to ``MAX_IMAGE_BYTES`` is read once (digests and PDQ from the same bytes);
anything else, a 4 GB video included, is hashed in 1 MiB chunks and never held in
memory whole. Every error row carries a stable code (``ScanResult.error_code``).
"""

from __future__ import annotations

import io
from typing import BinaryIO, cast

from brightline.core.models import FileSignals, ScanResult
from brightline.core.signals.crypto import digests_of_stream
from brightline.core.signals.decode import sniff_media_type
from brightline.core.sources import ContentItem
from brightline.errors import BrightlineError
from brightline.services.hashing import MAX_IMAGE_BYTES, HashOptions, hash_bytes

_HEAD = 32
#: Files up to this size are read in one go (the common case: one read, no copies).
_READ_WHOLE = 16 * 1024 * 1024


def hash_item(item: ContentItem, opts: HashOptions) -> ScanResult:
    """Digests always, PDQ for images; the problem, if any, as ``error`` + ``error_code``."""
    name = str(item.locator)
    if item.error is not None or item.open is None:
        err = item.error or BrightlineError("the source could not open this item")
        return ScanResult(name, error=str(err), error_code=getattr(err, "code", "unreadable"))
    try:
        result = _hash_stream(item, opts, name)
    except OSError as exc:
        result = ScanResult(name, error=f"cannot read file: {exc.strerror or exc}")
    return with_error_code(result)


def _hash_stream(item: ContentItem, opts: HashOptions, name: str) -> ScanResult:
    assert item.open is not None
    with item.open() as fh:
        if isinstance(fh, io.BytesIO):
            if fh.seek(0, io.SEEK_END) <= MAX_IMAGE_BYTES:
                return hash_bytes(fh.getvalue(), opts, name)  # in memory already: no copy
            fh.seek(0)
        if item.size is not None and item.size <= _READ_WHOLE:
            head = fh.read(item.size + 1)  # the common case: one read; a byte more
            if len(head) <= item.size:  # tells a file that grew since it was listed
                return hash_bytes(head, opts, name)
            head += fh.read(_HEAD)  # it grew: enough to sniff, then as if size unknown
        else:
            head = fh.read(_HEAD)
        media_type = sniff_media_type(head[:_HEAD])
        if media_type is not None and (item.size or 0) <= MAX_IMAGE_BYTES:
            cap = MAX_IMAGE_BYTES + 1
            want = cap if item.size is None else min(item.size + 1, cap)
            data = head + fh.read(max(0, want - len(head)))
            if item.size is not None and len(data) > item.size:  # it grew: all, to the cap
                data += fh.read(max(0, cap - len(data)))
            if len(data) <= MAX_IMAGE_BYTES:
                return hash_bytes(data, opts, name)
            head = data  # too large to decode: digest what was read, then the rest
        md5, sha1, sha256, size = digests_of_stream(cast(BinaryIO, _Prefixed(head, fh)))
    if size == 0:
        return ScanResult(name, error="empty file")
    signals = FileSignals(md5, sha1, sha256, size, media_type)
    if media_type is None:
        return ScanResult(name, signals, error="not a recognised image format")
    return ScanResult(name, signals, error=f"image too large to decode ({size:,} bytes)")


class _Prefixed:
    """Bytes already read, then the rest of a stream (for ``digests_of_stream``)."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out
        return self._rest.read(size)


def with_error_code(result: ScanResult) -> ScanResult:
    """Give an error row its stable code from what the hashing said.

    TODO(services): once hashing keeps the exception, take the code from
    ``brightline.errors.error_dict(exc)`` instead; this is the one place that
    classifies, so the swap is here only.
    """
    if result.error is None or result.error_code is not None:
        return result
    result.error_code = error_code(result)
    return result


def error_code(result: ScanResult) -> str:
    message = result.error or ""
    if result.signals is None:
        return "empty_file" if message == "empty file" else "unreadable"
    if result.signals.media_type is None:
        return "not_an_image"
    if "decompression bomb" in message:
        return "decompression_bomb"
    if message.startswith("image too large"):
        return "too_large"
    return "undecodable"
