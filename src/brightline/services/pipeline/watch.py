"""Watch a live stream (HLS, RTMP/RTSP, a file being written, a device) for known video.

A reader thread decodes the stream and samples frames at the configured rate into
a bounded queue (when matching falls behind, the oldest frames are dropped and
counted, so memory never grows); the caller's thread hashes and matches them. Each
sampled frame is looked up in the video index and the image lists: an alert is
raised when the last ``window`` sampled frames match one listed video (its
``query_share`` over the window reaches the list's threshold), or when a frame
matches a listed image. One alert per listed item per sighting: the same entry
alerts again only after ``cooldown_s`` (wall time) without a match.

The stream is reopened when it ends, stalls (FFmpeg's read timeout), drops or
sends garbage, after a backoff doubling from 1 s to ``reconnect_max_s``; each
reason is logged. Alerts are recorded by the watch's job (kind ``watch``) and go
through the lists' actions like any match (match log, webhooks, review): the item is
the matching frames (a strip of the window's frames as one JPEG), so a ``review``
action puts them in front of an analyst, blurred like any other item.
"""

from __future__ import annotations

import collections
import io
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

import av

from brightline.core.actor import Actor
from brightline.core.models import Match, ScanResult, match_json
from brightline.core.signals import _pdq, vpdq
from brightline.core.signals.vpdq import MIN_QUALITY, VpdqFrame
from brightline.core.video.decode import luma, open_container, rgb
from brightline.errors import DecodeError
from brightline.services.hashing import HashOptions, hash_bytes
from brightline.services.lists.matching import Matcher, Query
from brightline.services.pipeline.job import Job
from brightline.services.review.env import ReviewEnv
from brightline.services.video.matching import frames_in_image_lists

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WatchOptions:
    rate: float = 1.0
    window: int = 2
    cooldown_s: float = 30.0
    buffer_frames: int = 64
    reconnect_max_s: float = 30.0
    read_timeout_s: float = 10.0
    max_reconnects: int | None = None
    follow_idle_s: float = 30.0


@dataclass(frozen=True, slots=True)
class Alert:
    """A known video or image seen in the stream."""

    match: Match
    stream_time: float
    wall_time: datetime
    frame: VpdqFrame

    def as_dict(self) -> dict[str, object]:
        return {
            "alert": True,
            "list": self.match.list_name,
            "entry_id": self.match.entry_id,
            "source_id": self.match.source_id,
            "category": self.match.category,
            "signal_type": self.match.signal_type,
            "stream_time": round(self.stream_time, 3),
            "wall_time": self.wall_time.isoformat(),
            "match": match_json(self.match),
        }


@dataclass(slots=True)
class _Sample:
    frame: VpdqFrame
    received: float
    #: A small picture of the frame (kept only when alerts keep their frames).
    image: Any = None


#: Frames kept for an alert's item are at most this wide.
THUMB_WIDTH = 480


@dataclass
class WatchStats:
    frames: int = 0
    dropped: int = 0
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)


