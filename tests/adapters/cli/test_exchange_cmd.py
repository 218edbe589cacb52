"""``brightline exchange …`` and the list policy commands, end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.testing.exchange_servers import NcmecHashServer, made_up_entries

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("BRIGHTLINE_EXCHANGE_BACKOFF_S", "0.01")
    return tmp_path


@pytest.fixture
def hashsharing() -> Iterator[NcmecHashServer]:
    server = NcmecHashServer(made_up_entries(12), page_size=5).start()
    yield server
    server.stop()


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def test_add_fetch_show_remove(env: Path, hashsharing: NcmecHashServer) -> None:
    assert run("list", "create", "ncmec", "--scheme", "industry")[0] == 0
    code, out = run(
        "exchange", "add", "nc", "--type", "ncmec", "--list", "ncmec", "--url", hashsharing.url,
        "--credentials", "-", stdin="user:secret\n",
    )  # fmt: skip
    assert code == 0 and "secret" not in out
    code, out = run("exchange", "fetch", "nc", "--json")
    result = json.loads(out)
    assert code == 0 and set(result) == {"added", "updated", "deleted", "errors", "checkpoint"}
    assert result["added"] == 12 and result["errors"] == 0
    code, out = run("exchange", "show", "nc", "--json")
    assert code == 0 and json.loads(out)["entries"] == 12 and "secret" not in out
    code, out = run("exchange", "list", "--json")
    assert [e["name"] for e in json.loads(out)] == ["nc"]
    assert run("exchange", "push", "nc", "--json")[1].strip() == (
        '{"sent":0,"retrying":0,"failed":0}'
    )
    assert run("exchange", "remove", "nc")[0] == 0
    assert run("exchange", "show", "nc")[0] == 2


def test_fetch_that_cannot_finish_exits_1(env: Path, hashsharing: NcmecHashServer) -> None:
    run("list", "create", "ncmec")
    hashsharing.knobs.bad_xml_once.add(5)
    run(
        "exchange", "add", "nc", "--type", "ncmec", "--list", "ncmec", "--url", hashsharing.url,
        "--credentials", "-", stdin="user:secret\n",
    )  # fmt: skip
    code, out = run("exchange", "fetch", "nc", "--json")
    assert code == 1 and json.loads(out)["added"] == 5
    code, out = run("exchange", "fetch", "nc", "--json")
    assert code == 0 and json.loads(out)["added"] == 7


def test_credentials_only_from_stdin(env: Path) -> None:
    run("list", "create", "l")
    code, out = run(
        "exchange", "add", "x", "--type", "ncmec", "--list", "l", "--credentials", "user:pw"
    )
    assert code == 2 and "standard input" in out


def test_negative_and_flood_commands(env: Path) -> None:
    run("list", "create", "third")
    code, out = run("list", "create", "benign", "--negative-for", "third", "--json")
    assert code == 0 and json.loads(out)["negative_for"] == ["third"]
    code, out = run("list", "flood", "third", "--max-matches", "5", "--window", "60", "--json")
    assert json.loads(out)["flood"] == {"max_matches": 5, "window_s": 60}
    code, out = run("list", "show", "third", "--json")
    shown = json.loads(out)
    assert shown["flood"] == {"max_matches": 5, "window_s": 60} and shown["quarantined"] == 0
    assert run("list", "show", "benign", "--json")[1].count('"negative_for":["third"]') == 1


def test_opinion_and_release_commands(env: Path, hashsharing: NcmecHashServer) -> None:
    run("list", "create", "ncmec")
    run(
        "exchange", "add", "nc", "--type", "ncmec", "--list", "ncmec", "--url", hashsharing.url,
        "--credentials", "-", stdin="user:secret\n",
    )  # fmt: skip
    run("exchange", "fetch", "nc")
    code, out = run("list", "show", "ncmec", "--json")
    assert code == 0
    from brightline.services.context import open_services
    from brightline.services.lists import curation
    from brightline.settings import Settings

    svc = open_services(Settings())
    entry = curation.entries_page(svc.store, "ncmec", 0, 1)[0]
    svc.close()
    code, out = run("exchange", "opinion", str(entry.id), "deconfirmed", "--reason", "x", "--json")
    assert code == 0 and json.loads(out)["opinion"] == "deconfirmed"
    assert run("exchange", "opinion", str(entry.id), "maybe")[0] == 2
    code, out = run("list", "release", str(entry.id))
    assert code == 2 and "not quarantined" in out
