"""What a piece of content is: its media type from its first bytes, and the content
type (``photo``, ``video``) signal types apply to.

Images are recognised by ``decode.sniff_media_type``; other kinds join with
``register_sniffer`` (the video workstream's container sniffing), without editing
this module. Unrecognised content is ``FILE``: only digests apply to it.
"""

from __future__ import annotations

from collections.abc import Callable

from brightline.core.signals.base import FILE, PHOTO, VIDEO
from brightline.core.signals.decode import sniff_media_type

#: Bytes a sniffer is given (video containers: MPEG-TS needs three packets).
HEAD_BYTES = 512

Sniffer = Callable[[bytes], str | None]
_SNIFFERS: list[Sniffer] = [sniff_media_type]
_BY_PREFIX = {"image/": PHOTO, "video/": VIDEO}


def register_sniffer(sniffer: Sniffer) -> None:
    """Add a sniffer: first bytes -> MIME type, or None. Earlier ones win."""
    if sniffer not in _SNIFFERS:
        _SNIFFERS.append(sniffer)


def sniff(head: bytes) -> str | None:
    """The MIME type of content from its first ``HEAD_BYTES`` bytes, or None."""
    for sniffer in _SNIFFERS:
        found = sniffer(head)
        if found is not None:
            return found
    return None


def content_type_of(media_type: str | None) -> str:
    """``photo`` for image/*, ``video`` for video/*, else ``file``."""
    if media_type is None:
        return FILE
    for prefix, kind in _BY_PREFIX.items():
        if media_type.startswith(prefix):
            return kind
    return FILE