class Watcher:
    """``run`` blocks until ``stop`` is set (or the source ends for good)."""

    def __init__(
        self,
        source: str,
        matcher: Matcher,
        list_names: Sequence[str] | None,
        opts: WatchOptions,
        on_alert: Callable[[Alert], None],
        *,
        job: Job | None = None,
    ) -> None:
        self.source = source
        self.matcher = matcher
        self.list_names = list(list_names) if list_names else None
        self.opts = opts
        self.on_alert = on_alert
        #: Records alerts and runs the lists' actions; None: alerts are only shown.
        self.job = job
        self._keep_frames = job is not None and job.run_actions
        self.stop = threading.Event()
        self.stats = WatchStats()
        self._queue: collections.deque[_Sample] = collections.deque(maxlen=opts.buffer_frames)
        self._ready = threading.Condition()
        self._reader_done = threading.Event()
        self._last_seen: dict[tuple[int, int], float] = {}
        self._refreshed = 0.0

    # -- consumer ---------------------------------------------------------------

    def run(self) -> WatchStats:
        self.matcher.match([], self.list_names)  # an unknown list fails now, not later
        reader = threading.Thread(target=self._read_forever, name="brightline-watch", daemon=True)
        reader.start()
        window: collections.deque[_Sample] = collections.deque(maxlen=max(1, self.opts.window))
        try:
            while not self.stop.is_set():
                sample = self._next()
                if sample is None:
                    if self._reader_done.is_set() and not self._queue:
                        break
                    continue
                window.append(sample)
                self._check(list(window), sample)
        finally:
            self.stop.set()
            reader.join(timeout=5)
        return self.stats

    def _next(self) -> _Sample | None:
        with self._ready:
            if not self._queue:
                self._ready.wait(timeout=0.2)
            return self._queue.popleft() if self._queue else None

    def _check(self, samples: list[_Sample], sample: _Sample) -> None:
        window, newest = [s.frame for s in samples], sample.frame
        if time.monotonic() - self._refreshed >= 1.0:  # list changes, about once a second
            self.matcher.refresh(save=False)
            self._refreshed = time.monotonic()
        found: list[Match] = []
        shown = [sample]  # the frames an alert's item shows
        if newest.quality >= MIN_QUALITY:
            good = [f for f in window if f.quality >= MIN_QUALITY]
            if len(good) == len(window) == max(1, self.opts.window):
                lines = tuple(f.vpdq_line() for f in good)
                query = Query(vpdq.NAME, vpdq.digest(good), lines)
                on_video = self.matcher.match([query], self.list_names)[0]
                found.extend(on_video)
                shown = samples if on_video else shown
            pdq = self.matcher.match([Query("pdq", newest.pdq)], self.list_names)
            found.extend(frames_in_image_lists(pdq, [newest]))
        fresh = [m for m in found if self._is_new(m)]
        if not fresh:
            return
        now = datetime.now(UTC)
        for m in fresh:
            self.on_alert(Alert(m, newest.timestamp, now, newest))
        if self.job is not None:
            try:
                self._record(fresh, shown, newest)
            except Exception:  # an alert must never be lost to a recording failure
                log.exception("could not record watch alerts")

    def _record(self, fresh: list[Match], shown: list[_Sample], newest: VpdqFrame) -> None:
        """The alert as an item of the watch's job: the matching frames (one JPEG strip)
        with its matches; the lists' actions run on it (a review item, a webhook)."""
        assert self.job is not None
        where = f"{_redact(self.source)}@{newest.timestamp:.1f}s"
        strip = _strip([s.image for s in shown if s.image is not None])
        if strip is None:
            self.job.record([ScanResult(where, matches=fresh)])
            return
        result = hash_bytes(strip, HashOptions(), where)
        result.matches = fresh
        self.job.record(
            [result], media=[lambda: io.BytesIO(strip)], names=[f"watch-{newest.frame}.jpg"]
        )

    def _is_new(self, m: Match) -> bool:
        """Alert once per sighting: again only after ``cooldown_s`` (wall time, so a
        reconnection replaying the same segments does not alert twice)."""
        key, now = (m.list_id, m.entry_id), time.monotonic()
        last = self._last_seen.get(key)
        self._last_seen[key] = now
        return last is None or now - last > self.opts.cooldown_s

    # -- reader -----------------------------------------------------------------

    def _read_forever(self) -> None:
        delay = 1.0
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    self._read_once()
                    reason = "the stream ended"
                except DecodeError as exc:
                    reason = str(exc)
                except Exception as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                if self.stop.is_set():
                    return
                if _is_plain_file(self.source):
                    if reason != "the stream ended":
                        self.stats.errors.append(reason)
                    return
                self.stats.reconnects += 1
                self.stats.errors.append(reason)
                limit = self.opts.max_reconnects
                if limit is not None and self.stats.reconnects > limit:
                    log.warning("watch: giving up on %s: %s", _redact(self.source), reason)
                    return
                if time.monotonic() - started > 30:
                    delay = 1.0  # it ran for a while: start the backoff again
                log.warning("watch: %s; reconnecting in %.0f s", reason, delay)
                self.stop.wait(delay)
                delay = min(delay * 2, self.opts.reconnect_max_s)
        finally:
            self._reader_done.set()
            with self._ready:
                self._ready.notify_all()

    def _read_once(self) -> None:
        with _open(self.source, self.opts) as container:
            if not container.streams.video:
                raise DecodeError("no video stream in the source")
            stream = container.streams.video[0]
            stream.codec_context.thread_type = "AUTO"
            next_t: float | None = None
            step = 1.0 / self.opts.rate if self.opts.rate > 0 else 0.0
            n = 0
            for frame in _frames(container, stream):
                if self.stop.is_set():
                    return
                t = float(frame.time) if frame.time is not None else n * (step or 1.0)
                n += 1
                if next_t is not None and t < next_t - step:  # the stream restarted
                    next_t = None
                if next_t is not None and t + 1e-6 < next_t:
                    continue
                next_t = t + step if next_t is None else max(next_t + step, t)
                image = _thumb(frame) if self._keep_frames else None
                self._push(_hash(frame, n - 1, t), image)

    def _push(self, vf: VpdqFrame, image: Any = None) -> None:
        with self._ready:
            if len(self._queue) == self._queue.maxlen:
                self.stats.dropped += 1
            self._queue.append(_Sample(vf, time.monotonic(), image))
            self.stats.frames += 1
            self._ready.notify()


