"""End to end through the CLI's code path: a 1 M-hash list, then ``match --hashes``
with near-duplicate and unrelated queries — first run (index built from the
database and saved) and second run (index memory-mapped and caught up).
Anchor: the same queries against faiss ``IndexBinaryMultiHash(256,16,16)`` nflip=1
(HMA's index), built and searched in this process.

    .venv/bin/python bench/bench_cli_match.py [--n 1000000] [--queries 10000]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np


def flip(value: int, bits: int, rng: random.Random) -> int:
    for b in rng.sample(range(256), bits):
        value ^= 1 << b
    return value


def run(home: Path, *args: str) -> tuple[float, str]:
    env = {"BRIGHTLINE_HOME": str(home), "PATH": ""}
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "brightline.adapters.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode not in (0, 1):
        raise SystemExit(out.stderr)
    return time.perf_counter() - t0, out.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check the script runs (make bench-smoke)",
    )
    args = ap.parse_args()
    if args.smoke:
        args.n, args.queries = 2_000, 200
    rng = random.Random(0)
    listed = [rng.getrandbits(256) for _ in range(args.n)]
    near = [
        flip(listed[rng.randrange(args.n)], rng.randint(1, 31), rng)
        for _ in range(args.queries // 2)
    ]
    other = [rng.getrandbits(256) for _ in range(args.queries - len(near))]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        list_file, query_file = Path(tmp) / "list.txt", Path(tmp) / "q.txt"
        list_file.write_text("".join(f"pdq {v:064x}\n" for v in listed))
        query_file.write_text("".join(f"pdq {v:064x}\n" for v in near + other))
        run(home, "list", "create", "bench")
        t_import, _ = run(home, "list", "import", "bench", str(list_file))
        t_first, _ = run(home, "match", "--hashes", str(query_file), "--json")
        t_second, out2 = run(home, "match", "--hashes", str(query_file), "--json")
        matched = sum('"matches":[{' in line for line in out2.splitlines())
    codes = np.frombuffer(b"".join(v.to_bytes(32, "big") for v in listed), np.uint8)
    queries = np.frombuffer(b"".join(v.to_bytes(32, "big") for v in near + other), np.uint8)
    faiss.omp_set_num_threads(1)
    t0 = time.perf_counter()
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    index.nflip = 1
    index.add(codes.reshape(-1, 32))
    t_faiss_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    lims, _, _ = index.range_search(queries.reshape(-1, 32), 32)
    t_faiss = time.perf_counter() - t0
    faiss_matched = int(np.count_nonzero(np.diff(lims)))
    q = args.queries
    print(f"{args.n:,} PDQ hashes, {q:,} queries ({len(near):,} near-duplicates), radius 31")
    print(f"  list import (CLI process):          {t_import:7.1f} s")
    print(f"  match --hashes, first run:          {t_first:7.1f} s (builds and saves the index)")
    print(
        f"  match --hashes, second run:         {t_second:7.1f} s "
        f"({q / t_second:,.0f} queries/s incl. start-up; {matched:,} matched)"
    )
    print(
        f"  anchor faiss MIH build + search:    {t_faiss_build + t_faiss:7.1f} s "
        f"(search alone {q / t_faiss:,.0f} q/s; {faiss_matched:,} matched)"
    )


if __name__ == "__main__":
    main()
