"""Hash one content item, streaming: the one function every source's items go through.

``hash_item(item, opts) -> ScanResult`` never raises for bad content. An item the
source could not read (``item.error``) comes back as a row with that reason. An
image up to ``MAX_IMAGE_BYTES`` is read once (digests and PDQ from the same bytes);
anything else, a 4 GB video included, is hashed in 1 MiB chunks and never held in
memory whole. Every error row carries a stable code (``ScanResult.error_code``).
"""

from __future__ import annotations

import io

from brightline.core.models import ScanResult
from brightline.core.sources import ContentItem
from brightline.errors import BrightlineError
from brightline.services.hashing import (
    MAX_IMAGE_BYTES,
    HashOptions,
    hash_bytes,
    hash_path,
    hash_stream,
)


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
    if item.path is not None:
        result = hash_path(item.path, opts)
        result.path = name
        return result
    assert item.open is not None
    with item.open() as fh:
        if isinstance(fh, io.BytesIO) and fh.getbuffer().nbytes <= MAX_IMAGE_BYTES:
            return hash_bytes(fh.getvalue(), opts, name)  # in memory already: no copy
        return hash_stream(fh, opts, name, item.size)


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
