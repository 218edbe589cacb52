"""Decode a video with PyAV (FFmpeg) and hash the frames vPDQ samples.

Only what sampling needs is decoded, and only as far as PDQ needs it:

- **Which frames.** As Meta's vpdq: frame ``n`` is hashed when ``n % int(fps / rate)
  == 0`` (rate 0: every frame), ``n`` counted from the stream's first frame and
  timestamp ``n / fps``. Frame numbers come from presentation times, so the decoder
  may be told, packet by packet, to skip non-reference frames no sample needs
  (``skip_frame``): nothing refers to them, so the frames that are hashed are
  decoded exactly as a full decode would. ``skip="bidir"`` also skips B-frames
  that are references (B-pyramids) away from samples: about a third less decoding
  again, but a later P-frame may refer to one, and FFmpeg conceals the loss, so
  sampled frames can move by a few bits (measured in ``bench/bench_video.py``); it
  is off by default.
- **Loop filter.** By default (``loop_filter="skip"``) the codec's in-loop
  deblocking filter is not run (FFmpeg's ``skip_loop_filter=all``). It smooths block
  edges that PDQ's 64x64 low-pass filter averages away anyway: at 720p/1080p H.264
  it took about a third of the decode time and moved sampled frames by 0.2 bits on
  average (max 2) against vpdq, inside the conformance bound (mean <= 2, p95 <= 8;
  ``tests/core/video/test_vpdq_hashing.py`` checks it on every default run).
  ``loop_filter="keep"`` decodes exactly as vpdq does.
- **Reduced size.** Not used: FFmpeg's ``lowres`` exists only for old codecs
  (MJPEG, MPEG-1/2/4 part 2); H.264, HEVC, VP9 and AV1 decoders have none.
- **Which pixels.** Only sampled frames are converted, to RGB as vpdq does (FFmpeg's
  swscale), and the native PDQ kernel hashes them: the hashes are vpdq's bit for
  bit. ``luma_plane=True`` hands a planar YUV frame's Y plane to the kernel as is (no
  conversion at all); Y is limited-range luma, which PDQ's median threshold mostly
  ignores, but RGB clipping moves a few bits on some frames (mean ~2.5 bits), so it
  is off by default.
- **Threads.** FFmpeg's frame/slice threads (``threads=0``: automatic).

Hostile input is bounded before and while decoding: a frame size over
``max_pixels``, a declared or read frame count over ``max_frames``, a duration over
``max_seconds`` are errors with a reason; so is anything FFmpeg cannot read. Frames
stream through one at a time, so memory does not grow with the video; a file-like
source (an upload, a pipe) is read as it goes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import av
import numpy as np

from brightline.core.signals import _pdq
from brightline.core.signals.vpdq import VpdqFrame, keep_frames
from brightline.core.video.options import VideoOptions as VideoOptions  # re-exported
from brightline.errors import DecodeError

log = logging.getLogger(__name__)

# Pixel formats whose first plane is 8-bit luminance, one byte per pixel.
_LUMA_FIRST = frozenset(
    {
        "yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p",
        "yuvj440p", "yuv411p", "yuv410p", "yuva420p", "yuva422p", "yuva444p", "nv12",
        "nv21", "nv16", "gray",
    }
)  # fmt: skip


#: Frames either side of a sample whose B-frames ``skip="bidir"`` still decodes (a
#: sampled B-frame refers to the B-pyramid's middle frame, within a mini-GOP).
_MINI_GOP = 4


@dataclass(slots=True)
class VideoHash:
    """A video's vPDQ frames (quality-filtered, deduplicated) and what was read."""

    frames: list[VpdqFrame]
    duration: float = 0.0
    sampled: int = 0
    fps: float = 0.0
    width: int = 0
    height: int = 0
    error: str | None = None
    #: The stable code of ``error`` (``DecodeError.code``), kept with it.
    error_code: str | None = None
    all_frames: list[VpdqFrame] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "duration": round(self.duration, 3),
            "fps": round(self.fps, 3),
            "width": self.width,
            "height": self.height,
            "sampled": self.sampled,
        }


def hash_video(source: Path | BinaryIO, opts: VideoOptions | None = None) -> VideoHash:
    """vPDQ of a video file or stream. Raises DecodeError when nothing could be read;
    a video that breaks part way keeps the frames before the break and says why."""
    opts = opts or VideoOptions()
    out = VideoHash([])
    raw: list[VpdqFrame] = []
    try:
        with open_container(source) as container:
            sampler = Sampler(container, opts)
            out.fps, out.width, out.height = sampler.fps, sampler.width, sampler.height
            for frame in sampler:
                raw.append(frame)
            out.duration = sampler.duration
    except DecodeError as exc:
        if not raw:
            raise
        out.error, out.error_code = str(exc), exc.code
    out.sampled = len(raw)
    out.frames = keep_frames(raw, opts.min_quality)
    out.all_frames = raw
    return out


def open_container(source: Path | BinaryIO | str, **kwargs: object) -> av.container.InputContainer:
    try:
        target = str(source) if isinstance(source, Path) else source
        return av.open(target, mode="r", **kwargs)  # type: ignore[call-overload,no-any-return]
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise DecodeError(f"not a decodable video: {_reason(exc)}") from exc


