"""Import speed: hashes/s into SQLite through Brightline's importer (parse, validate,
upsert in one transaction), beside the anchor — a plain ``sqlite3.executemany`` of
pre-built rows into the same table, no parsing or validation — measured in the same
run. Brightline beats it by parsing in a second process while this one writes,
writing in unique-index order, and a bulk-sized page cache.

    .venv/bin/python bench/bench_import.py [--n 1000000] [--format csv|text|vics]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from brightline.services.lists import ingest
from brightline.services.store import Store, lists


def write_file(path: Path, n: int, fmt: str) -> None:
    rng = random.Random(0)
    with open(path, "w", newline="") as fh:
        if fmt == "csv":
            w = csv.writer(fh)
            w.writerow(["signal_type", "value", "category", "source_id"])
            for i in range(n):
                w.writerow(["pdq", f"{rng.getrandbits(256):064x}", "B", f"id-{i}"])
        elif fmt == "text":
            for _ in range(n):
                fh.write(f"pdq {rng.getrandbits(256):064x}\n")
        else:
            fh.write(
                '{"@odata.context":"http://github.com/ICMEC/ProjectVic/DataModels/'
                '2.0.xml/US/$metadata#Media","value":['
            )
            for i in range(n):
                media = {
                    "MediaID": i,
                    "MD5": f"{rng.getrandbits(128):032x}",
                    "Category": 1,
                    "AlternativeHashes": [
                        {"HashName": "PDQ", "HashValue": f"{rng.getrandbits(256):064x}"}
                    ],
                }
                fh.write(("," if i else "") + json.dumps(media))
            fh.write("]}")


def brightline_import(db: Path, path: Path, scheme: str) -> float:
    store = Store(f"sqlite:///{db}")
    store.migrate()
    with store.begin() as conn:
        lists.create_list(conn, "bench", scheme)
    t0 = time.perf_counter()
    report = ingest.import_file(store, "bench", path)
    elapsed = time.perf_counter() - t0
    store.dispose()
    return report.imported / elapsed


def raw_executemany(db: Path, n: int) -> float:
    """The anchor: pre-built rows, one plain executemany, no parsing or validation."""
    store = Store(f"sqlite:///{db}")
    store.migrate()
    with store.begin() as conn:
        lists.create_list(conn, "bench", "uk")
    store.dispose()
    rng = random.Random(1)
    now = datetime.now(UTC).isoformat()
    rows = [
        (1, "pdq", f"{rng.getrandbits(256):064x}", "B", "raw", f"id-{i}", 1, 0, now, now, 1)
        for i in range(n)
    ]
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    t0 = time.perf_counter()
    con.executemany(
        "INSERT INTO entries (list_id, signal_type, value, category, source, source_id, "
        "enabled, withdrawn, added_at, updated_at, rev) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    con.commit()
    elapsed = time.perf_counter() - t0
    con.close()
    return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--format", default="csv", choices=["csv", "text", "vics"])
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check the script runs (make bench-smoke)",
    )
    args = ap.parse_args()
    if args.smoke:
        args.n = 2_000
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"hashes.{args.format}"
        write_file(src, args.n, args.format)
        scheme = "vic-us" if args.format == "vics" else "uk"
        ours = brightline_import(Path(tmp) / "a.db", src, scheme)
        ceiling = raw_executemany(Path(tmp) / "b.db", args.n)
    mb = src.stat().st_size if src.exists() else 0
    print(
        f"import {args.n:,} hashes ({args.format}{f', {mb / 1e6:.0f} MB' if mb else ''}) "
        "into SQLite"
    )
    print(f"  brightline list import : {ours:>10,.0f} hashes/s   (goal >= 100,000)")
    print(f"  anchor: raw executemany: {ceiling:>10,.0f} rows/s")
    print(f"  ratio brightline / anchor: {ours / ceiling:.2f}")


if __name__ == "__main__":
    main()
