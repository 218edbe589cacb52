"""The HTML report a prosecutor reads: printable, self-contained, thumbnails only
small, blurred and greyscale."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
from PIL import ImageFilter

from brightline.core.signals.decode import open_image
from brightline.core.sources.containers import ArchiveLimits
from brightline.core.sources.exhibit import ExhibitSource
from brightline.errors import BrightlineError
from brightline.services.cases.report_template import TEMPLATE

THUMB_PX = 96
MAX_THUMBS = 500
_THUMB_BYTES = 64 * 1024 * 1024


def render(context: dict[str, Any]) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(**context)


def thumbnail(data: bytes, max_pixels: int) -> str | None:
    """A small, blurred, greyscale JPEG as base64, or None if it cannot be decoded."""
    try:
        img = open_image(data, max_pixels)
        img.draft("L", (THUMB_PX * 2, THUMB_PX * 2))
        img = img.convert("L")
        img.thumbnail((THUMB_PX, THUMB_PX))
        img = img.filter(ImageFilter.GaussianBlur(radius=max(3, THUMB_PX // 16)))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=60)
    except (BrightlineError, OSError, ValueError):
        return None
    return base64.b64encode(out.getvalue()).decode("ascii")


def thumbnails(
    exhibits: dict[str, Path],
    wanted: Iterable[tuple[str, str]],
    limits: ArchiveLimits,
    max_pixels: int,
) -> dict[tuple[str, str], str]:
    """Thumbnails of the ``(exhibit, path)`` files, read again from the evidence."""
    todo: dict[str, set[str]] = {}
    for exhibit, path in list(wanted)[:MAX_THUMBS]:
        todo.setdefault(exhibit, set()).add(path)
    out: dict[tuple[str, str], str] = {}
    for exhibit, paths in todo.items():
        source_path = exhibits.get(exhibit)
        if source_path is None or not source_path.exists():
            continue
        for item in ExhibitSource(source_path, limits).items():
            key = str(item.locator)
            if key not in paths or item.open is None:
                continue
            try:
                with item.open() as stream:
                    data = stream.read(_THUMB_BYTES)
            except Exception:  # evidence that was readable may not be any more
                continue
            thumb = thumbnail(data, max_pixels)
            if thumb:
                out[(exhibit, key)] = thumb
            paths.discard(key)
            if not paths:
                break
    return out
