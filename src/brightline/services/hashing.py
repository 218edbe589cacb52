"""Hash one file: cryptographic digests always, PDQ when it is an image, vPDQ when
it is a video or an animation (``_add_video``: the one place video joins hashing).

Never raises for a bad file: the problem comes back as ``ScanResult.error`` with a
plain reason, and whatever could be computed (the digests) is kept.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from brightline.core.models import FileSignals, ScanResult
from brightline.core.signals.crypto import digests_of_bytes, digests_of_stream
from brightline.core.signals.decode import sniff_media_type
from brightline.core.signals.pdq import pdq_of_file
from brightline.core.video import VideoOptions, hash_video, is_video, sniff_video_type
from brightline.core.video.animated import ANIMATED_TYPES, frame_count, hash_animation
from brightline.core.video.sniff import HEAD_BYTES
from brightline.errors import DecodeError
from brightline.settings import Settings

#: Images larger than this are not decoded (their digests are still computed).
MAX_IMAGE_BYTES = 256 * 1024 * 1024
_HEAD = 32


@dataclass(frozen=True, slots=True)
class HashOptions:
    max_pixels: int = 200_000_000
    dihedral: bool = False
    video: VideoOptions = field(default_factory=VideoOptions)


def options_from(
    settings: Settings, dihedral: bool = False, *, upload: bool = False
) -> HashOptions:
    """Hashing options from the settings (``upload``: the API's tighter pixel cap)."""
    video = VideoOptions(
        rate=settings.video_rate,
        max_pixels=settings.video_max_pixels,
        max_frames=settings.video_max_frames,
        max_seconds=settings.video_max_seconds,
    )
    pixels = settings.upload_max_pixels if upload else settings.max_image_pixels
    return HashOptions(pixels, dihedral, video)


def media_type_of(head: bytes) -> str | None:
    """Image or video MIME type from a file's first ``HEAD_BYTES`` bytes."""
    return sniff_media_type(head[:_HEAD]) or sniff_video_type(head)


def hash_bytes(data: bytes, opts: HashOptions, name: str = "<upload>") -> ScanResult:
    if not data:
        return ScanResult(name, error="empty file")
    md5, sha1, sha256 = digests_of_bytes(data)
    media_type = media_type_of(data[:HEAD_BYTES])
    signals = FileSignals(md5, sha1, sha256, len(data), media_type)
    if is_video(media_type):
        return _add_video(ScanResult(name, signals), io.BytesIO(data), opts)
    return _add_pdq(ScanResult(name, signals), data, opts)


def hash_stream(stream: BinaryIO, opts: HashOptions, name: str = "<upload>") -> ScanResult:
    """Hash a seekable stream (an upload spooled to disk) without reading it whole."""
    head = stream.read(HEAD_BYTES)
    media_type = media_type_of(head)
    stream.seek(0)
    if not is_video(media_type):
        return hash_bytes(stream.read(MAX_IMAGE_BYTES + 1), opts, name)
    md5, sha1, sha256, size = digests_of_stream(stream)
    stream.seek(0)
    return _add_video(
        ScanResult(name, FileSignals(md5, sha1, sha256, size, media_type)), stream, opts
    )


def hash_path(path: Path, opts: HashOptions) -> ScanResult:
    name = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
            media_type = media_type_of(head)
            size = path.stat().st_size
            if media_type is not None and not is_video(media_type) and size <= MAX_IMAGE_BYTES:
                return hash_bytes(head + fh.read(), opts, name)
            fh.seek(0)
            md5, sha1, sha256, size = digests_of_stream(fh)
    except OSError as exc:
        return ScanResult(name, error=f"cannot read file: {exc.strerror or exc}")
    if size == 0:
        return ScanResult(name, error="empty file")
    signals = FileSignals(md5, sha1, sha256, size, media_type)
    if is_video(media_type):
        return _add_video(ScanResult(name, signals), path, opts)
    if media_type is None:
        return ScanResult(name, signals, error="not a recognised image format")
    return ScanResult(name, signals, error=f"image too large to decode ({size:,} bytes)")


def _add_pdq(result: ScanResult, data: bytes, opts: HashOptions) -> ScanResult:
    signals = result.signals
    assert signals is not None
    if signals.media_type is None:
        result.error = "not a recognised image format"
        return result
    try:
        pdq = pdq_of_file(data, opts.max_pixels, dihedral=opts.dihedral)
    except DecodeError as exc:
        result.error = str(exc)
        return result
    signals.pdq, signals.pdq_quality = pdq.hash, pdq.quality
    if pdq.dihedral is not None:
        signals.pdq_dihedral = list(pdq.dihedral)
    if signals.media_type in ANIMATED_TYPES and frame_count(data) > 1:
        _add_animation(result, data, opts)
    return result


def _add_video(result: ScanResult, source: Path | BinaryIO, opts: HashOptions) -> ScanResult:
    """vPDQ of a video; a video that cannot be decoded keeps its digests."""
    signals = result.signals
    assert signals is not None
    try:
        video = hash_video(source, opts.video)
    except DecodeError as exc:
        result.error = str(exc)
        return result
    signals.vpdq, signals.video = video.frames, video.as_dict()
    result.error = video.error
    return result


def _add_animation(result: ScanResult, data: bytes, opts: HashOptions) -> None:
    signals = result.signals
    assert signals is not None
    try:
        video = hash_animation(data, opts.video, opts.max_pixels)
    except DecodeError as exc:
        result.error = str(exc)
        return
    signals.vpdq, signals.video = video.frames, video.as_dict()
