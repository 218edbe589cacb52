"""``brightline users`` (passwords from standard input, never arguments) and
``brightline review demo``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.errors import AuthError
from brightline.services import audit
from brightline.services.people import users
from brightline.services.store import Store
from brightline.settings import Settings, normalize_database_url

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Settings:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    return Settings(home=tmp_path / "home", database_url=database_url)


def test_create_list_disable_reset(env: Settings) -> None:
    made = runner.invoke(
        app, ["users", "create", "ann", "--role", "senior", "--json"], input="a long password\n"
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["role"] == "senior"
    store = Store(normalize_database_url(env.db_url))
    token, _ = users.login(store, env, "ann", "a long password")
    assert users.check_session(store, env, token).user.name == "ann"

    listed = runner.invoke(app, ["users", "list", "--json"])
    assert [json.loads(line)["name"] for line in listed.output.splitlines()] == ["ann"]
    assert "password" not in listed.output

    short = runner.invoke(app, ["users", "create", "bo", "--role", "analyst"], input="short\n")
    assert short.exit_code == 2 and "at least 10" in short.output
    role = runner.invoke(
        app, ["users", "create", "cy", "--role", "boss"], input="a long password\n"
    )
    assert role.exit_code == 2 and "unknown role" in role.output
    again = runner.invoke(app, ["users", "create", "ann", "--role", "analyst"], input="x" * 12)
    assert again.exit_code == 2 and "already exists" in again.output

    assert runner.invoke(app, ["users", "disable", "ann"]).exit_code == 0
    with pytest.raises(AuthError):  # sessions end with the account
        users.check_session(store, env, token)
    with pytest.raises(AuthError, match="disabled"):
        users.login(store, env, "ann", "a long password")
    assert runner.invoke(app, ["users", "enable", "ann"]).exit_code == 0
    reset = runner.invoke(app, ["users", "reset-password", "ann"], input="another password\n")
    assert reset.exit_code == 0, reset.output
    users.login(store, env, "ann", "another password")
    actions = [r.action for r in audit.records(store, limit=None, newest_first=False)]
    assert actions[:4] == ["user.create", "auth.login", "user.disable", "auth.login_failed"]
    assert "user.reset_password" in actions
    store.dispose()


def test_review_demo_prints_how_to_sign_in(env: Settings) -> None:
    result = runner.invoke(app, ["review", "demo"])
    assert result.exit_code == 0, result.output
    assert "/ui/" in result.output and "analyst1" in result.output
    password = result.output.split("analyst1")[1].split()[1]
    store = Store(normalize_database_url(env.db_url))
    users.login(store, env, "analyst1", password)
    store.dispose()
