"""How videos are sampled and what is refused: plain settings, so the entry point can
configure vPDQ without loading PyAV or NumPy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from brightline.core.signals.vpdq import MIN_QUALITY


@dataclass(frozen=True, slots=True)
class VideoOptions:
    """How to sample and what to refuse. ``rate``: frames hashed per second of video
    (0 = every frame); ``threads``: FFmpeg decoding threads (0 = automatic); ``skip``:
    what the decoder may drop away from samples; ``loop_filter``: ``"skip"`` leaves
    out the codec's in-loop deblocking filter (see ``core/video/decode.py``)."""

    rate: float = 1.0
    max_pixels: int = 7680 * 4320
    max_frames: int = 1_000_000
    max_seconds: float = 6 * 3600.0
    skip: Literal["none", "nonref", "bidir"] = "nonref"
    loop_filter: Literal["keep", "skip"] = "skip"
    threads: int = 0
    min_quality: int = MIN_QUALITY
    luma_plane: bool = False
