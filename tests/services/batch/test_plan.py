"""Partition planning: lazy listing of folders and manifests, the plan kept in --out."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brightline.errors import UsageError
from brightline.services.batch.plan import (
    BatchSpec,
    FileRecord,
    Plan,
    list_source,
    manifest_entries,
    open_state,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    top = tmp_path / "src"
    (top / "b").mkdir(parents=True)
    for name in ("a.jpg", "c.jpg", "b/d.jpg"):
        (top / name).write_bytes(b"x")
    os.symlink(top / "missing", top / "broken")
    return top


def test_a_folder_lists_every_path_in_a_stable_order_with_its_errors(folder: Path) -> None:
    found = list(list_source(str(folder)))
    assert [Path(r.locator).relative_to(folder).as_posix() for r in found] == [
        "a.jpg",
        "broken",
        "c.jpg",
        "b/d.jpg",
    ]
    assert found[1].error_code == "broken_symlink" and found[0].size == 1


def test_manifests_text_csv_and_parquet(tmp_path: Path, folder: Path) -> None:
    paths = [str(folder / "a.jpg"), "s3://bucket/k/1.jpg"]
    (tmp_path / "m.txt").write_text("# comment\n" + "\n".join(paths) + "\n\n")
    (tmp_path / "h.csv").write_text("size,path\n1," + "\n2,".join(paths) + "\n")
    (tmp_path / "n.csv").write_text("\n".join(paths) + "\n")
    pq.write_table(pa.table({"other": [1, 2], "uri": paths}), tmp_path / "m.parquet")
    for name in ("m.txt", "h.csv", "n.csv", "m.parquet"):
        assert list(manifest_entries(tmp_path / name)) == paths, name
    records = list(list_source(str(tmp_path / "m.parquet")))
    assert records == [FileRecord(paths[0], 1), FileRecord(paths[1])]


def test_the_plan_is_kept_and_a_changed_source_is_refused(tmp_path: Path, folder: Path) -> None:
    out = tmp_path / "out"
    spec = BatchSpec(str(folder), (), 2)
    open_state(out, spec, resume=False)
    plan = Plan(out)
    assert plan.build(list_source(str(folder)), 2) == 2
    assert plan.complete and plan.count() == 2 and plan.files() == 4
    assert [r.locator for r in plan.read(1)] == [str(folder / "c.jpg"), str(folder / "b/d.jpg")]
    (out / "part-000000.parquet").write_bytes(b"done")
    assert plan.done() == {0}
    with pytest.raises(UsageError, match="already holds a batch"):
        open_state(out, spec, resume=False)
    with pytest.raises(UsageError, match="same source"):
        open_state(out, BatchSpec(str(folder), ("other",), 2), resume=True)
    assert open_state(out, spec, resume=True) == spec
    (folder / "0.jpg").write_bytes(b"new")  # shifts partition 0, already scanned
    with pytest.raises(UsageError, match="source changed"):
        plan.build(list_source(str(folder)), 2)


def test_a_missing_source_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        list(list_source(str(tmp_path / "nope")))
