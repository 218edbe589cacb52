"""Videos under review are shown as a contact sheet: frames sampled evenly through
the video, greyscale, on one small sheet (blurred like any picture unless revealed).
Decoded with PyAV from the decrypted bytes; at most ``FRAMES`` frames are kept."""

from __future__ import annotations

import io
import logging
from typing import Any

import av
from PIL import Image

FRAMES = 9
CELL = 160
_COLS = 3
log = logging.getLogger("brightline.review")


def probe(data: bytes) -> str | None:
    """``video/<container>`` when ``data`` holds a decodable video stream, else None."""
    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.video:
                return None
            name = str(container.format.name).split(",")[0]
            return f"video/{name}"
    except Exception:  # not a container PyAV understands
        return None


def contact_sheet(data: bytes, frames: int = FRAMES) -> Image.Image | None:
    """A grid of up to ``frames`` greyscale frames sampled through the video."""
    try:
        picked = _sample(data, frames)
    except Exception:
        log.info("could not decode a video for its contact sheet", exc_info=True)
        return None
    if not picked:
        return None
    rows = (len(picked) + _COLS - 1) // _COLS
    sheet = Image.new("L", (CELL * _COLS, CELL * rows), 40)
    for i, frame in enumerate(picked):
        frame.thumbnail((CELL - 4, CELL - 4))
        x, y = (i % _COLS) * CELL + 2, (i // _COLS) * CELL + 2
        sheet.paste(frame, (x, y))
    return sheet


def _sample(data: bytes, frames: int) -> list[Image.Image]:
    opened: Any = av.open(io.BytesIO(data), "r")
    with opened as container:
        stream = container.streams.video[0]
        total = stream.frames or 0
        step = max(1, total // frames) if total else 1
        picked: list[Image.Image] = []
        for n, frame in enumerate(container.decode(stream)):
            if n % step == 0:
                img = frame.to_image().convert("L")
                img.thumbnail((CELL * 2, CELL * 2))
                picked.append(img)
                if len(picked) >= frames:
                    break
        return picked
