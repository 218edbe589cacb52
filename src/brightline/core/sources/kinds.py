"""What a piece of evidence is, told from its first bytes (never from its name).

:func:`container_kind` names the archive formats triage opens; :func:`disk_kind` the
disk images; :func:`media_kind` adds the video containers to the image types that
``decode.sniff_media_type`` knows.
"""

from __future__ import annotations

from brightline.core.signals.decode import sniff_media_type

#: Bytes to read to tell every kind apart (a tar header; a boot sector; ext's magic).
HEAD = 1088

_E01 = b"EVF\x09\x0d\x0a\xff\x00"
_EXT_MAGIC_AT = 1080


def container_kind(head: bytes) -> str | None:
    """``zip``, ``tar``, ``gzip``, ``bzip2``, ``xz`` or ``7z``; None for anything else.

    A gzip/bzip2/xz stream is usually a compressed tar; the archive reader finds out.
    """
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def disk_kind(head: bytes, name: str = "") -> str | None:
    """``e01`` or ``raw`` for a disk image; None otherwise.

    Raw images are recognised by a file system's boot sector or superblock, by an MBR
    boot signature, or (for a damaged one, so that it still becomes an error row) by
    the usual extensions ``.dd``, ``.raw``, ``.img``, ``.001``.
    """
    if head.startswith(_E01):
        return "e01"
    if len(head) >= 512:
        if (
            head[3:11] in (b"NTFS    ", b"EXFAT   ")
            or head[54:59] == b"FAT12"
            or (head[54:59] == b"FAT16" or head[82:87] == b"FAT32")
        ):
            return "raw"
        if (
            len(head) >= _EXT_MAGIC_AT + 2
            and head[_EXT_MAGIC_AT : _EXT_MAGIC_AT + 2] == b"\x53\xef"
        ):
            return "raw"
        if len(head) >= 1026 and head[1024:1026] in (b"H+", b"HX"):
            return "raw"
        mbr = head[510:512] == b"\x55\xaa"
        if mbr and sniff_media_type(head[:32]) is None and container_kind(head) is None:
            return "raw"
    if name.lower().endswith((".dd", ".raw", ".img", ".001")):
        return "raw"
    return None


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
