"""Hashing content items on the pool: paths, held bytes, streams and error items."""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from pathlib import Path

from case_build import KNOWN  # type: ignore[import-not-found]

from brightline.core.sources.containers import ArchiveLimits
from brightline.core.sources.exhibit import ExhibitSource
from brightline.services.hashing import HashOptions, hash_bytes
from brightline.services.pipeline.pool import hash_items


def test_every_kind_of_item_is_hashed_in_order(tmp_path: Path) -> None:
    noise = random.Random(5).randbytes(100_000)
    pack = io.BytesIO()
    with zipfile.ZipFile(pack, "w") as zf:
        zf.writestr("big.jpg", KNOWN)  # larger than memory_bytes below: streamed
        zf.writestr("small.txt", "small")
        zf.writestr("../evil", "x")
    folder = tmp_path / "ev"
    folder.mkdir()
    (folder / "a.zip").write_bytes(pack.getvalue())
    (folder / "noise.bin").write_bytes(noise)
    (folder / "pic.jpg").write_bytes(KNOWN)
    source = ExhibitSource(folder, ArchiveLimits(memory_bytes=1024, spool_dir=tmp_path / "sp"))
    for workers in (1, 2):
        got = {
            str(item.locator): (result.signals.md5 if result.signals else None, result)
            for item, result in hash_items(source.items(), HashOptions(), workers, evidence=True)
        }
        assert list(got) == ["a.zip", "a.zip/big.jpg", "a.zip/small.txt", "a.zip/../evil",
                             "noise.bin", "pic.jpg"]  # fmt: skip
        evil = got["a.zip/../evil"][1]
        assert evil.signals is None and evil.error_code is not None
        assert got["noise.bin"][0] == hashlib.md5(noise).hexdigest()
        expected = hash_bytes(KNOWN, HashOptions()).signals
        assert expected is not None
        for name in ("a.zip/big.jpg", "pic.jpg"):
            signals = got[name][1].signals  # type: ignore[union-attr]
            assert signals.md5 == expected.md5 and signals.pdq == expected.pdq
