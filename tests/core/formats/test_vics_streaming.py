"""A VICS file is read in memory bounded by one Media, not by the file.

The slow variant writes ~160 MB to the temp dir; run it with ``-m slow``.
"""

from __future__ import annotations

import hashlib
import json
import tracemalloc
from pathlib import Path

import pytest

from brightline.core.formats import read_records
from brightline.core.models import HashRecord

CTX = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#"


def write_vics_file(path: Path, count: int, *, cases: bool) -> None:
    """A realistic file: each Media with file paths and EXIF-like noise we skip."""
    with path.open("w", encoding="utf-8") as out:
        if cases:
            out.write(f'{{"@odata.context":"{CTX}Cases","value":[{{"CaseID":"c1","Media":[')
        else:
            out.write(f'{{"@odata.context":"{CTX}Media","value":[')
        for i in range(count):
            seed = str(i).encode()
            media = {
                "MediaID": i,
                "Category": i % 5,
                "MD5": hashlib.md5(seed).hexdigest().upper(),
                "SHA1": hashlib.sha1(seed).hexdigest(),
                "IsPrecategorized": "true",
                "MediaFiles": [
                    {"FilePath": f"/exhibit/{i}/{n}.jpg", "FileName": f"{n}.jpg"} for n in range(3)
                ],
                "AlternativeHashes": [
                    {"HashName": "PDQ", "HashValue": hashlib.sha256(seed).hexdigest()}
                ],
            }
            out.write(("," if i else "") + "\n" + json.dumps(media))
        out.write("]}]}" if cases else "]}")


def peak_while_reading(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            count = sum(1 for r in read_records(stream, path.name) if isinstance(r, HashRecord))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("cases", [False, True])
def test_a_few_mb_read_in_bounded_memory(tmp_path: Path, cases: bool) -> None:
    path = tmp_path / "set.json"
    write_vics_file(path, 12_000, cases=cases)
    size = path.stat().st_size
    assert size > 5_000_000
    count, peak = peak_while_reading(path)
    assert count == 3 * 12_000
    # 64 KiB buffers, plus the parser's events for one 64 KiB chunk (~0.6 MB), plus
    # one Media: constant, whatever the file size.
    assert peak < 2_000_000


@pytest.mark.slow
def test_150_mb_reads_in_the_same_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    write_vics_file(path, 400_000, cases=True)
    assert path.stat().st_size > 150_000_000
    count, peak = peak_while_reading(path)
    assert count == 3 * 400_000
    assert peak < 2_000_000
