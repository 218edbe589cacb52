"""``brightline batch scan`` on a local Ray against ``brightline match``, same run (issue 19).

The same folder of generated benign pictures goes through both commands with the same
number of worker processes (two by default, this machine's cores), against the same
database (a list of random PDQ hashes plus a few of the pictures', so some match).
Each command runs as a subprocess, as a user runs it; match and batch alternate so a
busy machine hurts both alike.

Printed per run: wall time of each command and their ratio (goal: batch <= 1.25x
match); the batch's scan span (first partition started to last finished, from the
workers' clocks in each file's metadata: Ray's start-up and the workers' first
imports excluded, which is what a back catalogue of millions of files sees) and its
ratio to match's whole run; files/s of each.

    .venv/bin/python bench/bench_batch.py [--files 3000] [--size 1024x768] [--workers 2]
        [--partition-size 100] [--hashes 10000] [--runs 2] [--keep DIR]

``--snapshot N`` instead measures the index snapshot a batch ships to its workers:
a list of N PDQ hashes and N MD5s (each with a category and a source id), its bytes
per hash in memory and pickled (what ``ray.put`` stores), and the time to build it.

    .venv/bin/python bench/bench_batch.py --snapshot 1000000
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

BIN = Path(sys.executable).with_name("brightline")


def _picture(args: tuple[Path, int, int, int]) -> None:
    from brightline.services.demo import jpeg, picture

    folder, i, w, h = args
    sub = folder / f"d{i % 20:02d}"
    sub.mkdir(exist_ok=True)
    path = sub / f"p{i:06d}.jpg"
    if not path.is_file():  # a kept folder grows to a larger --files
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(jpeg(picture(i, (w, h)), quality=85))
        tmp.rename(path)


def make_folder(folder: Path, files: int, size: tuple[int, int], workers: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder, i, *size) for i in range(files)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_picture, jobs, chunksize=32))


def make_list(home: Path, folder: Path, hashes: int) -> None:
    env = {**os.environ, "BRIGHTLINE_HOME": str(home)}
    rng = random.Random(7)
    lines = [f"pdq {rng.getrandbits(256):064x}" for _ in range(hashes)]
    picked = sorted(folder.rglob("*.jpg"))[::500]
    out = subprocess.run(
        [str(BIN), "hash", "--json", *map(str, picked)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    for line in out.stdout.splitlines():
        lines.append(f"pdq {json.loads(line)['signals']['pdq']}")
    hash_file = home / "list.txt"
    home.mkdir(parents=True, exist_ok=True)
    hash_file.write_text("\n".join(lines) + "\n")
    subprocess.run([str(BIN), "list", "create", "bench"], env=env, check=True)
    subprocess.run([str(BIN), "list", "import", "bench", str(hash_file)], env=env, check=True)


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - started
    if done.returncode not in (0, 1, 3):
        sys.exit(f"{cmd[1]} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return took


def scan_span(out: Path) -> float:
    """Seconds from the first partition a worker started to the last it finished
    (the workers' own clocks, kept in each file's metadata): the batch less Ray's
    start-up and the workers' first imports."""
    import json

    import pyarrow.parquet as pq

    spans = []
    for path in out.glob("part-*.parquet"):
        meta = json.loads((pq.read_schema(path).metadata or {})[b"brightline"])
        spans.append((meta["started"], meta["finished"]))
    return max(f for _, f in spans) - min(s for s, _ in spans)