def _frames(container: Any, stream: Any) -> Iterator[av.VideoFrame]:
    try:
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except av.InvalidDataError:
                continue  # a damaged packet: skip it, keep watching
    except av.FFmpegError as exc:
        raise DecodeError(f"stream read failed: {exc}") from exc


def _hash(frame: av.VideoFrame, n: int, t: float) -> VpdqFrame:
    fmt = frame.format.name
    pixels, bpp = (luma(frame), 1) if fmt == "gray" else (rgb(frame), 3)
    w, h = frame.width, frame.height
    quality, hashes = _pdq.hash_plane(pixels, bpp, w, h, w, h, 1, 1, False)
    return VpdqFrame(n, quality, hashes[0].hex(), round(t, 3))


def watch_job(env: ReviewEnv, actor: Actor, source: str, lists: Sequence[str] | None) -> Job:
    """The job (kind ``watch``) that records a stream's alerts and runs their actions."""
    job = Job(env, actor, "watch", lists=lists, ref=f"watch:{_redact(source)}")
    job.source = "stream"  # statistics' name for live sources
    return job


def _thumb(frame: av.VideoFrame) -> Any:
    """A small picture of a frame (a PIL image), for an alert's item."""
    width = min(THUMB_WIDTH, frame.width)
    height = max(1, round(frame.height * width / max(1, frame.width)))
    return frame.reformat(width=width, height=height, format="rgb24").to_image()  # type: ignore[no-untyped-call]


def _strip(images: Sequence[Any]) -> bytes | None:
    """Frames side by side, as one JPEG."""
    if not images:
        return None
    from PIL import Image

    height = max(i.height for i in images)
    strip = Image.new("RGB", (sum(i.width for i in images), height))
    x = 0
    for image in images:
        strip.paste(image, (x, 0))
        x += image.width
    out = io.BytesIO()
    strip.save(out, "JPEG", quality=85)
    return out.getvalue()


def _open(source: str, opts: WatchOptions) -> Any:
    timeout_us = str(int(opts.read_timeout_s * 1_000_000))
    if source.startswith(("http://", "https://")):
        options = {"rw_timeout": timeout_us, "live_start_index": "-1", "reconnect": "1"}
        return open_container(source, options=options, timeout=opts.read_timeout_s)
    if source.startswith(("rtsp://", "rtsps://")):
        options = {"rtsp_transport": "tcp", "timeout": timeout_us}
        return open_container(source, options=options, timeout=opts.read_timeout_s)
    if source.startswith(("rtmp://", "rtmps://", "srt://", "udp://", "tcp://")):
        return open_container(
            source, options={"rw_timeout": timeout_us}, timeout=opts.read_timeout_s
        )
    if source.startswith("/dev/video") or source.startswith("v4l2:"):
        return open_container(source.removeprefix("v4l2:"), format="v4l2")
    return open_container(cast(BinaryIO, _Follow(Path(source), opts.follow_idle_s)))


def source_problem(source: str) -> str | None:
    """Why ``source`` cannot be watched at all (a file or device that is not there),
    or None; a URL is tried (and retried) instead, since a stream may start later."""
    if "://" in source:
        return None
    path = Path(source.removeprefix("v4l2:"))
    if not path.exists():
        return f"no such file or device: {source}"
    if path.is_dir():
        return f"{source} is a folder, not a video file, stream or device"
    return None


def nothing_watched(stats: WatchStats) -> str | None:
    """Why a watch that ended saw nothing (no frame decoded), or None."""
    if stats.frames:
        return None
    reason = stats.errors[-1] if stats.errors else "the source ended"
    return f"no decodable video frames in the source ({reason})"


def _is_plain_file(source: str) -> bool:
    return "://" not in source and not source.startswith(("/dev/", "v4l2:"))


class _Follow:
    """A file read as it grows (``tail -f``): EOF only after ``idle_s`` without data."""

    def __init__(self, path: Path, idle_s: float) -> None:
        self._fh: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by PyAV via close()
        self._idle_s = idle_s
        self._ended = False

    def read(self, n: int = -1) -> bytes:
        waited = 0.0
        while True:
            data = self._fh.read(n if n > 0 else 1 << 16)
            if data:
                self._ended = False
                return data
            if self._ended or waited >= self._idle_s:
                # once ended, a decoder probing again is told at once (not after
                # another idle wait each time), so a file with no video ends promptly
                self._ended = True
                return data
            time.sleep(0.1)
            waited += 0.1

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self._fh.close()


def _redact(source: str) -> str:
    """A source for logs: no credentials in the URL."""
    if "@" in source and "://" in source:
        scheme, rest = source.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return os.path.basename(source) if "://" not in source else source
