"""Retroactive matching: new PDQ entries against the signals of recently seen items
(the events database's ``item_signals``): seconds from ``retro.run`` starting until
the last match is recorded (with its match-log row and webhook queue).

Half the new entries are near-duplicates (≤ 10 bits away) of recent items, half
unrelated. Anchor, in the same run: brute force (NumPy XOR + popcount of every new
entry against every recent item), timed on a sample of entries and scaled to all of
them (linear in the entries), and checked to find the same items on that sample.

    .venv/bin/python bench/bench_retro.py [--items 1000000] [--entries 10000] [--smoke]

``--smoke``: the same path at a tiny size (``make bench-smoke``); figures mean nothing.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from brightline.services import lists
from brightline.services.context import open_services
from brightline.services.lists.matching import Matcher
from brightline.services.pipeline import retro
from brightline.services.store import entries as store_entries
from brightline.services.store.db import next_rev
from brightline.services.store.events import events_url
from brightline.settings import Settings


def seed_items(events_db: Path, values: list[int]) -> None:
    """Recent items, each with its PDQ, written as the recorder would."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    db = sqlite3.connect(events_db)
    with db:
        db.execute(
            "INSERT INTO jobs (kind, status, started_at, actor) VALUES ('upload', 'done', ?, 'b')",
            (now,),
        )
        db.executemany(
            "INSERT INTO items (id, job_id, locator, size, at) VALUES (?, 1, 'upload', 1, ?)",
            ((i + 1, now) for i in range(len(values))),
        )
        db.executemany(
            "INSERT INTO item_signals (item_id, signal_type, value, quality) "
            "VALUES (?, 'pdq', ?, 100)",
            ((i + 1, f"{v:064x}") for i, v in enumerate(values)),
        )
    db.close()


def flips(rng: random.Random, bits: int) -> int:
    """A mask of at most ``bits`` distinct bits of 256."""
    mask = 0
    for _ in range(bits):
        mask |= 1 << rng.randrange(256)
    return mask


def brute_force(items: list[int], entries: list[int], sample: int) -> tuple[float, set[int]]:
    as_words = np.array(
        [[(v >> (64 * k)) & (2**64 - 1) for k in range(4)] for v in items], dtype=np.uint64
    )
    started = time.perf_counter()
    found: set[int] = set()
    for v in entries[:sample]:
        q = np.array([(v >> (64 * k)) & (2**64 - 1) for k in range(4)], dtype=np.uint64)
        dist = np.bitwise_count(as_words ^ q).sum(axis=1)
        found.update(int(i) + 1 for i in np.nonzero(dist <= 31)[0])
    took = time.perf_counter() - started
    return took * len(entries) / sample, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    if args.smoke:
        args.items, args.entries, args.sample = 2_000, 100, 20
    rng = random.Random(0)
    items = [rng.getrandbits(256) for _ in range(args.items)]
    near = [items[rng.randrange(len(items))] ^ flips(rng, 10) for _ in range(args.entries // 2)]
    entries = near + [rng.getrandbits(256) for _ in range(args.entries - len(near))]
    rng.shuffle(entries)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp), retro_max_items=args.items)
        svc = open_services(settings)
        events = events_url(settings.db_url)
        assert events is not None
        seed_items(Path(events.removeprefix("sqlite:///")), items)
        hl = lists.create_list(svc.store, "new")
        matcher = Matcher(svc.store, None).open()
        with svc.store.begin() as conn:
            rows = [("pdq", f"{v:064x}", None, None, None) for v in entries]
            store_entries.upsert_rows(conn, hl.id, rows, source="bench", rev=next_rev(conn))
        started = time.perf_counter()
        result = retro.run(svc.store, settings, matcher)
        ours = time.perf_counter() - started
        svc.close()
    if result.matches == 0:
        raise SystemExit(f"no retroactive match among the near-duplicates: {result}")
    anchor, sample_items = brute_force(items, entries, args.sample)
    print(f"{args.entries:,} new PDQ entries against {args.items:,} recent items: {result}")
    print(f"brightline retro.run: {ours:.1f} s to the last match recorded")
    print(f"anchor (brute force, {args.sample} entries timed, scaled): {anchor:.1f} s; "
          f"ratio {anchor / ours:.1f}x; sample found {len(sample_items)} items")  # fmt: skip


if __name__ == "__main__":
    main()
