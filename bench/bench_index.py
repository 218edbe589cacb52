"""PDQ radius search: MihIndex vs faiss MIH (HMA's index) vs faiss flat, one core.

    .venv/bin/python bench/bench_index.py --n 1000000
    .venv/bin/python bench/bench_index.py --n 10000000 --distribution clustered

Queries are near duplicates of stored hashes (1-31 bits flipped) and random hashes that
match nothing, at radius 31 by default. faiss runs with one OpenMP thread; faiss MIH is
``IndexBinaryMultiHash(256, 16, 16)`` with ``nflip = 1`` as in HMA; faiss flat is
``IndexBinaryFlat`` + ``range_search``, the ground truth for recall. faiss gets fewer
queries (``--faiss-queries``) because it is slow; qps are per query either way.

The physical-limit lines time random 32-byte reads over the stored hashes (the cost of
one candidate check or bucket probe) and divide by the reads a query needs (a model:
a bucket probe is counted as two reads, its directory entry and its postings). Timings
of searches and of the random reads are the best of three runs (two for faiss).
"""

from __future__ import annotations

import argparse
import ctypes
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from brightline.core.index import MihIndex, _mih

Sets = list[set[int]]
Queries = dict[str, np.ndarray]


@dataclass
class Result:
    name: str
    build_s: float
    resident: int  # bytes, RSS growth while building
    qps: dict[str, float]
    found: dict[str, Sets]
    notes: list[str] = field(default_factory=list)


def rss_bytes() -> int:
    """Resident set size from /proc (no psutil needed).

    glibc keeps freed heap memory mapped, so it is handed back first; otherwise one
    index's freed temporaries would hide the next one's allocations.
    """
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("VmRSS missing from /proc/self/status")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(fn: Callable[[], object], reps: int = 3) -> float:
    """Fastest of a few runs: other work on a shared machine only ever slows a run."""
    return min(timed(fn) for _ in range(reps))


