"""vPDQ of a piece of ``Content``: what ``VpdqSignal.hash_content`` runs.

A video (path or bytes) is decoded with PyAV, sampling only what vPDQ needs; an
animated GIF/WebP/APNG has every frame hashed; a still image has no vPDQ (None).
The file's MD5 goes with the frames: a byte-identical copy of a listed video
matches it even when none of its frames is usable.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

from brightline.core.signals.base import VIDEO, Content
from brightline.core.video.animated import ANIMATED_TYPES, frame_count, hash_animation
from brightline.core.video.options import VideoOptions

if TYPE_CHECKING:  # PyAV and numpy load only when a video is hashed
    from brightline.core.video.decode import VideoHash

_CHUNK = 1 << 20


def hash_content(content: Content, opts: VideoOptions | None) -> tuple[VideoHash, str] | None:
    """The frames and the file's MD5; None for content that is not moving pictures.
    Raises DecodeError when nothing could be decoded."""
    opts = opts or VideoOptions()
    src = content.source
    if content.content_type == VIDEO:
        from brightline.core.video.decode import hash_video

        video = hash_video(src if isinstance(src, Path) else io.BytesIO(src), opts)
    elif content.media_type in ANIMATED_TYPES and frame_count(src) > 1:
        video = hash_animation(src, opts, content.max_pixels)
    else:
        return None
    return video, content.digests.get("md5") or _md5(src)


def _md5(source: bytes | Path) -> str:
    if isinstance(source, bytes):
        return hashlib.md5(source).hexdigest()
    digest = hashlib.md5()
    with open(source, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
