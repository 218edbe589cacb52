"""Folder scanning throughput: files/s hashed (MD5, SHA-1, SHA-256, PDQ) and matched,
on one and on two worker processes, beside the anchor — Pillow full decode +
``pdqhash.compute`` + hashlib on one core — measured in the same run.

    .venv/bin/python bench/bench_scan.py [--n 200] [--size 1024x768]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image

from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions
from brightline.services.pipeline.scan import hash_files, iter_files


def make_folder(root: Path, n: int, size: tuple[int, int]) -> None:
    base = [picture(seed, size) for seed in range(8)]
    for i in range(n):
        img = base[i % len(base)].rotate(i % 7, expand=False)
        (root / f"{i:05d}.jpg").write_bytes(jpeg(img, 85))


def anchor(files: list[Path]) -> float:
    t0 = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        for algo in ("md5", "sha1", "sha256"):
            hashlib.new(algo, data).hexdigest()
        with Image.open(path) as img:
            pdqhash.compute(np.asarray(img.convert("RGB")))
    return len(files) / (time.perf_counter() - t0)


def ours(root: Path, workers: int) -> float:
    files = list(iter_files([root]))
    t0 = time.perf_counter()
    count = sum(1 for r in hash_files(files, HashOptions(), workers) if r.signals)
    elapsed = time.perf_counter() - t0
    assert count == len(files)
    return count / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--size", default="1024x768")
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check the script runs (make bench-smoke)",
    )
    args = ap.parse_args()
    if args.smoke:
        args.n, args.size = 4, "320x240"
    w, h = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_folder(root, args.n, (w, h))
        files = sorted(root.iterdir())
        ref = anchor(files)
        one = ours(root, 1)
        two = ours(root, 2)
    print(f"scan {args.n} JPEGs of {w}x{h} ({w * h / 1e6:.1f} MP): files/s")
    print(f"  anchor (Pillow RGB + pdqhash + hashlib), 1 core: {ref:8.1f}")
    print(f"  brightline hash_files, 1 worker:                 {one:8.1f}  ({one / ref:.1f}x)")
    print(f"  brightline hash_files, 2 workers:                {two:8.1f}  ({two / ref:.1f}x)")


if __name__ == "__main__":
    main()
