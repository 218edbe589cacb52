"""``brightline keys`` and ``brightline demo --no-scan``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.services.people.auth import KeyChecker
from brightline.services.store import Store
from brightline.settings import normalize_database_url

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    return database_url


def test_create_list_revoke(env: str) -> None:
    made = runner.invoke(app, ["keys", "create", "--role", "curator", "--name", "bot", "--json"])
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    token, key = created["token"], created["key"]
    assert key["role"] == "curator" and key["name"] == "bot"
    store = Store(normalize_database_url(env))
    assert KeyChecker(store).check(token).id == key["id"]

    text = runner.invoke(app, ["keys", "create", "--role", "scanner"])
    assert text.exit_code == 0 and "bl_" in text.output and "not shown again" in text.output
    listed = runner.invoke(app, ["keys", "list", "--json"])
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [r["role"] for r in rows] == ["curator", "scanner"]
    assert token not in listed.output

    assert runner.invoke(app, ["keys", "revoke", str(key["id"])]).exit_code == 0
    assert json.loads(runner.invoke(app, ["keys", "list", "--json"]).output.splitlines()[0])[
        "revoked_at"
    ]
    bad = runner.invoke(app, ["keys", "create", "--role", "root"])
    assert bad.exit_code == 2 and "unknown role" in bad.output
    assert runner.invoke(app, ["keys", "revoke", "999"]).exit_code == 2
    store.dispose()


def test_demo_without_scanning(env: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--folder", str(tmp_path / "demo"), "--no-scan"])
    assert result.exit_code == 0, result.output
    assert "demo-known" in result.output and "MATCH" not in result.output
