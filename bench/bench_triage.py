"""Police triage speed: ``brightline case add-exhibit`` on a folder and on a raw ext4
image of the same files, against ``md5sum`` over the same files and ``brightline
match`` over the same folder, all in this run.

The image is ext4 (``mkfs.ext4 -d``) or FAT32 (``mkfs.vfat`` + ``mcopy -s``).
The exhibit: ``--n`` files of mixed sizes (JPEG pictures from 160x120 to 1600x1200,
text and binary blobs from 1 KB to 2 MB), 30 % of them duplicates of others, and
some zip archives of a few of them each. Goals: the case costs at most 1.15x
``brightline match`` on the folder; the disk image at most 1.3x the folder. MB/s is
compared with IPED's 400 GB/h (111 MB/s) claim.

    .venv/bin/python bench/bench_triage.py [--n 10000] [--workers 0] [--fs ext|fat] [--repeat 1]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from brightline.services.demo import jpeg, picture

IPED_MB_S = 400_000 / 3600  # 400 GB/h


def build(folder: Path, n: int, seed: int = 0) -> int:
    """Write the exhibit; return its size in bytes."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    made: list[bytes] = []
    sizes = [(160, 120), (320, 240), (640, 480), (1024, 768), (1600, 1200)]
    weights = [30, 30, 25, 10, 5]
    pictures: dict[tuple[int, int], bytes] = {}
    total = 0
    for i in range(n):
        sub = folder / f"d{i % 50:02}"
        sub.mkdir(exist_ok=True)
        if made and rng.random() < 0.30:
            data, ext = rng.choice(made), "dup"
        elif rng.random() < 0.6:
            size = rng.choices(sizes, weights)[0]
            if size not in pictures:
                pictures[size] = jpeg(picture(size[0], size))
            # a distinct picture per file, cheaply: the base picture, re-encoded with
            # a different quality and a different tiny crop
            from PIL import Image

            img = Image.open(io.BytesIO(pictures[size]))
            dx, dy = rng.randrange(8), rng.randrange(8)
            data = jpeg(img.crop((dx, dy, size[0] - 8 + dx, size[1] - 8 + dy)), rng.randint(70, 95))
            ext = "jpg"
        else:
            length = int(10 ** rng.uniform(3, 6.3))
            data, ext = rng.randbytes(length), "bin"
        made.append(data)
        (sub / f"f{i:05}.{ext}").write_bytes(data)
        total += len(data)
    for a in range(max(1, n // 500)):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for j in range(10):
                zf.writestr(f"z{j}.dat", rng.choice(made))
        (folder / f"archive{a}.zip").write_bytes(buf.getvalue())
        total += len(buf.getvalue())
    return total


def ext_image(folder: Path, image: Path, payload: int) -> None:
    size_mb = int(payload * 1.4 / 2**20) + 64
    with open(image, "wb") as fh:
        fh.truncate(size_mb * 2**20)
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-N", "40000", "-d", str(folder), str(image)],
        check=True,
        capture_output=True,
    )


def fat_image(folder: Path, image: Path, payload: int) -> None:
    size_mb = int(payload * 1.3 / 2**20) + 64
    with open(image, "wb") as fh:
        fh.truncate(size_mb * 2**20)
    subprocess.run(["mkfs.vfat", "-F", "32", str(image)], check=True, capture_output=True)
    entries = [str(p) for p in sorted(folder.iterdir())]
    subprocess.run(["mcopy", "-s", "-i", str(image), *entries, "::/"], check=True)


def timed(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0, 1)) -> float:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True)
    elapsed = time.perf_counter() - t0
    if out.returncode not in ok:
        err = out.stderr[-2000:].decode("utf-8", "replace")
        raise SystemExit(f"{cmd[:4]} failed ({out.returncode}): {err}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="rounds; the best of each is kept")
    ap.add_argument("--fs", choices=("ext", "fat"), default="ext", help="file system of the image")
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check the script runs (make bench-smoke)",
    )
    args = ap.parse_args()
    if args.smoke:
        args.n = 30
    with tempfile.TemporaryDirectory(prefix="bench-triage-") as tmp:
        root = Path(tmp)
        folder = root / "exhibit"
        t0 = time.perf_counter()
        payload = build(folder, args.n)
        image = root / "exhibit.img"
        (ext_image if args.fs == "ext" else fat_image)(folder, image, payload)
        files = sorted(str(p) for p in folder.rglob("*") if p.is_file())
        print(
            f"built {len(files):,} files, {payload / 1e6:,.1f} MB "
            f"in {time.perf_counter() - t0:.0f} s"
        )
        env = {
            **os.environ,
            "BRIGHTLINE_HOME": str(root / "home"),
            "BRIGHTLINE_WORKERS": str(args.workers),
        }
        env.pop("BRIGHTLINE_DATABASE_URL", None)
        bl = [sys.executable, "-m", "brightline.adapters.cli.main"]
        listed = root / "list.txt"
        listed.write_text("md5 " + "0" * 31 + "1\n")
        timed([*bl, "list", "create", "bench", "--scheme", "uk"], env, (0,))
        timed([*bl, "list", "import", "bench", str(listed)], env, (0,))
        for name in files:  # every run then reads from the page cache
            Path(name).read_bytes()
        image.read_bytes()
        runs: dict[str, list[float]] = {"md5": [], "match": [], "folder": [], "disk": []}
        for r in range(args.repeat):  # interleaved, best of each: the machine is shared
            runs["md5"].append(_md5sum(files, env))
            out = root / f"m{r}.jsonl"
            runs["match"].append(timed([*bl, "match", str(folder), "-o", str(out)], env, (0, 1, 3)))
            case = f"bench{r}"
            timed([*bl, "case", "create", case, "--scheme", "uk"], env, (0,))
            add = [*bl, "case", "add-exhibit", case]
            runs["folder"].append(timed([*add, str(folder), "--id", "F"], env, (0, 1, 3)))
            runs["disk"].append(timed([*add, str(image), "--id", "D"], env, (0, 1, 3)))
            print("round", r + 1, {k: round(v[-1], 1) for k, v in runs.items()}, flush=True)
        md5, match = min(runs["md5"]), min(runs["match"])
        case_folder, case_disk = min(runs["folder"]), min(runs["disk"])
        mb = payload / 1e6
        print(f"md5sum over the files        {md5:7.1f} s  {mb / md5:7.1f} MB/s")
        print(f"brightline match (folder)    {match:7.1f} s  {mb / match:7.1f} MB/s")
        print(f"case add-exhibit (folder)    {case_folder:7.1f} s  {mb / case_folder:7.1f} MB/s")
        label = f"({args.fs} raw image)"
        print(f"case add-exhibit {label:12} {case_disk:7.1f} s  {mb / case_disk:7.1f} MB/s")
        print(f"ratio case/match (goal <= 1.15):       {case_folder / match:.2f}")
        print(f"ratio disk/folder (goal <= 1.3):       {case_disk / case_folder:.2f}")
        print(f"ratio case/md5sum:                     {case_folder / md5:.2f}")
        print(f"case folder MB/s vs IPED's 111 MB/s:   {mb / case_folder / IPED_MB_S:.2f}x")


def _md5sum(files: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        ["xargs", "-0", "md5sum"],
        input="\0".join(files).encode(),
        env=env,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
