"""A partition on a worker, without Ray: the rows of ``brightline match`` (its hashing
and matching code), a column per registered signal type, its Parquet file."""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from brightline.core import signals
from brightline.core.actor import local_operator
from brightline.core.video.options import VideoOptions
from brightline.services.batch.plan import list_source
from brightline.services.batch.s3 import S3Config
from brightline.services.batch.snapshot import SnapshotMatcher, build_snapshot
from brightline.services.batch.worker import (
    FIXED,
    META_KEY,
    PartitionScanner,
    WorkerConfig,
    to_row,
)
from brightline.services.context import Services
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_path
from brightline.services.pipeline.job import Job
from brightline.services.pipeline.scan import scan
from brightline.services.store import lists
from brightline.services.store.db import next_rev
from brightline.services.store.entries import upsert_entries


class _Blake(signals.SignalTypeBase):
    """A plugin digest: it must get a column of its own and be matched."""

    name = "blake16"

    def new_digest(self) -> hashlib._Hash:
        return hashlib.blake2b(digest_size=16)


@pytest.fixture
def plugin() -> Iterator[None]:
    signals.register(_Blake())
    yield
    signals.unregister("blake16")


def test_a_partition_gives_matchs_rows_and_a_column_per_signal_type(
    svc: Services, tmp_path: Path, plugin: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / "files"
    folder.mkdir()
    for i in range(4):
        (folder / f"p{i}.jpg").write_bytes(jpeg(picture(i)))
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "cut.png").write_bytes(jpeg(picture(9))[:500])
    listed = hash_path(folder / "p1.jpg", HashOptions()).signals
    assert listed is not None
    blake = hashlib.blake2b((folder / "p2.jpg").read_bytes(), digest_size=16).hexdigest()
    with svc.store.begin() as conn:
        hl = lists.create_list(conn, "known", "none", 31)
        rows = [
            {"signal_type": "pdq", "value": listed.pdq},
            {"signal_type": "blake16", "value": blake},
        ]
        upsert_entries(conn, hl.id, rows, source="test", rev=next_rev(conn))
    config = WorkerConfig(HashOptions(), VideoOptions(), S3Config())
    scanner = PartitionScanner(config, SnapshotMatcher(build_snapshot(svc.store)))
    result = scanner.scan(7, list(list_source(str(folder))))

    table = pq.read_table(io.BytesIO(result.parquet))
    assert table.column_names[: len(FIXED)] == list(FIXED)
    assert "blake16" in table.column_names and "vpdq" in table.column_names
    job = Job(svc.review_env(), local_operator(), "scan", run_actions=False, workers=1)
    expected = [to_row(r) for r in scan([folder], job, svc.matcher)]
    assert table.to_pylist() == expected
    got = {Path(r["path"]).name: r for r in table.to_pylist()}
    assert got["p2.jpg"]["blake16"] == blake
    assert [m["signal_type"] for m in json.loads(got["p2.jpg"]["matches"])] == ["blake16"]
    assert [m["signal_type"] for m in json.loads(got["p1.jpg"]["matches"])] == ["pdq"]
    assert got["empty.jpg"]["error_code"] == "empty_file"
    assert got["cut.png"]["error_code"] == "undecodable"
    assert (result.index, result.files, result.matched, result.errors) == (7, 6, 2, 2)
    assert sorted(Path(r.path).name for r in result.found) == ["p1.jpg", "p2.jpg"]
    counts = json.loads((table.schema.metadata or {})[META_KEY])
    assert (counts["files"], counts["matched"], counts["errors"]) == (6, 2, 2)
