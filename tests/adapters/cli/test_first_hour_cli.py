"""The command line's small first-hour fixes (issue 15): watch on a bad source,
vault hold out of range, control characters in file names."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli import video_cmd
from brightline.adapters.cli.main import app
from brightline.services.watch import WatchOptions

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    return tmp_path


def _said(output: str) -> str:
    return " ".join(output.split())


def test_watch_a_missing_source_is_a_usage_error(env: Path) -> None:
    result = runner.invoke(app, ["watch", str(env / "nope.mp4")])
    assert result.exit_code == 2
    assert "no such file or device" in _said(result.output)
    result = runner.invoke(app, ["watch", str(env)])
    assert result.exit_code == 2 and "is a folder" in _said(result.output)


def test_watch_a_source_with_nothing_decodable_exits_2_with_the_reason(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        video_cmd, "WatchOptions", functools.partial(WatchOptions, follow_idle_s=0.3)
    )
    junk = env / "junk.mp4"
    junk.write_bytes(os.urandom(4096))
    result = runner.invoke(app, ["watch", str(junk)])
    assert result.exit_code == 2, result.output
    assert "no decodable video frames" in _said(result.output)
    empty = env / "empty.mp4"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["watch", str(empty)])
    assert result.exit_code == 2 and "no decodable video frames" in _said(result.output)
