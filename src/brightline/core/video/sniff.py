"""Recognise video containers from their first bytes, never from the name."""

from __future__ import annotations

#: Bytes of a file's head that ``sniff_video_type`` wants (MPEG-TS needs two packets).
HEAD_BYTES = 512

# ISO base media brands that are images (HEIF/AVIF), not video.
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
_BOXES = {b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}


def sniff_video_type(head: bytes) -> str | None:
    """MIME type of a video container from its first bytes, or None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            return None
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if len(head) >= 8 and head[4:8] in _BOXES:
        return "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith(b"FLV\x01"):
        return "video/x-flv"
    if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
        return "video/mp2t"
    if head.startswith(b"\x00\x00\x01\xba") or head.startswith(b"\x00\x00\x01\xb3"):
        return "video/mpeg"
    if head.startswith(b"OggS") and b"theora" in head[:64]:
        return "video/ogg"
    return None
