"""Recognise and decode images safely.

File type is sniffed from the first bytes, never the extension. Decoding refuses
decompression bombs (too many pixels) before any pixel is decoded and takes the first
frame of animations. Every error is a ``DecodeError`` with a plain reason.

**Orientation.** Brightline hashes the image as a person sees it (upright), which is
also how platforms re-encode uploads. The orientation is the EXIF Orientation tag
(1..8) as Pillow's ``getexif()`` reports it, which also covers TIFF's own tag and an
XMP ``tiff:Orientation``; values outside 1..8 count as 1. HEIC/HEIF differ, as their
standard says: the container's transforms (``irot``/``imir``) turn the image and
libheif applies them while decoding, while an EXIF Orientation inside is informative
only (pillow-heif resets it to 1), so such files are never turned twice. Two ways to
decode, which agree on all of this:

- ``load_image`` returns the upright RGB image (``ImageOps.exif_transpose``). It feeds
  the reference PDQ path, the oracle for the fast one.
- ``load_plane`` returns the pixels as stored plus the orientation, and leaves the
  turning to the consumer (the native PDQ kernel folds it into its filter weights,
  so no pixels are moved). JPEGs in YCbCr or grey decode only their luminance
  channel, optionally downscaled by libjpeg in the DCT domain (1/2, 1/4, 1/8); other
  images decode to grey or RGB.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from brightline.errors import DecodeError

try:  # HEIC/HEIF support comes from pillow-heif when installed.
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass

# Pillow's own bomb check is a warning below 2x its limit; we check ourselves.
Image.MAX_IMAGE_PIXELS = None

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}

# What Pillow and its plugins raise on bad data while decoding.
_DECODE_FAILURES = (OSError, ValueError, SyntaxError, EOFError, MemoryError, struct.error)

# Modes handed to the consumer as they are (bytes per pixel when copied out); anything
# else is converted to RGB first, as the reference path does.
_BYTES_PER_PIXEL = {"L": 1, "RGB": 3, "RGBA": 4, "RGBX": 4}

#: Chooses libjpeg's DCT-domain downscale (1, 2, 4 or 8) from a JPEG's stored size.
JpegScale = Callable[[int, int], int]


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
    except _DECODE_FAILURES as exc:
        raise DecodeError(f"image is corrupt or truncated: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Plane:
    """A decoded first frame as stored, and what it takes to see it upright.

    ``pixels`` holds ``width * height`` pixels row by row: either a bytes object of
    ``bytes_per_pixel`` bytes each (1 grey, 3 RGB, 4 RGB and an ignored byte) or the
    pair of Arrow capsules of a Pillow image (zero copy; grey or 4-byte RGB).
    ``full_width`` x ``full_height`` is the stored image; the plane is that image
    downscaled by ``scale`` (libjpeg rounds the size up). ``orientation`` is the EXIF
    value that turns the stored image upright.
    """

    pixels: bytes | tuple[object, object]
    bytes_per_pixel: int
    width: int
    height: int
    full_width: int
    full_height: int
    scale: int
    orientation: int


def load_plane(source: bytes | Path, max_pixels: int, jpeg_scale: JpegScale | None = None) -> Plane:
    """Decode the first frame as stored: luminance only for JPEG. Raises DecodeError.

    ``jpeg_scale(width, height)`` may ask libjpeg to downscale a JPEG by 2, 4 or 8 in
    the DCT domain (much less decoding work); by default JPEGs decode at full size.
    """
    img = open_image(source, max_pixels)
    full_width, full_height = img.size
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img.seek(0)
            is_jpeg = isinstance(img, JpegImagePlugin.JpegImageFile)  # MPO too
            scale = _draft_luminance(img, jpeg_scale) if is_jpeg else 1
            img.load()
            orientation = _orientation(img)
            if img.mode not in _BYTES_PER_PIXEL:
                img = img.convert("RGB")
            pixels, bytes_per_pixel = _pixels(img)
    except _DECODE_FAILURES as exc:
        raise DecodeError(f"image is corrupt or truncated: {exc}") from exc
    width, height = img.size
    return Plane(
        pixels=pixels,
        bytes_per_pixel=bytes_per_pixel,
        width=width,
        height=height,
        full_width=full_width,
        full_height=full_height,
        scale=scale,
        orientation=orientation,
    )


def _draft_luminance(img: Image.Image, jpeg_scale: JpegScale | None) -> int:
    """Ask libjpeg for the Y channel only (and a DCT-domain downscale); the scale used."""
    if img.mode not in ("RGB", "L"):  # CMYK/YCCK: no luminance channel to take
        return 1
    width, height = img.size
    wanted = jpeg_scale(width, height) if jpeg_scale else 1
    img.draft("L", (width // wanted, height // wanted) if wanted > 1 else None)
    for scale in (1, 2, 4, 8):  # the scale libjpeg will decode at, read back from the size
        if img.size == (-(-width // scale), -(-height // scale)):
            return scale
    raise ValueError(f"unexpected JPEG draft size {img.size} for {width}x{height}")


def _orientation(img: Image.Image) -> int:
    value = img.getexif().get(ExifTags.Base.Orientation, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _pixels(img: Image.Image) -> tuple[bytes | tuple[object, object], int]:
    """The pixels and bytes per pixel: Arrow capsules if possible, else a copy."""
    try:  # zero copy (Pillow >= 11.2) when the image is in one block; RGB is kept as RGBX
        return img.__arrow_c_array__(), 1 if img.mode == "L" else 4
    except (ValueError, AttributeError):  # several blocks (large images), older Pillow
        return img.tobytes(), _BYTES_PER_PIXEL[img.mode]
