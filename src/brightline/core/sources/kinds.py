"""What a piece of evidence is, told from its first bytes (never from its name).

:func:`container_kind` names the archive formats triage opens; :func:`disk_kind` the
disk images (both from the registries of ``containers``); :func:`media_kind` adds the
video containers to the image types that ``decode.sniff_media_type`` knows.
"""

from __future__ import annotations

from brightline.core.signals.decode import sniff_media_type
from brightline.core.sources import containers

#: Bytes to read to tell every kind apart (a tar header; a boot sector; ext's magic).
HEAD = 1088


def container_kind(head: bytes) -> str | None:
    """The registered archive format of ``head`` (``zip``, ``tar``, ``gzip``,
    ``bzip2``, ``xz``, ``7z``, or one a module registered); None for anything else.

    A gzip/bzip2/xz stream is usually a compressed tar; the archive reader finds out.
    """
    return containers.archive_kind(head)


def disk_kind(head: bytes, name: str = "") -> str | None:
    """The registered disk-image format (``e01``, ``raw``, …); None otherwise."""
    return containers.disk_kind(head, name)


def media_kind(head: bytes) -> str | None:
    """The media type of an image or video, or None."""
    image = sniff_media_type(head[:32])
    if image is not None:
        return image
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith(b"FLV\x01"):
        return "video/x-flv"
    if head.startswith(b"\x00\x00\x01\xba") or head.startswith(b"\x00\x00\x01\xb3"):
        return "video/mpeg"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "video/x-ms-wmv"
    return None
