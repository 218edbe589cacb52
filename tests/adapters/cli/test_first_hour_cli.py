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


@pytest.mark.parametrize("days", ["99999999999", "0", "-5", "36501"])
def test_vault_hold_days_out_of_range_is_a_usage_error(env: Path, days: str) -> None:
    result = runner.invoke(app, ["vault", "hold", "1", "--days", days, "--reason", "r"])
    assert result.exit_code == 2, result.output
    assert "--days" in _said(result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_file_names_with_control_characters_are_shown_escaped(env: Path) -> None:
    folder = env / "ev"
    folder.mkdir()
    hostile = "a\x1b[2J\x1b]0;owned\x07\rb\u202egpj.exe"
    (folder / hostile).write_bytes(b"\xff\xd8\xff garbage")
    result = runner.invoke(app, ["hash", str(folder / hostile)])
    assert "\x1b" not in result.output and "\r" not in result.output
    assert "\u202e" not in result.output
    assert "\\x1b[2J" in result.output and "\\u202e" in result.output
    assert runner.invoke(app, ["case", "create", "c", "--scheme", "none"]).exit_code == 0
    result = runner.invoke(app, ["case", "add-exhibit", "c", str(folder), "--id", "E1"])
    result = runner.invoke(app, ["case", "files", "c"], env={"COLUMNS": "300"})
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b" in result.output
    result = runner.invoke(app, ["case", "add-exhibit", "c", str(env / hostile), "--id", "E2"])
    assert result.exit_code == 2 and "\x1b" not in result.output
