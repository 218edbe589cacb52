"""EXIF and other embedded metadata of a picture, as text (for the NCA package).

Pillow reads only the file's headers for this (no pixels are decoded), and the
number and length of values kept are bounded.
"""

from __future__ import annotations

import warnings
from typing import BinaryIO

from PIL import ExifTags, Image, UnidentifiedImageError

_MAX_VALUES = 200
_MAX_TEXT = 500


def picture_metadata(stream: BinaryIO) -> dict[str, str]:
    """``{"format": "JPEG", "width": "640", ..., "exif.Make": "..."}``; empty when the
    file is not a picture Pillow knows."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(stream)
            out = {
                "format": str(image.format or ""),
                "width": str(image.width),
                "height": str(image.height),
                "mode": str(image.mode),
            }
            for tag, value in list(image.getexif().items())[:_MAX_VALUES]:
                name = ExifTags.TAGS.get(tag, f"tag{tag}")
                out[f"exif.{name}"] = _text(value)
            return out
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return {}


def _text(value: object) -> str:
    text = value[:_MAX_TEXT].hex() if isinstance(value, bytes) else str(value)
    return "".join(ch for ch in text[:_MAX_TEXT] if ch.isprintable())