def snapshot_size(n: int) -> None:
    import pickle

    from brightline.services.batch.snapshot import build_snapshot
    from brightline.services.store import Store
    from brightline.services.store import lists as store_lists
    from brightline.services.store.db import next_rev
    from brightline.services.store.entries import upsert_entries

    with tempfile.TemporaryDirectory(prefix="bench-snapshot-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'brightline.db'}")
        store.migrate()
        rng = random.Random(42)
        with store.begin() as conn:
            hl = store_lists.create_list(conn, "bench", "none", 31)
            rev = next_rev(conn)
            for start in range(0, n, 20_000):
                rows = []
                for i in range(start, min(n, start + 20_000)):
                    extra = {"category": "A1", "source_id": f"case-{i}"}
                    rows.append({"signal_type": "pdq", "value": f"{rng.getrandbits(256):064x}"})
                    rows.append({"signal_type": "md5", "value": f"{rng.getrandbits(128):032x}"})
                    rows[-2].update(extra)
                    rows[-1].update(extra)
                upsert_entries(conn, hl.id, rows, source="bench", rev=rev)
        started = time.perf_counter()
        snap = build_snapshot(store)
        took = time.perf_counter() - started
        pickled = len(pickle.dumps(snap, protocol=5))
        store.dispose()
    hashes = len(snap)
    pdq_index = int(snap.indexes["pdq"].nbytes) if "pdq" in snap.indexes else 0
    print(f"snapshot of {hashes:,} hashes ({n:,} PDQ + {n:,} MD5) built in {took:.1f} s")
    print(f"  in memory: {snap.nbytes:,} B = {snap.nbytes / hashes:.1f} B/hash")
    print(f"  pickled (ray.put): {pickled:,} B = {pickled / hashes:.1f} B/hash")
    print(
        f"  of which entries table {snap.entries.nbytes / hashes:.1f} B/hash, "
        f"PDQ index {pdq_index / n:.1f} B per PDQ hash, "
        f"exact keys {(snap.exact_keys.nbytes + snap.exact_rows.nbytes) / n:.1f} B per MD5"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snapshot", type=int, help="Measure the snapshot of N+N hashes instead.")
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--size", default="1024x768")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partition-size", type=int, default=100)
    ap.add_argument("--hashes", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="Work here and keep it (pictures reused).")
    ap.add_argument(
        "--smoke", action="store_true", help="A tiny run of the whole path (make bench-smoke)."
    )
    args = ap.parse_args()
    if args.smoke:  # figures mean nothing; it checks that both commands still run
        args.files, args.size, args.hashes, args.runs, args.partition_size = (
            40,
            "160x120",
            200,
            1,
            10,
        )
    if args.snapshot:
        snapshot_size(args.snapshot)
        return
    w, h = (int(v) for v in args.size.split("x"))
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    folder, home = root / "pictures", root / "home"
    try:
        if not folder.is_dir() or len(list(folder.rglob("*.jpg"))) != args.files:
            if folder.is_dir() and len(list(folder.rglob("*.jpg"))) > args.files:
                shutil.rmtree(folder)
            shutil.rmtree(home, ignore_errors=True)
            print(f"making {args.files} pictures of {w}x{h} in {folder}...", flush=True)
            make_folder(folder, args.files, (w, h), args.workers)
        if not home.is_dir():
            make_list(home, folder, args.hashes)
        # Both keep the matched items only (what a batch keeps; match's default is all).
        env = {**os.environ, "BRIGHTLINE_HOME": str(home), "BRIGHTLINE_RECORD_ITEMS": "matched"}
        workers = str(args.workers)
        print(f"{args.files} files, {args.workers} workers, partitions of {args.partition_size}")
        print("run  match_s  batch_s  ratio  batch_scan_s  scan_ratio  match_f/s  batch_scan_f/s")
        for run in range(1, args.runs + 1):
            out = root / f"out-{run}"
            shutil.rmtree(out, ignore_errors=True)
            match_cmd = [str(BIN), "match", str(folder), "--json", "--workers", workers]
            batch_cmd = [str(BIN), "batch", "scan", str(folder), "--out", str(out)]
            batch_cmd += ["--workers", workers, "--json", "--no-actions"]
            batch_cmd += ["--partition-size", str(args.partition_size)]
            if run % 2:
                t_match, t_batch = timed(match_cmd, env), timed(batch_cmd, env)
            else:
                t_batch, t_match = timed(batch_cmd, env), timed(match_cmd, env)
            span = scan_span(out)
            print(
                f"{run:>3}  {t_match:7.1f}  {t_batch:7.1f}  {t_batch / t_match:5.2f}  "
                f"{span:12.1f}  {span / t_match:10.2f}  {args.files / t_match:9.1f}  "
                f"{args.files / span:14.1f}",
                flush=True,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
