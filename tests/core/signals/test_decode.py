"""Decoding: every supported format, first frames, JPEG luminance planes, bad files."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from brightline.core.signals.decode import load_image, load_plane, sniff_media_type
from brightline.core.signals.pdq import pdq_of_file, pdq_of_image, reference_pdq_of_file
from brightline.errors import DecodeError

MAX = 100_000_000
HAS_HEIC_ENCODER = bool(pillow_heif.libheif_info().get("HEIF"))  # an HEVC encoder


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@pytest.fixture(scope="module")
def coffee(photos: dict[str, Image.Image]) -> Image.Image:
    return photos["coffee"]


# Format, Pillow save parameters, the mode to convert to first, whether lossless.
FORMATS = [
    ("JPEG", {"quality": 90}, "RGB", False),
    ("JPEG", {"quality": 90}, "L", False),
    ("JPEG", {"quality": 90}, "CMYK", False),
    ("JPEG", {"quality": 90, "subsampling": 0}, "RGB", False),
    ("JPEG", {"quality": 90, "progressive": True}, "RGB", False),
    ("PNG", {}, "RGB", True),
    ("PNG", {}, "RGBA", True),
    ("PNG", {}, "L", True),
    ("PNG", {}, "P", True),
    ("PNG", {}, "I;16", True),
    ("GIF", {}, "P", True),
    ("WEBP", {"lossless": True}, "RGB", True),
    ("WEBP", {"quality": 90}, "RGB", False),
    ("BMP", {}, "RGB", True),
    ("TIFF", {}, "RGB", True),
    ("TIFF", {"compression": "tiff_lzw"}, "L", True),
]


@pytest.mark.parametrize(("fmt", "params", "mode", "lossless"), FORMATS)
def test_every_format_hashes_like_the_reference(
    coffee: Image.Image, fmt: str, params: dict[str, object], mode: str, lossless: bool
) -> None:
    blob = encode(coffee.convert(mode), fmt, **params)
    assert sniff_media_type(blob[:32]) == f"image/{fmt.lower()}"
    ours, ref = pdq_of_file(blob, MAX), reference_pdq_of_file(blob, MAX)
    assert hamming(ours.hash, ref.hash) <= (0 if lossless else 2)
    assert abs(ours.quality - ref.quality) <= 1


@pytest.mark.skipif(not HAS_HEIC_ENCODER, reason="libheif here has no HEVC encoder")
def test_heic_hashes_like_the_reference(coffee: Image.Image) -> None:
    blob = encode(coffee, "HEIF", quality=90)
    assert sniff_media_type(blob[:32]) == "image/heic"
    assert hamming(pdq_of_file(blob, MAX).hash, reference_pdq_of_file(blob, MAX).hash) <= 2
    # Near the JPEG of the same picture: it is the same picture.
    assert hamming(pdq_of_file(blob, MAX).hash, pdq_of_image(coffee).hash) <= 16


@pytest.mark.skipif(not HAS_HEIC_ENCODER, reason="libheif here has no HEVC encoder")
def test_heic_exif_orientation_is_not_applied(coffee: Image.Image) -> None:
    """In HEIF the container's irot/imir turn the image (libheif applies them while
    decoding); an EXIF Orientation inside is informative only, so neither path turns
    the pixels again. pillow-heif writes no irot for it, so this file stays as stored."""
    stored = coffee.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    blob = encode(stored, "HEIF", quality=90, exif=exif)
    assert load_plane(blob, MAX).orientation == 1
    ours = pdq_of_file(blob, MAX).hash
    assert hamming(ours, reference_pdq_of_file(blob, MAX).hash) <= 2
    assert hamming(ours, pdq_of_image(stored).hash) <= 16


def test_gif_first_frame_is_hashed(photos: dict[str, Image.Image]) -> None:
    first, second = photos["coffee"].convert("P"), photos["rocket"].resize((600, 400)).convert("P")
    blob = encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    assert pdq_of_file(blob, MAX).hash == pdq_of_image(first).hash
    assert hamming(pdq_of_file(blob, MAX).hash, pdq_of_image(second).hash) > 64


def test_mpo_camera_files_take_the_jpeg_path(photos: dict[str, Image.Image]) -> None:
    main, preview = photos["coffee"], photos["rocket"].resize((600, 400))
    blob = encode(main, "MPO", save_all=True, append_images=[preview], quality=90)
    plane = load_plane(blob, MAX)
    assert plane.bytes_per_pixel == 1  # luminance only
    assert hamming(pdq_of_file(blob, MAX).hash, reference_pdq_of_file(blob, MAX).hash) <= 2


def test_jpeg_decodes_luminance_plane_with_dct_downscale() -> None:
    img = Image.new("RGB", (4000, 3000), (90, 120, 200))
    blob = encode(img, "JPEG", quality=50)
    plane = load_plane(blob, MAX, lambda w, h: 4)
    assert (plane.width, plane.height, plane.scale, plane.bytes_per_pixel) == (1000, 750, 4, 1)
    assert (plane.full_width, plane.full_height, plane.orientation) == (4000, 3000, 1)
    full = load_plane(blob, MAX)
    assert (full.width, full.height, full.scale) == (4000, 3000, 1)


def test_sizes_that_do_not_divide_round_up_like_libjpeg() -> None:
    blob = encode(Image.new("RGB", (1001, 999), (10, 200, 30)), "JPEG")
    plane = load_plane(blob, MAX, lambda w, h: 8)
    assert (plane.width, plane.height, plane.scale) == (126, 125, 8)
    assert pdq_of_file(blob, MAX).quality == 0  # flat: no detail


def test_file_paths_and_bytes_agree(tmp_path: Path, coffee: Image.Image) -> None:
    path = tmp_path / "coffee.bin"  # the extension plays no part
    path.write_bytes(encode(coffee, "JPEG", quality=90))
    assert pdq_of_file(path, MAX) == pdq_of_file(path.read_bytes(), MAX)


@pytest.mark.parametrize("size", [(1, 1), (4, 300), (300, 4)])
def test_images_too_small_to_hash_give_quality_zero(size: tuple[int, int]) -> None:
    result = pdq_of_file(encode(Image.new("RGB", size, (200, 10, 10)), "PNG"), MAX)
    assert (result.hash, result.quality) == ("0" * 64, 0)


def test_empty_file_is_refused() -> None:
    with pytest.raises(DecodeError, match="not a decodable image"):
        pdq_of_file(b"", MAX)


def test_random_bytes_are_refused() -> None:
    noise = np.random.default_rng(1).integers(0, 256, 5000, np.uint8).tobytes()
    with pytest.raises(DecodeError, match="not a decodable image"):
        pdq_of_file(noise, MAX)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP"])
def test_truncated_files_are_refused(coffee: Image.Image, fmt: str) -> None:
    blob = encode(coffee, fmt)
    with pytest.raises(DecodeError, match=r"corrupt or truncated|not a decodable image"):
        pdq_of_file(blob[: len(blob) // 2], MAX)


@pytest.mark.parametrize("where", ["huffman table", "scan data"])
def test_corrupt_jpeg_is_refused(coffee: Image.Image, where: str) -> None:
    blob = bytearray(encode(coffee, "JPEG"))
    if where == "huffman table":
        at = blob.index(b"\xff\xc4") + 5
        blob[at : at + 20] = bytes(20)
    else:
        rng = np.random.default_rng(1)
        for at in range(blob.index(b"\xff\xda") + 400, len(blob) - 10, 50):
            blob[at] = int(rng.integers(0, 256))
    for decode in (pdq_of_file, reference_pdq_of_file):
        with pytest.raises(DecodeError, match="corrupt or truncated"):
            decode(bytes(blob), MAX)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size and holds no pixels at all."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    crc = struct.pack(">I", zlib.crc32(chunk))
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + crc + end


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = png_header_only(100_000, 100_000)
    for decode in (pdq_of_file, reference_pdq_of_file, load_plane, load_image):
        with pytest.raises(DecodeError, match="possible decompression bomb"):
            decode(bomb, MAX)


def test_size_limit_applies_to_real_images(coffee: Image.Image) -> None:
    blob = encode(coffee, "JPEG")
    with pytest.raises(DecodeError, match=r"600x400 = 240,000 pixels, over the limit of 100,000"):
        pdq_of_file(blob, 100_000)


@pytest.mark.parametrize("value", [0, 9, 300])
def test_invalid_orientation_values_are_ignored(coffee: Image.Image, value: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = value
    blob = encode(coffee, "PNG", exif=exif)
    assert load_plane(blob, MAX).orientation == 1
    assert pdq_of_file(blob, MAX).hash == pdq_of_image(coffee).hash


@pytest.fixture(scope="module")
def small_files(coffee: Image.Image) -> list[bytes]:
    img = coffee.resize((120, 80))
    formats = [("JPEG", {}), ("PNG", {}), ("GIF", {}), ("WEBP", {}), ("BMP", {}), ("TIFF", {})]
    formats += [("TIFF", {"compression": "tiff_lzw"})]
    if HAS_HEIC_ENCODER:
        formats.append(("HEIF", {}))
    return [encode(img, fmt, **params) for fmt, params in formats]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_files_raise_only_decode_error(
    small_files: list[bytes], data: st.DataObject
) -> None:
    """A bad file must become a DecodeError (a row in a batch), never another error."""
    blob = bytearray(data.draw(st.sampled_from(small_files)))
    for _ in range(data.draw(st.integers(1, 8))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    blob = blob[: data.draw(st.integers(1, len(blob)))]
    try:
        result = pdq_of_file(bytes(blob), MAX)
    except DecodeError:
        return
    assert len(result.hash) == 64 and 0 <= result.quality <= 100


def test_large_images_are_read_in_place_and_several_blocks_copied_out() -> None:
    """Decoding allocates each image in one block, so even one over Pillow's 16 MB
    block size is read in place; one in several blocks (which Arrow cannot export:
    the allocator turned off, older Pillow) is copied out, with the same hash."""
    rng = np.random.default_rng(7)
    small = Image.fromarray(rng.integers(0, 256, (40, 52, 3), np.uint8))
    big = small.resize((2600, 2000), Image.Resampling.BICUBIC)  # 20.8 MB as RGBX
    blob = encode(big, "BMP")
    plane = load_plane(blob, MAX)
    assert isinstance(plane.pixels, tuple) and plane.bytes_per_pixel == 4
    assert pdq_of_file(blob, MAX).hash == pdq_of_image(big).hash
    Image.core.set_use_block_allocator(0)
    try:
        plane = load_plane(blob, MAX)
        assert isinstance(plane.pixels, bytes) and plane.bytes_per_pixel == 3
        assert pdq_of_file(blob, MAX).hash == pdq_of_image(big).hash
    finally:
        Image.core.set_use_block_allocator(1)
