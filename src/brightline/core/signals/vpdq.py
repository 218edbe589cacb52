"""vPDQ: a video's signal is the PDQ hash of frames sampled at a steady rate.

Meta's vPDQ (``facebook/ThreatExchange/vpdq``) hashes one frame every
``seconds_per_hash`` (frame numbers that are multiples of ``int(fps * seconds)``),
keeps each frame's quality and timestamp, and compares two videos frame by frame:
a frame matches when some frame of the other video is within the PDQ distance.

Values are written in three shapes, all read here:

- the ``vpdq`` tool's file: ``frame_number,quality,pdq_hex,timestamp`` per line;
- python-threatexchange's signal: a JSON array of ``"pdq_hex,quality,timestamp"``
  strings (no frame numbers: frames are numbered in order on reading);
- Brightline's canonical text, the vpdq-file lines joined by ``;`` (what
  ``VPDQ.normalize`` returns and what a list entry's frames are parsed from).

Frames below ``MIN_QUALITY`` carry too little detail to compare and are dropped; so
are repeats of a hash already seen (vPDQ's dedupe), keeping the first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from brightline.core.signals.base import (
    PHOTO,
    VIDEO,
    Content,
    SignalIndex,
    SignalTypeBase,
    SignalValue,
)
from brightline.core.signals.hexhash import MD5 as MD5_SIGNAL
from brightline.errors import InvalidHashError

if TYPE_CHECKING:
    from brightline.core.video.options import VideoOptions

NAME = "vpdq"
#: Frames below this PDQ quality are dropped (vPDQ's and pytx's default).
MIN_QUALITY = 50
#: Frame distance at or below which two frames match (vPDQ's default).
DEFAULT_FRAME_THRESHOLD = 31
#: Share of the query's frames that must match (trimmed clip of a listed video).
DEFAULT_QUERY_SHARE = 0.8
#: Share of the listed video's frames that must match (listed video inside a longer one).
DEFAULT_LISTED_SHARE = 0.8
#: More frames than this in one value is refused (about 3 hours at 1 frame/s).
MAX_FRAMES = 12_000


@dataclass(frozen=True, slots=True)
class VpdqFrame:
    """One sampled frame: its number in the video, PDQ quality, hash and time (s)."""

    frame: int
    quality: int
    pdq: str
    timestamp: float

    def as_dict(self) -> dict[str, object]:
        return {
            "frame": self.frame,
            "quality": self.quality,
            "pdq": self.pdq,
            "timestamp": round(self.timestamp, 3),
        }

    def vpdq_line(self) -> str:
        return f"{self.frame},{self.quality},{self.pdq},{self.timestamp:.3f}"


def keep_frames(frames: Iterable[VpdqFrame], min_quality: int = MIN_QUALITY) -> list[VpdqFrame]:
    """Drop low-quality frames and repeats of a hash already kept (first one wins)."""
    seen: set[str] = set()
    out = []
    for f in frames:
        if f.quality >= min_quality and f.pdq not in seen:
            seen.add(f.pdq)
            out.append(f)
    return out


# -- text forms ------------------------------------------------------------------


def to_text(frames: Sequence[VpdqFrame]) -> str:
    """Canonical text: vpdq-file lines joined by ``;``."""
    return ";".join(f.vpdq_line() for f in frames)


def to_vpdq_file(frames: Sequence[VpdqFrame]) -> str:
    return "".join(f.vpdq_line() + "\n" for f in frames)


def to_pytx(frames: Sequence[VpdqFrame]) -> str:
    """python-threatexchange's serialisation (``VPDQSignal``): JSON array of strings."""
    return json.dumps([f"{f.pdq},{f.quality},{f.timestamp:.3f}" for f in frames])


def parse(value: str) -> list[VpdqFrame]:
    """Frames from any of the three forms. Raises InvalidHashError."""
    text = value.strip()
    if text.startswith("["):
        return _parse_pytx(text)
    parts = [p for p in text.replace("\r", "").replace("\n", ";").split(";") if p.strip()]
    return [parse_line(p, f"frame {i + 1}") for i, p in enumerate(_bounded(parts))]


def parse_line(line: str, where: str = "frame") -> VpdqFrame:
    """One ``frame_number,quality,pdq_hex,timestamp`` line."""
    fields = [x.strip() for x in line.strip().split(",")]
    if len(fields) != 4:
        raise InvalidHashError(
            f"not a vpdq frame ({where}): expected frame_number,quality,pdq_hex,timestamp"
        )
    try:
        return _frame(int(fields[0]), fields[1], fields[2], fields[3])
    except ValueError:
        raise InvalidHashError(f"not a vpdq frame ({where}): bad frame number") from None


def _parse_pytx(text: str) -> list[VpdqFrame]:
    try:
        items = json.loads(text)
    except ValueError:
        raise InvalidHashError("not a vpdq signal: broken JSON array") from None
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise InvalidHashError('not a vpdq signal: expected a JSON array of "pdq,quality,time"')
    out = []
    for i, item in enumerate(_bounded(items)):
        fields = [x.strip() for x in item.split(",")]
        if len(fields) != 3:
            raise InvalidHashError(f"not a vpdq frame (frame {i + 1}): expected pdq,quality,time")
        out.append(_frame(i, fields[1], fields[0], fields[2]))
    return out


