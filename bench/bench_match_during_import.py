"""Match-by-hash latency while a bulk import writes: matching and recording a match
(the match log, in the events database) must not wait behind the import's write
lock. The anchor is the same call with no import running, measured in the same run.

    .venv/bin/python bench/bench_match_during_import.py [--n 3000000] [--same-file]

Each sample is ``match_service.match_hashes`` for an MD5 that is on a list: a
database look-up plus a match-log write, as ``POST /v1/match/hash`` runs it, on
SQLite. ``--same-file`` also measures the layout before this change (the match log
in the main database file) for comparison; there a sample waits for the import's
commit, up to the 30 s busy timeout.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from brightline.core.actor import system
from brightline.services.lists.matching import Matcher
from brightline.services.pipeline import match_service
from brightline.services.review.env import ReviewEnv
from brightline.services.store import Store, lists
from brightline.services.store import db as store_db
from brightline.services.store.db import next_rev
from brightline.services.store.entries import upsert_entries
from brightline.settings import Settings

KNOWN = "0123456789abcdef" * 2
REQUEST = match_service.Request(system("bench"), ref="bench")


def write_list(path: Path, n: int) -> None:
    rng = random.Random(0)
    with open(path, "w") as fh:
        for _ in range(n):
            fh.write(f"md5 {rng.getrandbits(128):032x}\n")


def set_up(home: Path) -> str:
    url = f"sqlite:///{home / 'brightline.db'}"
    store = Store(url)
    store.migrate()
    with store.begin() as conn:
        hl = lists.create_list(conn, "watched")
        rows = [{"signal_type": "md5", "value": KNOWN}]
        upsert_entries(conn, hl.id, rows, source="bench", rev=next_rev(conn))
        lists.create_list(conn, "bulk")
    store.dispose()
    return url


def sample(store: Store, matcher: Matcher) -> float:
    t0 = time.perf_counter()
    env = ReviewEnv(store, Settings())
    [row] = match_service.match_hashes(env, matcher, [("md5", KNOWN)], REQUEST)
    assert row.matches, "the known hash must match"
    return time.perf_counter() - t0


def measure(store: Store, matcher: Matcher, count: int) -> list[float]:
    return [sample(store, matcher) for _ in range(count)]


def during_import(
    store: Store, matcher: Matcher, home: Path, path: Path
) -> tuple[list[float], float]:
    env = {**os.environ, "BRIGHTLINE_HOME": str(home)}
    env.pop("BRIGHTLINE_DATABASE_URL", None)
    code = "from brightline.adapters.cli.main import main; main()"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "list", "import", "bulk", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    out: list[float] = []
    while proc.poll() is None:
        try:
            out.append(sample(store, matcher))
        except Exception as exc:  # the old layout: "database is locked" after 30 s
            print(f"  sample failed: {type(exc).__name__}: {str(exc)[:80]}")
            out.append(float("inf"))
        time.sleep(0.005)
    assert proc.returncode == 0, "the import failed"
    return out, time.perf_counter() - t0


def summary(name: str, xs: list[float]) -> tuple[float, float]:
    finite = sorted(x for x in xs if x != float("inf"))
    failed = len(xs) - len(finite)
    p50 = statistics.median(finite) * 1000 if finite else float("inf")
    p99 = finite[int(0.99 * (len(finite) - 1))] * 1000 if finite else float("inf")
    p99 = float("inf") if failed > len(xs) // 100 else p99
    top = max(finite) * 1000 if finite else float("inf")
    print(
        f"{name:<34} n={len(xs):>6}  p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  "
        f"max {top:9.2f} ms  failed {failed}"
    )
    return p50, p99


def run(n: int, events_file: bool, folder: Path, list_file: Path) -> None:
    home = folder / ("split" if events_file else "same")
    home.mkdir()
    if not events_file:
        store_db.events_url = lambda url: None  # type: ignore[assignment]
    url = set_up(home)
    store = Store(url)
    matcher = Matcher(store, None).open()
    layout = "events file" if events_file else "one file (before)"
    idle = measure(store, matcher, 500)
    busy, took = during_import(store, matcher, home, list_file)
    print(f"-- {layout}: import of {n:,} lines took {took:.1f} s")
    _, idle_p99 = summary("idle (anchor)", idle)
    _, busy_p99 = summary("during the import", busy)
    print(f"p99 during import / idle p99: {busy_p99 / idle_p99:.2f}x (goal: p99 < 100 ms)")
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3_000_000)
    parser.add_argument("--same-file", action="store_true", help="also measure the old layout")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check the script runs (make bench-smoke)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.n = 5_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        list_file = folder / "bulk.txt"
        write_list(list_file, args.n)
        run(args.n, True, folder, list_file)
        if args.same_file:
            run(args.n, False, folder, list_file)


if __name__ == "__main__":
    main()
