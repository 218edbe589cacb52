"""What checking a key costs per request now that revocation takes effect at once:
``KeyChecker.cached`` (SQLite: on the event loop) and ``check`` (both databases),
beside the anchor measured in the same run — what a cache hit cost before, a SHA-256
of the token and a dict look-up, no database.

    .venv/bin/python bench/bench_keys.py [--n 20000] [--postgresql URL]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from brightline.services.people import auth
from brightline.services.store import Store
from brightline.services.store.testing import temporary_database


def per_call_us(fn: object, n: int) -> float:
    call = fn  # type: ignore[assignment]
    started = time.perf_counter()
    for _ in range(n):
        call()  # type: ignore[operator]
    return (time.perf_counter() - started) / n * 1e6


def measure(url: str, n: int) -> str:
    store = Store(url)
    store.migrate()
    _, token = auth.create_key(store, "scanner", "bench")
    checker = auth.KeyChecker(store)
    checker.check(token)
    cache = {hashlib.sha256(token.encode()).hexdigest(): 1}

    def anchor() -> object:
        return cache.get(hashlib.sha256(token.encode()).hexdigest())

    base = per_call_us(anchor, n)
    check = per_call_us(lambda: checker.check(token), n)
    line = (
        f"{store.dialect:10s} anchor {base:6.2f} us  check {check:7.2f} us ({check / base:5.1f}x)"
    )
    if checker.cheap:
        cached = per_call_us(lambda: checker.cached(token), n)
        line += f"  cached {cached:7.2f} us ({cached / base:5.1f}x)"
    checker.close()
    store.dispose()
    return line


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--postgresql", default=None)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check the script runs (make bench-smoke)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.n = 200
    for pg in [None] + ([args.postgresql] if args.postgresql else []):
        with temporary_database(Path(tempfile.mkdtemp()), pg) as url:
            print(measure(url, args.n))


if __name__ == "__main__":
    main()
