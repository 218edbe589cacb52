"""Decoding is bounded in memory, not only in pixels (issue 7 §5).

The estimate comes from the header; what it refuses is refused before any pixel is
decoded; grey images of any depth decode to 8-bit grey with the very hash RGB gave.
Peak memory itself is measured in a fresh process: tests/services/test_decode_memory.py.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from brightline.core.signals.decode import (
    DEFAULT_MAX_DECODE_BYTES,
    decode_cost,
    estimate_plane_cost,
    load_plane,
)
from brightline.core.signals.pdq import jpeg_scale, pdq_of_file, reference_pdq_of_file
from brightline.errors import DecodeError, DecodeMemoryError

MAX = 300_000_000


def png_header_only(width: int, height: int, depth: int, color_type: int) -> bytes:
    """A PNG that claims a size and has no pixel data: only the header can be read."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    chunks = [(b"IHDR", ihdr), (b"IDAT", zlib.compress(b"")), (b"IEND", b"")]
    if color_type == 3:
        chunks.insert(1, (b"PLTE", bytes(range(48))))
    out = b"\x89PNG\r\n\x1a\n"
    for name, body in chunks:
        out += struct.pack(">I", len(body)) + name + body
        out += struct.pack(">I", zlib.crc32(name + body))
    return out


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


@pytest.mark.parametrize(
    ("depth", "color_type", "per_pixel"),
    [
        (16, 6, 4),  # 16-bit RGBA: Pillow holds 8-bit RGBA
        (16, 2, 4),  # 16-bit RGB
        (8, 2, 4),  # RGB is stored as RGBX
        (8, 0, 1),  # grey
        (16, 0, 3),  # 16-bit grey, then its 8-bit copy
        (8, 3, 5),  # palette, then RGB
    ],
)
def test_the_cost_is_read_from_the_png_header(depth: int, color_type: int, per_pixel: int) -> None:
    blob = png_header_only(1000, 500, depth, color_type)
    assert estimate_plane_cost(blob, MAX) == 1000 * 500 * per_pixel


def test_an_image_over_the_budget_is_refused_before_decoding() -> None:
    """The issue's case: a 16-bit RGBA PNG just under the CLI's pixel cap. Refused from
    the header (this one has no pixel data at all, so decoding would fail otherwise)."""
    blob = png_header_only(14000, 14000, 16, 6)
    with pytest.raises(DecodeMemoryError) as caught:
        load_plane(blob, 200_000_000)
    assert "max_decode_bytes" in str(caught.value) and "14000x14000" in str(caught.value)
    assert isinstance(caught.value, DecodeError)
    with pytest.raises(DecodeMemoryError):
        pdq_of_file(blob, 200_000_000, max_bytes=512 * 2**20)
    with pytest.raises(DecodeError, match="truncated"):  # no limit: it gets to the pixels
        pdq_of_file(blob, 200_000_000, max_bytes=None)


def test_the_default_budget_is_256_mib() -> None:
    assert DEFAULT_MAX_DECODE_BYTES == 256 * 2**20
    under = png_header_only(8000, 8000, 16, 6)  # 8-bit RGBA in memory: 244 MiB
    assert estimate_plane_cost(under, MAX) <= DEFAULT_MAX_DECODE_BYTES
    over = png_header_only(8200, 8200, 16, 6)
    with pytest.raises(DecodeMemoryError):
        load_plane(over, MAX)


def test_large_jpegs_are_costed_at_their_dct_downscaled_luminance() -> None:
    img = Image.new("RGB", (4096, 3072), (120, 60, 30))
    blob = encode(img, "JPEG", quality=80)
    scale = jpeg_scale(4096, 3072)
    assert scale == 4
    assert estimate_plane_cost(blob, MAX, jpeg_scale) == (4096 // scale) * (3072 // scale)
    assert estimate_plane_cost(blob, MAX) == 4096 * 3072  # full size, luminance only


def test_tiff_strip_buffers_count() -> None:
    img = Image.new("RGB", (300, 200), (1, 2, 3))
    one_strip = Image.open(io.BytesIO(encode(img, "TIFF", compression="tiff_lzw")))
    plain = 300 * 200 * 4
    assert decode_cost(one_strip) > plain  # libtiff's strip buffer (3 bytes a pixel)
    assert decode_cost(one_strip) <= plain + 300 * 200 * 3


def test_webp_decoder_buffers_count() -> None:
    img = Image.open(io.BytesIO(encode(Image.new("RGB", (64, 48)), "WEBP")))
    assert decode_cost(img) == 64 * 48 * (4 + 12)


@pytest.mark.parametrize(
    ("mode", "make"),
    [
        ("I;16", lambda a: Image.fromarray(a.astype(np.uint16) * 3)),  # 16-bit grey
        ("1", lambda a: Image.fromarray(a > 128)),
        ("LA", lambda a: Image.fromarray(np.stack([a, 255 - a], -1), "LA")),
    ],
)
def test_grey_modes_decode_to_8_bit_grey_with_the_reference_hash(mode: str, make: object) -> None:
    rng = np.random.default_rng(3)
    base = Image.fromarray(rng.integers(0, 256, (30, 40), np.uint8)).resize((400, 300))
    img = make(np.asarray(base))  # type: ignore[operator]
    assert img.mode == mode
    blob = encode(img, "PNG")
    plane = load_plane(blob, MAX)
    assert plane.bytes_per_pixel == 1
    assert pdq_of_file(blob, MAX) == reference_pdq_of_file(blob, MAX)