class Sampler:
    """Iterates the sampled frames of a container's first video stream as VpdqFrames
    (every quality; the caller filters)."""

    def __init__(self, container: av.container.InputContainer, opts: VideoOptions) -> None:
        if not container.streams.video:
            raise DecodeError("no video stream in the file")
        self.container = container
        self.opts = opts
        self.stream = stream = container.streams.video[0]
        cc = stream.codec_context
        self.width, self.height = int(cc.width or 0), int(cc.height or 0)
        _check_declared(stream, self.width, self.height, opts)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        self.fps = float(rate) if rate else 0.0
        self.frame_mod = 1
        if opts.rate > 0 and self.fps > 0:
            self.frame_mod = max(1, int(self.fps / opts.rate))
        self.time_base = float(stream.time_base) if stream.time_base else 0.0
        self.start: int | None = stream.start_time
        self.duration = 0.0
        if opts.loop_filter == "skip":
            # Applied when the decoder opens (at the first packet), to every frame.
            cc.options = {**cc.options, "skip_loop_filter": "all"}
        if opts.threads != 1:
            cc.thread_type = "AUTO"
            cc.thread_count = opts.threads
        else:
            cc.thread_count = 1
        self._skipping = opts.skip != "none" and self.frame_mod > 1 and self.fps > 0

    def number(self, pts: int | None, counter: int) -> int:
        """The frame number of a presentation time (vpdq counts decoded frames)."""
        if pts is None or not self.time_base or not self.fps or not self._skipping:
            return counter
        if self.start is None:
            self.start = pts
        return max(0, round((pts - self.start) * self.time_base * self.fps))

    def _discard(self, r: int) -> Literal["DEFAULT", "NONREF", "BIDIR"]:
        """What the decoder may drop of a frame ``r`` frames past a sample."""
        if r == 0:
            return "DEFAULT"
        near = r <= _MINI_GOP or r >= self.frame_mod - _MINI_GOP
        return "BIDIR" if self.opts.skip == "bidir" and not near else "NONREF"

    def __iter__(self) -> Iterator[VpdqFrame]:
        opts, cc = self.opts, self.stream.codec_context
        packets = decoded = 0
        last = -1
        try:
            for packet in self.container.demux(self.stream):
                packets += 1
                if packets > opts.max_frames:
                    raise DecodeError(
                        f"video has more than {opts.max_frames:,} frames (video_max_frames)"
                    )
                if self._skipping and packet.pts is not None:
                    cc.skip_frame = self._discard(self.number(packet.pts, 0) % self.frame_mod)
                for frame in packet.decode():
                    n = self.number(frame.pts, decoded)
                    decoded += 1
                    if n % self.frame_mod or n <= last:
                        continue
                    last = n
                    yield self._hashed(frame, n)
        except av.FFmpegError as exc:
            raise DecodeError(f"video is corrupt or truncated: {_reason(exc)}") from exc
        except MemoryError as exc:
            raise DecodeError("video frame too large to decode") from exc

    def _hashed(self, frame: av.VideoFrame, n: int) -> VpdqFrame:
        timestamp = n / self.fps if self.fps else float(frame.time or 0.0)
        if timestamp > self.opts.max_seconds:
            raise DecodeError(
                f"video is longer than {self.opts.max_seconds:,.0f} s (video_max_seconds)"
            )
        self.duration = max(self.duration, timestamp)
        width, height = frame.width, frame.height
        if width * height > self.opts.max_pixels:
            raise DecodeError(f"video frame {width}x{height} is over the pixel limit")
        if self.opts.luma_plane:
            pixels, bpp = luma(frame), 1
        else:
            pixels, bpp = rgb(frame), 3
        quality, hashes = _pdq.hash_plane(pixels, bpp, width, height, width, height, 1, 1, False)
        return VpdqFrame(n, quality, hashes[0].hex(), round(timestamp, 3))


def rgb(frame: av.VideoFrame) -> bytes:
    """The frame as packed RGB24, ``width * height * 3`` bytes (vpdq's conversion)."""
    return frame.to_ndarray(format="rgb24").tobytes()


def luma(frame: av.VideoFrame) -> bytes:
    """The frame's 8-bit luminance, ``width * height`` bytes row by row."""
    if frame.format.name not in _LUMA_FIRST:
        frame = frame.reformat(format="gray")
    plane = frame.planes[0]
    width, height, stride = frame.width, frame.height, plane.line_size
    if stride == width:
        return bytes(plane)[: width * height]
    rows = np.frombuffer(memoryview(plane), np.uint8)[: stride * height].reshape(height, stride)
    return bytes(rows[:, :width].tobytes())


def _check_declared(
    stream: av.video.stream.VideoStream, width: int, height: int, opts: VideoOptions
) -> None:
    if width <= 0 or height <= 0:
        raise DecodeError("video stream declares no frame size")
    if width * height > opts.max_pixels:
        raise DecodeError(
            f"video frames are {width}x{height} = {width * height:,} pixels, over the limit "
            f"of {opts.max_pixels:,}"
        )
    if stream.frames and stream.frames > opts.max_frames:
        raise DecodeError(
            f"video declares {stream.frames:,} frames, over the limit of {opts.max_frames:,} "
            "(video_max_frames)"
        )
    if stream.duration and stream.time_base:
        seconds = float(stream.duration * stream.time_base)
        if seconds > opts.max_seconds:
            raise DecodeError(
                f"video declares {seconds:,.0f} s, over the limit of {opts.max_seconds:,.0f} s "
                "(video_max_seconds)"
            )


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."
