"""PDQ perceptual hashes of images.

Two paths compute Meta's PDQ. Hashes are written as 64 hex digits, most significant
bit first, as python-threatexchange and HMA write them.

- ``pdq_of_image`` is the reference: Meta's C++ PDQ (``pdqhash``) on the fully
  decoded, upright RGB image. It is the oracle the fast path is tested against.
- ``pdq_of_file`` is what Brightline runs. It decodes only what PDQ reads (a JPEG's
  luminance channel, downscaled by libjpeg in the DCT domain when the image is large
  enough that this does not move the hash; see ``jpeg_scale``), then the native
  kernel ``_pdq`` evaluates the reference's Jarosz filter exactly but only at the
  64x64 pixels PDQ keeps, and finishes with the same DCT, median threshold and
  quality metric. The EXIF orientation is folded into the filter weights, so the
  hash is the upright image's without turning any pixels.

The two agree exactly on the same luminance; they differ only because a JPEG's own
luminance channel is not quite the luminance recomputed from its decoded RGB (chroma
rounding and clipping), and by the DCT-domain downscale. docs/benchmarks.md records
the distances and speeds (``bench/bench_pdq.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from brightline.core.signals import _pdq
from brightline.core.signals.decode import (
    DEFAULT_MAX_DECODE_BYTES,
    Plane,
    estimate_plane_cost,
    load_image,
    load_plane,
)

if TYPE_CHECKING:  # the reference (numpy + pdqhash) loads only when it runs
    import numpy as np

#: Order of ``pdqhash.compute_dihedral``: original, rot90, rot180, rot270,
#: flip vertical, flip horizontal, rot90+flip vertical, rot90+flip horizontal.
DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_vertical",
    "flip_horizontal",
    "rotate90_flip_vertical",
    "rotate90_flip_horizontal",
)

#: Below this quality a PDQ hash is unreliable (too little detail in the image).
MIN_QUALITY = 50

#: libjpeg may downscale a JPEG by s only while PDQ's box window along the short side
#: still spans this many downscaled pixels. At 6 the hashes of 12 MP photographs move
#: by about 0.2 bits on average (3 moves about 1 bit, 1.75 about 2).
MIN_WINDOW_PIXELS = 6


@dataclass(frozen=True, slots=True)
class PdqResult:
    hash: str
    quality: int
    dihedral: tuple[str, ...] | None = None


def bits_to_hex(bits: np.ndarray) -> str:
    import numpy as np

    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_of_image(img: Image.Image, dihedral: bool = False) -> PdqResult:
    """Reference PDQ of a decoded image (C++ reference via ``pdqhash``)."""
    import numpy as np
    import pdqhash

    rgb = np.ascontiguousarray(np.asarray(img.convert("RGB")))
    if dihedral:
        vectors, quality = pdqhash.compute_dihedral(rgb)
        hexes = tuple(bits_to_hex(v) for v in vectors)
        return PdqResult(hexes[0], int(quality), hexes)
    vector, quality = pdqhash.compute(rgb)
    return PdqResult(bits_to_hex(vector), int(quality))


def reference_pdq_of_file(
    source: bytes | Path, max_pixels: int, dihedral: bool = False
) -> PdqResult:
    """The oracle for ``pdq_of_file``: full RGB decode, upright, then ``pdq_of_image``."""
    return pdq_of_image(load_image(source, max_pixels), dihedral=dihedral)


def pdq_of_file(
    source: bytes | Path,
    max_pixels: int,
    dihedral: bool = False,
    *,
    jpeg_downscale: bool = True,
    max_bytes: int | None = DEFAULT_MAX_DECODE_BYTES,
) -> PdqResult:
    """PDQ of an image file's first frame, upright. Raises DecodeError.

    ``jpeg_downscale=False`` decodes JPEGs at full size (slower, marginally closer
    to the reference). ``max_bytes`` bounds the decode's memory (``load_plane``).
    """
    scale = jpeg_scale if jpeg_downscale else None
    plane = load_plane(source, max_pixels, scale, max_bytes=max_bytes)
    return pdq_of_plane(plane, dihedral=dihedral)


def decode_cost_of_file(
    source: bytes | Path, max_pixels: int, *, jpeg_downscale: bool = True
) -> int:
    """Bytes ``pdq_of_file`` would hold decoding ``source``, from its header. Raises
    DecodeError for a file it would refuse at once."""
    return estimate_plane_cost(source, max_pixels, jpeg_scale if jpeg_downscale else None)


def pdq_of_plane(plane: Plane, dihedral: bool = False) -> PdqResult:
    """PDQ of a decoded plane (see ``decode.load_plane``) with the native kernel."""
    quality, hashes = _pdq.hash_plane(
        plane.pixels,
        plane.bytes_per_pixel,
        plane.width,
        plane.height,
        plane.full_width,
        plane.full_height,
        plane.scale,
        plane.orientation,
        dihedral,
    )
    hexes = tuple(h.hex() for h in hashes)
    return PdqResult(hexes[0], quality, hexes if dihedral else None)


def jpeg_scale(width: int, height: int) -> int:
    """DCT-domain downscale (1, 2, 4 or 8) that keeps a JPEG's PDQ faithful."""
    window = (min(width, height) + 127) // 128  # the reference's box window
    for scale in (8, 4, 2):
        if window >= MIN_WINDOW_PIXELS * scale:
            return scale
    return 1