def _bounded(items: list[str]) -> list[str]:
    if not items:
        raise InvalidHashError("a vpdq signal needs at least one frame")
    if len(items) > MAX_FRAMES:
        raise InvalidHashError(f"a vpdq signal of {len(items):,} frames (limit {MAX_FRAMES:,})")
    return items


def _frame(number: int, quality: str, pdq: str, timestamp: str) -> VpdqFrame:
    hexed = pdq.lower()
    if len(hexed) != 64 or not _is_hex(hexed):
        raise InvalidHashError(f"not a vpdq frame: bad PDQ hash {pdq[:80]!r}")
    try:
        q, t = int(quality), float(timestamp)
    except ValueError:
        raise InvalidHashError("not a vpdq frame: bad quality or timestamp") from None
    if not 0 <= q <= 100 or not 0 <= t < 1e7 or number < 0:
        raise InvalidHashError("not a vpdq frame: quality, time or frame number out of range")
    return VpdqFrame(number, q, hexed, round(t, 3))


def _is_hex(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) == 32
    except ValueError:
        return False


def digest(frames: Sequence[VpdqFrame]) -> str:
    """The value a list entry is known by: SHA-256 of the canonical text."""
    return hashlib.sha256(to_text(frames).encode()).hexdigest()


class VpdqSignal(SignalTypeBase):
    """The ``vpdq`` signal type (perceptual, matched frame by frame).

    A computed signal (``hash_content``) is a ``SignalValue`` whose ``value`` is the
    frames' ``digest`` (what a list entry is stored under, short enough for every
    table), ``variants`` are ``md5:<file md5>`` then the frames' vpdq lines (the query
    group the index searches with), and ``extra`` holds the JSON fields of the file's
    signals row: ``vpdq`` (the frames) and ``video`` (duration, fps, size, sampled).
    ``options`` (rate, budgets) is set from the settings at the entry point
    (``services.video.matching.configure``).
    """

    name = NAME
    exact = False
    content_types = frozenset({VIDEO, PHOTO})  # photos: animated GIF/WebP/APNG only
    default_threshold = DEFAULT_FRAME_THRESHOLD
    max_threshold = 256

    def __init__(self) -> None:
        self.options: VideoOptions | None = None  # None: VideoOptions() defaults

    def normalize(self, value: str) -> str:
        """Canonical text (see the module docstring); low quality and repeats dropped
        but never to nothing."""
        md5 = None
        if value.startswith("md5:") and "|" in value:  # a video hashed here: its file MD5
            head, value = value.split("|", 1)
            md5 = MD5_SIGNAL.normalize(head[4:])
        frames = parse(value)
        text = to_text(keep_frames(frames) or frames[:1])
        return f"md5:{md5}|{text}" if md5 else text

    def distance(self, a: str, b: str) -> int:
        """Frames of either video with no frame of the other within the frame
        threshold (0: every frame has a partner); symmetric, the brute-force oracle."""
        mine = [int(f.pdq, 16) for f in parse(_frames_text(a))]
        theirs = [int(f.pdq, 16) for f in parse(_frames_text(b))]
        return _unpartnered(mine, theirs) + _unpartnered(theirs, mine)

    def hash_content(self, content: Content) -> SignalValue | None:
        """vPDQ of a video (path or bytes), or of an animation's every frame; None
        for a still image. Raises DecodeError when nothing could be decoded."""
        from brightline.core.video.hashing import hash_content

        found = hash_content(content, self.options)
        if found is None:
            return None
        video, md5 = found
        extra: dict[str, object] = {"vpdq": [f.as_dict() for f in video.frames]}
        extra["video"] = video.as_dict()
        if video.error:  # a video that broke part way: its frames and why (error row)
            extra["decode_error"] = video.error
            extra["decode_error_code"] = video.error_code or "undecodable"
        lines = tuple(f.vpdq_line() for f in video.frames)
        return SignalValue(digest(video.frames), None, (f"md5:{md5}", *lines), extra)

    def build_index(self) -> SignalIndex:
        from brightline.core.video.index import VpdqIndex

        return VpdqIndex()


def _unpartnered(these: list[int], others: list[int]) -> int:
    return sum(all((x ^ y).bit_count() > DEFAULT_FRAME_THRESHOLD for y in others) for x in these)


def _frames_text(value: str) -> str:
    return value.split("|", 1)[1] if value.startswith("md5:") and "|" in value else value


VPDQ = VpdqSignal()


def _register_sniffer() -> None:
    from brightline.core.signals.content import register_sniffer
    from brightline.core.video.sniff import sniff_video_type

    register_sniffer(sniff_video_type)  # so ``content_type_of`` says ``video``


_register_sniffer()
