"""PDQ hashing throughput and accuracy on one core, beside the anchor.

Anchor (measured in the same run): Pillow full RGB decode + ``pdqhash.compute``.
Brightline: ``pdq_of_file`` from bytes in memory and from files. Accuracy: Hamming
distance of Brightline's hash to the reference (``reference_pdq_of_file``: full
decode, upright, ``pdqhash``) over the images of quality >= 80.

The images are benign: photographs shipped with scikit-image and scikit-learn,
cropped and upscaled to ~12 MP and ~1 MP with fine texture and sensor-like grain
added (so the JPEGs carry as many bits per pixel as camera photos), saved as
quality-90 4:2:0 JPEGs and cached under bench/data/pdq/ (gitignored).

    .venv/bin/python bench/bench_pdq.py [--images 24] [--repeat 3] [--cpu 0]
"""

from __future__ import annotations

import argparse
import io
import os
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
from PIL import Image, ImageFilter

from brightline.core.signals.pdq import pdq_of_file, reference_pdq_of_file

DATA = Path(__file__).parent / "data" / "pdq"
SETS = {"12MP": (4000, 3000), "1MP": (1152, 864)}
MAX_PIXELS = 200_000_000
PHOTOS = (
    "astronaut",
    "camera",
    "chelsea",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "coins",
    "clock",
    "brick",
    "grass",
    "gravel",
    "retina",
    "page",
    "text",
)
TEXTURES = ("grass", "gravel", "brick")


def photos() -> list[np.ndarray]:
    import skimage.data
    from sklearn.datasets import load_sample_images

    out = [np.asarray(getattr(skimage.data, name)()) for name in PHOTOS]
    return out + [np.asarray(img) for img in load_sample_images().images]


def detailed(photo: np.ndarray, size: tuple[int, int], seed: int) -> Image.Image:
    """``photo`` cropped to the aspect of ``size``, upscaled, with texture and grain."""
    rng = np.random.default_rng(seed)
    img = Image.fromarray(photo).convert("RGB")
    if seed % 2:  # portrait variant
        size = (size[1], size[0])
    w, h = img.size
    cw, ch = (
        (w, round(w * size[1] / size[0]))
        if w / h < size[0] / size[1]
        else (
            round(h * size[0] / size[1]),
            h,
        )
    )
    x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    img = img.crop((x0, y0, x0 + cw, y0 + ch)).resize(size, Image.Resampling.BICUBIC)
    rgb = np.asarray(img, dtype=np.float32)
    height, width = rgb.shape[:2]
    # Real fine detail: a texture photo tiled at its own scale, high-passed.
    import skimage.data

    tex = Image.fromarray(getattr(skimage.data, TEXTURES[seed % len(TEXTURES)])())
    tex_a = np.asarray(tex, dtype=np.float32)
    tex_a = tex_a - np.asarray(tex.filter(ImageFilter.GaussianBlur(3)), dtype=np.float32)
    reps = (height // tex_a.shape[0] + 1, width // tex_a.shape[1] + 1)
    detail = np.tile(tex_a, reps)[:height, :width] * 0.4
    grain = rng.normal(0.0, 2.5, (height, width)).astype(np.float32)
    rgb += (detail + grain)[:, :, None]
    rgb += rng.normal(0.0, 1.0, rgb.shape).astype(np.float32)
    return Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8))


def build_set(name: str, size: tuple[int, int], count: int) -> list[Path]:
    folder = DATA / name
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i:03d}.jpg" for i in range(count)]
    missing = [i for i, p in enumerate(paths) if not p.exists()]
    if missing:
        sources = photos()
        for i in missing:
            img = detailed(sources[i % len(sources)], size, seed=i)
            img.save(paths[i], "JPEG", quality=90)
            print(f"  generated {paths[i]} ({paths[i].stat().st_size / 1e6:.1f} MB)", flush=True)
    return paths


def anchor(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        rgb = np.asarray(img if img.mode == "RGB" else img.convert("RGB"))
        pdqhash.compute(rgb)


def brightline(source: bytes | Path) -> None:
    pdq_of_file(source, MAX_PIXELS)


def each(fn: Callable[[Any], None], items: Sequence[Any]) -> None:
    for item in items:
        fn(item)


def best_times(runs: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    """Best wall time of each run; passes interleave so background load hits all alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for key, run in runs.items():
            t0 = time.perf_counter()
            run()
            best[key] = min(best[key], time.perf_counter() - t0)
    return best


def distances(blobs: list[bytes]) -> Iterator[int]:
    for blob in blobs:
        ref = reference_pdq_of_file(blob, MAX_PIXELS)
        if ref.quality >= 80:
            ours = pdq_of_file(blob, MAX_PIXELS).hash
            yield bin(int(ref.hash, 16) ^ int(ours, 16)).count("1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=24, help="images per set")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (best kept)")
    parser.add_argument("--cpu", type=int, default=0, help="core to pin to")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check the script runs (make bench-smoke)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.images, args.repeat = 2, 1
    os.sched_setaffinity(0, {args.cpu})

    header = (
        f"{'set':5} {'n':>3} {'MB/img':>6} {'anchor img/s':>12} {'bytes img/s':>11} "
        f"{'files img/s':>11} {'ratio':>6} {'ratio(files)':>12} {'n(q>=80)':>8} "
        f"{'mean':>5} {'p95':>4} {'max':>4}"
    )
    rows = []
    for name, size in SETS.items():
        paths = build_set(name, size, args.images)
        blobs = [p.read_bytes() for p in paths]
        n = len(blobs)
        best = best_times(
            {
                "anchor": partial(each, anchor, blobs),
                "bytes": partial(each, brightline, blobs),
                "files": partial(each, brightline, paths),
            },
            args.repeat,
        )
        rates = {key: n / seconds for key, seconds in best.items()}
        dist = np.array(list(distances(blobs)))
        mb = sum(len(b) for b in blobs) / n / 1e6
        rows.append(
            f"{name:5} {n:3d} {mb:6.2f} {rates['anchor']:12.1f} {rates['bytes']:11.1f} "
            f"{rates['files']:11.1f} {rates['bytes'] / rates['anchor']:5.1f}x "
            f"{rates['files'] / rates['anchor']:11.1f}x {len(dist):8d} {dist.mean():5.2f} "
            f"{np.percentile(dist, 95):4.0f} {dist.max():4d}"
        )
        print(rows[-1], flush=True)
    print()
    print(header)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
