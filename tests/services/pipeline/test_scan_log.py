"""Scan logs: an interrupted scan resumes where it stopped, nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brightline.core.models import ScanResult
from brightline.errors import UsageError
from brightline.services.pipeline.scan_log import ScanLog


def test_resume_skips_done_files_and_drops_a_cut_off_line(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    log = ScanLog.open(path, resume=False)
    log.write(ScanResult("a.jpg"))
    log.write(ScanResult("b.jpg", error="empty file"))
    log.close()
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"path": "c.jpg", "matc')  # killed mid-write

    again = ScanLog.open(path, resume=True)
    assert again.done == {"a.jpg", "b.jpg"} and again.errors == 1 and again.matched == 0
    again.write(ScanResult("c.jpg"))
    again.close()
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["path"] for r in rows] == ["a.jpg", "b.jpg", "c.jpg"]


def test_refuses_to_overwrite_results_without_resume(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text('{"path": "a.jpg"}\n')
    with pytest.raises(UsageError, match="--resume"):
        ScanLog.open(path, resume=False)


def test_resume_without_a_log_starts_one(tmp_path: Path) -> None:
    log = ScanLog.open(tmp_path / "new.jsonl", resume=True)
    assert log.done == set()
    log.close()
