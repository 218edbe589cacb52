"""What the list-policy step costs on the match path: ``Matcher.match`` of PDQ
queries against 100,000 entries with the step as shipped (no policy in play, then a
negative list and a flood limit on other lists) beside the same matcher with the
step removed, in the same run.

    .venv/bin/python bench/bench_list_policy.py [--entries 100000] [--queries 20000] [--smoke]

``--smoke``: the same path at a tiny size (``make bench-smoke``); figures mean nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from brightline.services import lists
from brightline.services.context import open_services
from brightline.services.lists import matching
from brightline.services.lists import policy as list_policy
from brightline.services.lists.matching import Matcher, Query
from brightline.services.store import entries as store_entries
from brightline.services.store.db import next_rev
from brightline.settings import Settings


def once(matcher: Matcher, queries: list[Query]) -> float:
    started = time.perf_counter()
    for start in range(0, len(queries), 100):  # API-sized batches
        matcher.match(queries[start : start + 100])
    return time.perf_counter() - started


def compare(matcher: Matcher, queries: list[Query], rounds: int = 9) -> tuple[float, float]:
    """Median seconds with the step as shipped and without it, rounds interleaved
    (a shared machine's load moves between rounds, not within one pair)."""
    shipped = matching.apply_list_policy
    ours, bare = [], []
    for _ in range(rounds):
        ours.append(once(matcher, queries))
        matching.apply_list_policy = lambda store, p, results, g=None, a=None: results  # type: ignore[assignment]
        bare.append(once(matcher, queries))
        matching.apply_list_policy = shipped
    return statistics.median(ours), statistics.median(bare)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    if args.smoke:
        args.entries, args.queries, args.rounds = 1_000, 300, 3
    rng = random.Random(0)
    values = [f"{rng.getrandbits(256):064x}" for _ in range(args.entries)]
    queries = [Query("pdq", f"{rng.getrandbits(256):064x}") for _ in range(args.queries)]
    with tempfile.TemporaryDirectory() as tmp:
        svc = open_services(Settings(home=Path(tmp)))
        hl = lists.create_list(svc.store, "big")
        with svc.store.begin() as conn:
            rows = [("pdq", v, None, None, None) for v in values]
            store_entries.upsert_rows(conn, hl.id, rows, source="bench", rev=next_rev(conn))
        matcher = Matcher(svc.store, None).open()
        once(matcher, queries)  # warm
        none, without = compare(matcher, queries, args.rounds)
        lists.create_list(svc.store, "other")
        lists.create_list(svc.store, "benign")
        list_policy.set_negative_for(svc.store, "benign", ["other"])
        list_policy.set_flood(svc.store, "other", 10, 60)
        matcher.refresh()
        with_policies, without_2 = compare(matcher, queries, args.rounds)
        svc.close()
    per = 1e6 / args.queries
    print(f"{args.queries:,} PDQ queries (batches of 100) against {args.entries:,} entries")
    print(f"without the policy step: {without * per:.2f} µs/query")
    print(f"with it, no policy:      {none * per:.2f} µs/query ({none / without:.3f}x)")
    print(f"with policies on others: {with_policies * per:.2f} µs/query "
          f"({with_policies / without_2:.3f}x the step removed, same rounds)")  # fmt: skip


if __name__ == "__main__":
    main()
