"""Streaming VICS import speed against the anchor of bare ijson parsing.

Anchor: ``ijson.items(f, "value.item")`` on the C backend, building every Media dict
and doing nothing else (the least any ijson-based reader can do). Measured: Brightline's
``read_records`` producing HashRecords. Both read the same generated file in one run.

    .venv/bin/python bench/bench_vics_read.py [--media 200000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from pathlib import Path

import ijson

from brightline.core.formats import read_records

CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"


def write_file(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{"@odata.context":{json.dumps(CONTEXT)},"value":[')
        for i in range(count):
            seed = str(i).encode()
            media = {
                "MediaID": i,
                "Category": i % 5,
                "MD5": hashlib.md5(seed).hexdigest().upper(),
                "SHA1": hashlib.sha1(seed).hexdigest().upper(),
                "MediaSize": 1000 + i,
                "VictimIdentified": "false",
                "IsPrecategorized": "true",
                "MediaFiles": [{"FileName": f"f{i}.jpg", "FilePath": f"/x/f{i}.jpg"}],
                "AlternativeHashes": [
                    {"HashName": "PDQ", "HashValue": hashlib.sha256(seed).hexdigest()}
                ],
            }
            out.write(("," if i else "") + "\n" + json.dumps(media))
        out.write("\n]}\n")


def timed(fn: object) -> tuple[float, int]:
    start = time.perf_counter()
    count = fn()  # type: ignore[operator]
    return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--media", type=int, default=200_000)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check the script runs (make bench-smoke)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.media = 500
    backend = ijson.get_backend("yajl2_c")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hashset.json"
        write_file(path, args.media)
        size_mb = path.stat().st_size / 1e6

        def anchor() -> int:
            with path.open("rb") as f:
                return sum(1 for _ in backend.items(f, "value.item"))

        def brightline() -> int:
            with path.open("rb") as f:
                return sum(1 for _ in read_records(f, path.name))

        t_anchor, n_media = timed(anchor)
        t_ours, n_records = timed(brightline)
    print(f"file: {size_mb:.1f} MB, {n_media} media, {n_records} records")
    print(f"anchor ijson.items (yajl2_c): {t_anchor:.2f} s ({size_mb / t_anchor:.1f} MB/s)")
    print(f"read_records:                {t_ours:.2f} s ({size_mb / t_ours:.1f} MB/s)")
    print(f"ratio read_records / anchor: {t_ours / t_anchor:.2f}")


if __name__ == "__main__":
    main()
