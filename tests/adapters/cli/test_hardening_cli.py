"""Regression tests of the CLI for issue 7 §5 (reliability and security findings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app

runner = CliRunner()
MD5 = "D41D8CD98F00B204E9800998ECF8427E"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    return tmp_path


def _document(md5: str) -> bytes:
    return json.dumps({"value": [{"MD5": md5, "Category": 1}]}).encode()


@pytest.mark.parametrize("tail", [b"garbage", _document("0" * 32)])
def test_vics_import_with_trailing_data_fails_and_imports_nothing(env: Path, tail: bytes) -> None:
    path = env / "set.json"
    path.write_bytes(_document(MD5) + tail)
    assert runner.invoke(app, ["list", "create", "known"]).exit_code == 0
    result = runner.invoke(app, ["list", "import", "known", str(path)])
    assert result.exit_code == 2, result.output
    assert "data after the end of the VICS document" in " ".join(result.output.split())
    shown = runner.invoke(app, ["list", "show", "known", "--json"])
    assert json.loads(shown.output)["entries"] == 0