def flip_bits(rng: np.random.Generator, rows: np.ndarray, lo: int, hi: int) -> np.ndarray:
    out = rows.copy()
    for row in out:
        bits = rng.choice(256, int(rng.integers(lo, hi + 1)), replace=False)
        np.bitwise_xor.at(row, bits // 8, (1 << (bits % 8)).astype(np.uint8))
    return out


def make_data(rng: np.random.Generator, n: int, distribution: str) -> np.ndarray:
    if distribution == "random":
        return rng.integers(0, 256, (n, 32), dtype=np.uint8)
    # Clusters of ~100 variants each, every bit flipped with probability 8/256: the
    # shape of a list holding many re-encodes and crops of the same images.
    centers = rng.integers(0, 256, (max(1, n // 100), 32), dtype=np.uint8)
    out = np.empty((n, 32), np.uint8)
    for start in range(0, n, 1 << 20):
        stop = min(n, start + (1 << 20))
        flips = np.packbits(rng.integers(0, 256, (stop - start, 256), dtype=np.uint8) < 8, axis=1)
        out[start:stop] = centers[rng.integers(0, len(centers), stop - start)] ^ flips
    return out


def recall(got: Sets, truth: Sets) -> float:
    found = sum(len(g & t) for g, t in zip(got, truth, strict=True))
    total = sum(len(t) for t in truth)
    return 1.0 if total == 0 else found / total


def mih_sets(index: MihIndex, queries: np.ndarray, radius: int) -> Sets:
    hits = index.search(queries, radius)
    return [{i for i, _ in s} for s in hits.as_sets(len(queries))]


def bench_mih(
    data: np.ndarray,
    kinds: Queries,
    radius: int,
    fq: int,
    rng: np.random.Generator,
    radii: list[int],
) -> Result:
    n = len(data)
    before = rss_bytes()
    mih = MihIndex()
    build_s = timed(lambda: mih.add(np.arange(n, dtype=np.int64), data))
    res = Result("MihIndex", build_s, rss_bytes() - before, {}, {})
    stats = {k: mih.probe_stats(q, radius) for k, q in kinds.items()}
    one_qps = {}
    for kind, q in kinds.items():
        mih.search(q[:50], radius)  # warm up
        res.qps[kind] = len(q) / best_of(lambda q=q: mih.search(q, radius))
        one = q[:1000]
        one_qps[kind] = len(one) / best_of(lambda one=one: [mih.search_one(x, radius) for x in one])
        res.found[kind] = mih_sets(mih, q[:fq], radius)
    res.notes.append(f"search_one qps: {fmt(one_qps)}; arrays {mih.nbytes() / n:.1f} B/hash")
    res.notes += [other_radius(mih, kinds["non-matching"][:200], r) for r in radii]
    res.notes.append(persistence(mih, kinds, radius))
    res.notes.append(updates(mih, rng))
    read_ns = 1e9 * best_of(lambda: _mih.random_reads(data, 2_000_000, 7)) / 2_000_000
    res.notes.append(
        f"random 32-byte read over the stored hashes: {read_ns:.1f} ns (prefetched, one core)"
    )
    for kind, (probes, checks) in stats.items():
        per_q = len(kinds[kind])
        reads = (checks + 2 * probes) / per_q
        res.notes.append(
            f"{kind}: {probes / per_q:,.0f} bucket probes + {checks / per_q:,.0f} candidate "
            f"checks per query ~ {reads:,.0f} random reads -> ceiling "
            f"~{1e9 / (reads * read_ns):,.0f} qps; measured {res.qps[kind]:,.0f} "
            f"({res.qps[kind] * reads * read_ns / 1e9:.0%} of it)"
        )
    return res


def other_radius(mih: MihIndex, queries: np.ndarray, radius: int) -> str:
    probes, checks = mih.probe_stats(queries, radius)
    qps = len(queries) / best_of(lambda: mih.search(queries, radius), reps=2)
    return (
        f"radius {radius}, non-matching queries: {probes / len(queries):,.0f} bucket probes"
        f" + {checks / len(queries):,.0f} candidate checks per query, {qps:,.0f} qps"
    )


def persistence(mih: MihIndex, kinds: Queries, radius: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mih.index"
        save_s = timed(lambda: mih.save(path))
        size = path.stat().st_size
        loaded: list[MihIndex] = []
        mapped_s = timed(lambda: loaded.append(MihIndex.load(path)))
        first_q = next(iter(kinds.values()))[:200]
        assert mih_sets(loaded[0], first_q, radius) == mih_sets(mih, first_q, radius)
        loaded.clear()
        before = rss_bytes()
        copy_s = timed(lambda: loaded.append(MihIndex.load(path, mmap=False)))
        resident = rss_bytes() - before
    n = len(mih)
    return (
        f"save {save_s:.2f}s ({size / 1e6:,.0f} MB file); load memory-mapped {mapped_s:.2f}s;"
        f" load into memory {copy_s:.2f}s (+{resident / n:.0f} B/hash resident)"
    )


def updates(mih: MihIndex, rng: np.random.Generator) -> str:
    n = len(mih)
    new = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)

    def one_call() -> None:
        mih.add(np.arange(n, n + 10_000), new[:10_000])
        assert (n + 9_999, 0) in mih.search_one(new[9_999], 0)

    def hundred_calls() -> None:
        for b in range(100):
            lo = n + 10_000 + 100 * b
            mih.add(np.arange(lo, lo + 100), new[lo - n : lo - n + 100])
        assert (n + 19_999, 0) in mih.search_one(new[19_999], 0)

    one_s, hundred_s = timed(one_call), timed(hundred_calls)
    remove_s = timed(lambda: mih.remove(np.arange(n, n + 20_000)))
    assert not mih.search_one(new[9_999], 0)
    return (
        f"10,000 new hashes matchable after {one_s:.3f}s (one add call), "
        f"{hundred_s:.3f}s (100 add calls of 100); removing 20,000: {remove_s:.3f}s"
    )


def bench_faiss(
    name: str, index: faiss.IndexBinary, data: np.ndarray, kinds: Queries, radius: int, fq: int
) -> Result:
    before = rss_bytes()
    build_s = timed(lambda: index.add(data))
    res = Result(name, build_s, rss_bytes() - before, {}, {})
    for kind, q in kinds.items():
        out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        # faiss binary range search keeps distances strictly below its radius.
        res.qps[kind] = fq / best_of(
            lambda q=q, out=out: out.append(index.range_search(q[:fq], radius + 1)), reps=2
        )
        lims, _, ids = out[0]
        res.found[kind] = [set(ids[lims[i] : lims[i + 1]].tolist()) for i in range(fq)]
    return res


def fmt(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:,.0f}" for k, v in values.items())


def report(results: list[Result], truth: Result, n: int) -> None:
    kinds = list(truth.qps)
    head = [
        "index",
        "build s",
        "resident B/hash",
        *[f"{k} qps" for k in kinds],
        *[f"{k} recall" for k in kinds],
    ]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for res in results:
        cells = [
            res.name,
            f"{res.build_s:.1f}",
            f"{res.resident / n:.0f}",
            *[f"{res.qps[k]:,.1f}" for k in kinds],
            *[f"{recall(res.found[k], truth.found[k]):.2%}" for k in kinds],
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    mih = results[0]
    for other in results[1:]:
        ratios = {k: mih.qps[k] / other.qps[k] for k in kinds}
        print(
            f"- MihIndex / {other.name} qps: "
            + ", ".join(f"{k} {v:,.0f}x" for k, v in ratios.items())
        )
    for note in mih.notes:
        print(f"- {note}")
    print(
        f"- a flat scan reads {n * 32 / 1e6:,.0f} MB per query; faiss flat streamed "
        f"{max(truth.qps.values()) * n * 32 / 1e9:,.1f} GB/s on one core"
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=2000, help="per kind (near / non-matching)")
    ap.add_argument("--faiss-queries", type=int, default=200, help="per kind, for faiss")
    ap.add_argument("--distribution", choices=["random", "clustered"], default="random")
    ap.add_argument("--radius", type=int, default=31)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-faiss-mih", action="store_true")
    ap.add_argument(
        "--other-radii",
        default="",
        help="comma-separated radii to time MihIndex alone at, e.g. 16,47,63,80",
    )
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check the script runs (make bench-smoke)",
    )
    args = ap.parse_args()
    if args.smoke:
        args.n, args.queries, args.faiss_queries, args.other_radii = 20_000, 50, 20, "16"
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    n, radius, fq = args.n, args.radius, min(args.faiss_queries, args.queries)
    data = make_data(rng, n, args.distribution)
    kinds = {
        "near-duplicate": flip_bits(rng, data[rng.integers(0, n, args.queries)], 1, 31),
        "non-matching": rng.integers(0, 256, (args.queries, 32), dtype=np.uint8),
    }
    print(f"# {n:,} {args.distribution} hashes, radius {radius}, one core\n")
    radii = [int(x) for x in args.other_radii.split(",") if x]
    results = [bench_mih(data, kinds, radius, fq, rng, radii)]
    if not args.skip_faiss_mih:
        fmih = faiss.IndexBinaryMultiHash(256, 16, 16)
        fmih.nflip = 1
        results.append(bench_faiss("faiss MIH 256,16,16 nflip=1", fmih, data, kinds, radius, fq))
        del fmih
    truth = bench_faiss("faiss flat", faiss.IndexBinaryFlat(256), data, kinds, radius, fq)
    report([*results, truth], truth, n)


if __name__ == "__main__":
    main()
