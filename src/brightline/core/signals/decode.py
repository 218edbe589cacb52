"""Recognise and decode images safely.

File type is sniffed from the first bytes, never the extension. Decoding refuses
decompression bombs (too many pixels) before any pixel is decoded, takes the first
frame of animations, and applies the EXIF orientation: **Brightline hashes the image
as a person sees it** (upright), which is also how platforms re-encode uploads.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from brightline.errors import DecodeError

try:  # HEIC/HEIF support comes from pillow-heif when installed.
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass

# Pillow's own bomb check is a warning below 2x its limit; we check ourselves.
Image.MAX_IMAGE_PIXELS = None

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}


def sniff_media_type(head: bytes) -> str | None:
    """MIME type of an image from its first 32 bytes, or None if not a known image."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:2] == b"BM" and len(head) >= 14:
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/avif" if head[8:12] == b"avif" else "image/heic"
    return None


def open_image(source: bytes | Path, max_pixels: int) -> Image.Image:
    """Open (header only) and check size; the caller decodes. Raises DecodeError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise DecodeError(f"not a decodable image: {exc}") from exc
    width, height = img.size
    if width <= 0 or height <= 0:
        raise DecodeError("image has no pixels")
    if width * height > max_pixels:
        raise DecodeError(
            f"image is {width}x{height} = {width * height:,} pixels, over the limit of "
            f"{max_pixels:,} (possible decompression bomb)"
        )
    return img


def load_image(source: bytes | Path, max_pixels: int) -> Image.Image:
    """Decode the first frame, upright, as RGB. Raises DecodeError."""
    img = open_image(source, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img.seek(0)
            img.load()
            upright = ImageOps.exif_transpose(img) or img
            return upright.convert("RGB")
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
        raise DecodeError(f"image is corrupt or truncated: {exc}") from exc
