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

**Memory.** Pixels are not the only bound: a small file can still ask for a lot of
memory (16-bit channels, alpha, a decoder's own buffers). ``load_plane`` estimates
from the header what the decode will hold at its peak (``decode_cost``: the decoded
frame in Pillow's mode, the converted copy, the format's decoder buffers) and refuses
with ``DecodeMemoryError`` what would pass ``max_bytes``, before decoding anything.
It also decodes as cheaply as it can: JPEGs as their luminance (DCT-downscaled when
large), grey images of any depth (1-bit, 16-bit, 32-bit, with alpha) to 8-bit grey,
which gives the kernel the very plane RGB would; images are allocated in one block,
so the kernel reads them in place and never through a copy. With the default
256 MiB: RGB(A) PNG, GIF, BMP and TIFF of any bit depth decode up to about 64 M
pixels (palette ones 53 M), WebP up to 16 M and HEIF 22 M (their decoders keep
copies of their own), 16-bit grey up to 89 M, 8-bit grey and JPEGs up to the cap.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from brightline.errors import DecodeError, DecodeMemoryError

try:  # HEIC/HEIF support comes from pillow-heif when installed.
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass

# Pillow's own bomb check is a warning below 2x its limit; we check ourselves.
Image.MAX_IMAGE_PIXELS = None
# Each image in one block (Pillow otherwise splits large ones in 16 MiB pieces), so the
# kernel reads its pixels in place through Arrow rather than from a copy.
_PIL_CORE: Any = getattr(Image, "core", None)
if hasattr(_PIL_CORE, "set_use_block_allocator"):  # Pillow >= 11.2
    _PIL_CORE.set_use_block_allocator(1)

#: What one decode may cost by default (setting ``max_decode_bytes``).
DEFAULT_MAX_DECODE_BYTES = 256 * 1024 * 1024

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}

# What Pillow and its plugins raise on bad data while decoding (fuzzing found TypeError:
# a TIFF tag of the wrong type reaches Pillow's decoder set-up).
_DECODE_FAILURES = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    MemoryError,
    struct.error,
    TypeError,
    IndexError,
    KeyError,
    ArithmeticError,
)

# Modes handed to the consumer as they are (bytes per pixel when copied out); anything
# else is converted to RGB first, as the reference path does.
_BYTES_PER_PIXEL = {"L": 1, "RGB": 3, "RGBA": 4, "RGBX": 4}
# Grey modes go to 8-bit grey instead: Pillow gives R = G = B = that grey value, and the
# kernel's luminance of (v, v, v) is exactly v, so the hash is the same, at a quarter
# of the memory.
_GREY_MODES = frozenset({"1", "LA", "I", "I;16", "I;16L", "I;16B", "F"})
# Bytes per pixel Pillow stores a mode in (every other mode takes 4).
_STORED_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
# Memory a format's decoder holds besides Pillow's image, in bytes per pixel: libwebp
# and libheif decode the frame into buffers of their own that are then copied (HEIF:
# measured 5, up to 16 bits a channel allowed for); PNG, GIF, BMP, JPEG decode in
# place (TIFF's strip or tile buffer is added separately).
_DECODER_BYTES = {
    **dict.fromkeys(("PNG", "GIF", "BMP", "DIB", "JPEG", "MPO", "TIFF"), 0),
    "WEBP": 12,  # measured: the animation decoder's canvas and the frame it returns
}
_OTHER_DECODER_BYTES = 8

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
    except (UnidentifiedImageError, *_DECODE_FAILURES) as exc:
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


def load_plane(
    source: bytes | Path,
    max_pixels: int,
    jpeg_scale: JpegScale | None = None,
    *,
    max_bytes: int | None = DEFAULT_MAX_DECODE_BYTES,
) -> Plane:
    """Decode the first frame as stored: luminance only for JPEG. Raises DecodeError.

    ``jpeg_scale(width, height)`` may ask libjpeg to downscale a JPEG by 2, 4 or 8 in
    the DCT domain (much less decoding work); by default JPEGs decode at full size.
    An image whose ``decode_cost`` passes ``max_bytes`` (None: no limit) is refused
    with ``DecodeMemoryError`` before any pixel is decoded.
    """
    img = open_image(source, max_pixels)
    full_width, full_height = img.size
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scale = _prepare(img, jpeg_scale)
            if max_bytes is not None:
                check_cost(img, max_bytes)
            img.load()
            orientation = _orientation(img)
            if img.mode in _GREY_MODES:
                img = img.convert("L")
            elif img.mode not in _BYTES_PER_PIXEL:
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


def estimate_plane_cost(
    source: bytes | Path, max_pixels: int, jpeg_scale: JpegScale | None = None
) -> int:
    """What ``load_plane`` with the same arguments would hold at its peak, in bytes,
    read from the header only. Raises DecodeError for what it would refuse at once."""
    img = open_image(source, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _prepare(img, jpeg_scale)
            return decode_cost(img)
    except _DECODE_FAILURES as exc:
        raise DecodeError(f"image is corrupt or truncated: {exc}") from exc


def decode_cost(img: Image.Image) -> int:
    """Peak bytes of decoding an opened (not loaded) image into a plane: the frame in
    Pillow's mode, the grey or RGB copy it is converted to, the decoder's buffers."""
    width, height = img.size
    stored = _STORED_BYTES.get(img.mode, 4)
    converted = 0 if img.mode in _BYTES_PER_PIXEL else 1 if img.mode in _GREY_MODES else 4
    decoder = _DECODER_BYTES.get(img.format or "", _OTHER_DECODER_BYTES)
    return width * height * (stored + converted + decoder) + _tiff_buffer(img)


def check_cost(img: Image.Image, max_bytes: int) -> None:
    """Raise DecodeMemoryError if decoding ``img`` would cost more than ``max_bytes``."""
    cost = decode_cost(img)
    if cost > max_bytes:
        width, height = img.size
        raise DecodeMemoryError(
            f"decoding this {width}x{height} {img.mode} image would take about "
            f"{_mib(cost)} of memory, over the limit of {_mib(max_bytes)} (max_decode_bytes)"
        )


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def _tiff_buffer(img: Image.Image) -> int:
    """libtiff reads a whole strip or tile (as stored: every channel, every bit) at once."""
    tags = getattr(img, "tag_v2", None) if img.format == "TIFF" else None
    if tags is None:
        return 0
    width, height = img.size
    samples = _tag_int(tags.get(277), 1)
    bits = tags.get(258)
    depth = sum(_tag_int(b, 8) for b in bits) if isinstance(bits, tuple) else 0
    depth = depth if depth > 0 and len(bits) == samples else _tag_int(bits, 8) * samples
    if 322 in tags and 323 in tags:  # tiled
        return _tag_int(tags[322], width) * _tag_int(tags[323], height) * depth // 8
    rows = min(_tag_int(tags.get(278), height), height)
    return width * rows * depth // 8


def _tag_int(value: object, default: int) -> int:
    if isinstance(value, tuple) and value:
        value = value[0]
    return value if isinstance(value, int) and value > 0 else default


def _prepare(img: Image.Image, jpeg_scale: JpegScale | None) -> int:
    """Go to the first frame and set up a JPEG's cheap decode; the DCT scale used."""
    img.seek(0)
    if isinstance(img, JpegImagePlugin.JpegImageFile):  # MPO too
        return _draft_luminance(img, jpeg_scale)
    return 1


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
