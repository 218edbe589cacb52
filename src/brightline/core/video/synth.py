"""Benign synthetic videos for tests, benchmarks and the demo.

Slideshows of the photographs scikit-image ships (or of generated shapes when it is
not installed), with a slow pan and zoom so consecutive frames differ, encoded with
PyAV. Nothing here reads anything but those images.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.video.stream import VideoStream
from PIL import Image, ImageDraw


@dataclass(frozen=True, slots=True)
class Clip:
    """``images`` shown ``per_image`` seconds each, panning; ``seed`` picks generated
    images when ``images`` is empty."""

    images: tuple[str, ...] = ("astronaut", "coffee", "chelsea", "rocket")
    per_image: float = 4.0
    seed: int = 0


def pictures(clip: Clip) -> list[Image.Image]:
    if clip.images:
        return [_skimage(name) for name in clip.images]
    rng = np.random.default_rng(clip.seed)
    return [_shapes(rng) for _ in range(4)]


def frames(clip: Clip, size: tuple[int, int], fps: float, seconds: float) -> Iterator[np.ndarray]:
    """RGB frames (height, width, 3) of the slideshow."""
    pics = pictures(clip)
    width, height = size
    for i in range(round(seconds * fps)):
        t = i / fps
        k = int(t // clip.per_image)
        pic = pics[k % len(pics)]
        phase = (t % clip.per_image) / clip.per_image
        yield _view(pic, width, height, phase)


def write_video(
    path: Path,
    clip: Clip | Sequence[Clip] = Clip(),
    *,
    size: tuple[int, int] = (160, 120),
    fps: float = 10.0,
    seconds: float | Sequence[float] = 16.0,
    codec: str = "libx264",
    bit_rate: int | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Encode the clip (or clips one after another, ``seconds`` each) to ``path``."""
    clips = [clip] if isinstance(clip, Clip) else list(clip)
    lengths = [seconds] * len(clips) if isinstance(seconds, (int, float)) else list(seconds)
    with av.open(str(path), mode="w") as out:
        stream = cast(VideoStream, out.add_stream(codec, rate=_rate(fps)))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        if bit_rate:
            stream.bit_rate = bit_rate
        if options:
            stream.options = dict(options)
        for c, length in zip(clips, lengths, strict=True):
            for rgb in frames(c, size, fps, length):
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                for packet in stream.encode(frame):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _rate(fps: float) -> int:
    return round(fps)


def _view(pic: Image.Image, width: int, height: int, phase: float) -> np.ndarray:
    """A window on ``pic`` that pans left to right and zooms in as ``phase`` goes 0..1."""
    pw, ph = pic.size
    zoom = 0.85 - 0.25 * phase
    cw = min(pw, int(ph * zoom * width / height))
    ch = int(cw * height / width)
    x = int((pw - cw) * phase)
    y = int((ph - ch) * (0.5 - 0.3 * phase))
    box = (x, y, x + cw, y + ch)
    return np.asarray(pic.resize((width, height), Image.Resampling.BILINEAR, box=box))


def _skimage(name: str) -> Image.Image:
    try:
        from skimage import data
    except ImportError:  # scikit-image is a dev dependency
        return _shapes(np.random.default_rng(abs(hash(name)) % 2**32))
    img = np.asarray(getattr(data, name)())
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    return Image.fromarray(img[..., :3].astype(np.uint8)).convert("RGB")


def _shapes(rng: np.random.Generator) -> Image.Image:
    img = Image.new("RGB", (640, 480), tuple(int(c) for c in rng.integers(0, 255, 3)))
    draw = ImageDraw.Draw(img)
    for _ in range(30):
        x, y = (int(v) for v in rng.integers(0, 640, 2))
        r = int(rng.integers(10, 120))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    return img


def derive(
    src: Path,
    dst: Path,
    *,
    start: float = 0.0,
    end: float | None = None,
    size: tuple[int, int] | None = None,
    crop: int = 0,
    codec: str = "libx264",
    bit_rate: int | None = None,
    fps: float | None = None,
) -> Path:
    """A changed copy of ``src``: seconds ``start``..``end``, ``crop`` pixels off each
    border, resized to ``size``, re-encoded with ``codec`` at ``bit_rate``."""
    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        in_fps = float(stream.average_rate or 10)
        rate = fps or in_fps
        pictures_ = []
        for frame in inp.decode(stream):
            t = float(frame.time or 0.0)
            if t < start - 1e-6 or (end is not None and t >= end - 1e-6):
                continue
            img = frame.to_image()  # type: ignore[no-untyped-call]
            if crop:
                img = img.crop((crop, crop, img.width - crop, img.height - crop))
            if size:
                img = img.resize(size, Image.Resampling.BILINEAR)
            pictures_.append(np.asarray(img.convert("RGB")))
    width, height = size or (pictures_[0].shape[1], pictures_[0].shape[0])
    step = in_fps / rate
    with av.open(str(dst), mode="w") as out:
        enc = cast(VideoStream, out.add_stream(codec, rate=_rate(rate)))
        enc.width, enc.height = width, height
        enc.pix_fmt = "yuv420p"
        if bit_rate:
            enc.bit_rate = bit_rate
        i = 0.0
        while int(i) < len(pictures_):
            for packet in enc.encode(av.VideoFrame.from_ndarray(pictures_[int(i)], format="rgb24")):
                out.mux(packet)
            i += step
        for packet in enc.encode(None):
            out.mux(packet)
    return dst
