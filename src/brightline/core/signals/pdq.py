"""PDQ perceptual hashes of images.

The reference path (``pdq_of_image``) runs Meta's C++ PDQ (``pdqhash``) on the fully
decoded RGB image; it is the oracle for any faster path. Hashes are written as 64
hex digits, most significant bit first, as python-threatexchange and HMA write them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image

from brightline.core.signals.decode import load_image

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


@dataclass(frozen=True, slots=True)
class PdqResult:
    hash: str
    quality: int
    dihedral: tuple[str, ...] | None = None


def bits_to_hex(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def hex_to_bytes(value: str) -> bytes:
    return bytes.fromhex(value)


def pdq_of_image(img: Image.Image, dihedral: bool = False) -> PdqResult:
    """Reference PDQ of a decoded image (C++ reference via ``pdqhash``)."""
    rgb = np.ascontiguousarray(np.asarray(img.convert("RGB")))
    if dihedral:
        vectors, quality = pdqhash.compute_dihedral(rgb)
        hexes = tuple(bits_to_hex(v) for v in vectors)
        return PdqResult(hexes[0], int(quality), hexes)
    vector, quality = pdqhash.compute(rgb)
    return PdqResult(bits_to_hex(vector), int(quality))


def pdq_of_file(source: bytes | Path, max_pixels: int, dihedral: bool = False) -> PdqResult:
    """PDQ of an image file's first frame, upright. Raises DecodeError."""
    return pdq_of_image(load_image(source, max_pixels), dihedral=dihedral)
