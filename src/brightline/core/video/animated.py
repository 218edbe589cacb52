"""Every frame of an animated GIF, WebP or APNG (Pillow), as vPDQ frames.

A still image has one frame and is left to the image path; an animation's frames
are all hashed (not sampled: each may be shown for a moment only), with their
display times, so a known image in frame 2 of a GIF is found.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from brightline.core.signals import _pdq
from brightline.core.signals.vpdq import VpdqFrame, keep_frames
from brightline.core.video.options import VideoOptions
from brightline.errors import DecodeError

if TYPE_CHECKING:
    from brightline.core.video.decode import VideoHash

ANIMATED_TYPES = frozenset({"image/gif", "image/webp", "image/png"})


def frame_count(source: bytes | Path) -> int:
    """Frames in an image file (1 for a still image or one Pillow cannot open)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as img:
                return int(getattr(img, "n_frames", 1))
    except Exception:
        return 1


def hash_animation(source: bytes | Path, opts: VideoOptions, max_pixels: int) -> VideoHash:
    """All frames of an animation. Raises DecodeError."""
    raw: list[VpdqFrame] = []
    from brightline.core.video.decode import VideoHash  # PyAV: loaded when needed

    out = VideoHash([])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
            with img:
                out.width, out.height = img.size
                n = int(getattr(img, "n_frames", 1))
                if n > opts.max_frames or n * out.width * out.height > max_pixels * 4:
                    raise DecodeError(
                        f"animation of {n:,} frames of {out.width}x{out.height} is over the limit"
                    )
                t = 0.0
                for i in range(n):
                    img.seek(i)
                    grey = img.convert("L")
                    quality, hashes = _pdq.hash_plane(
                        grey.tobytes(), 1, grey.width, grey.height,
                        grey.width, grey.height, 1, 1, False,
                    )  # fmt: skip
                    raw.append(VpdqFrame(i, quality, hashes[0].hex(), round(t, 3)))
                    t += float(img.info.get("duration", 100) or 100) / 1000
                out.duration = t
    except DecodeError:
        raise
    except (OSError, ValueError, EOFError, SyntaxError, MemoryError) as exc:
        if not raw:
            raise DecodeError(f"animation is corrupt or truncated: {exc}") from exc
        out.error = f"animation is corrupt or truncated after frame {len(raw)}: {exc}"
        out.error_code = "truncated"

    out.sampled, out.all_frames = len(raw), raw
    out.frames = keep_frames(raw, opts.min_quality)
    out.fps = len(raw) / out.duration if out.duration else 0.0
    return out
