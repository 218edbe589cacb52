"""Images as uploads and scans meet them: sniffing the type, then (for a sniffed
image) the header-only cost estimate, the bounded decode of the first frame and the
native PDQ kernel. Only DecodeError may escape; libFuzzer's memory limit catches a
decode that escapes its budget."""

from __future__ import annotations

import io

import numpy as np
from harness import Target
from PIL import Image

from brightline.core.signals.decode import estimate_plane_cost, load_plane, sniff_media_type
from brightline.core.signals.pdq import jpeg_scale, pdq_of_plane
from brightline.errors import DecodeError

MAX_PIXELS = 4_000_000
MAX_BYTES = 32 << 20


def one_input(data: bytes) -> None:
    if sniff_media_type(data[:32]) is None:
        return
    try:
        cost: int | None = estimate_plane_cost(data, MAX_PIXELS, jpeg_scale)
    except DecodeError:
        cost = None
    plane = load_plane(data, MAX_PIXELS, jpeg_scale, max_bytes=MAX_BYTES)
    if cost is not None and cost > MAX_BYTES:
        raise AssertionError(f"decoded an image costed at {cost} bytes, over {MAX_BYTES}")
    result = pdq_of_plane(plane)
    if not 0 <= result.quality <= 100:
        raise AssertionError(f"quality {result.quality}")


def _seeds() -> tuple[bytes, ...]:
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (12, 16, 3), np.uint8))
    grey16 = Image.fromarray(rng.integers(0, 65536, (12, 16), np.uint16))
    out = []
    for img, fmt, params in [
        (rgb, "PNG", {}),
        (rgb.convert("RGBA"), "PNG", {}),
        (rgb.convert("P"), "PNG", {"transparency": 0}),
        (grey16, "PNG", {}),
        (rgb.convert("1"), "PNG", {}),
        (rgb, "JPEG", {"exif": _exif_rotated()}),
        (rgb.convert("CMYK"), "JPEG", {}),
        (rgb, "GIF", {}),
        (rgb, "BMP", {}),
        (rgb.convert("P"), "BMP", {}),
        (rgb, "TIFF", {"compression": "tiff_lzw"}),
        (grey16, "TIFF", {}),
        (rgb, "WEBP", {"quality": 50}),
        (rgb.convert("RGBA"), "WEBP", {"lossless": True}),
    ]:
        buf = io.BytesIO()
        img.save(buf, fmt, **params)
        out.append(buf.getvalue())
    return tuple(out)


def _exif_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return exif.tobytes()


TARGET = Target(
    "image", one_input, (DecodeError,), _seeds(), instrument=("brightline", "PIL"), max_len=16384
)
