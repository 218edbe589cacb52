"""``brightline reports …`` and ``brightline vault …`` against the local NCMEC server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[2]))

from brightline.adapters.cli.main import app
from brightline.services.reports import _review_port
from brightline.services.store import Store
from brightline.settings import normalize_database_url
from fake_ncmec import FakeNcmec
from reports_helpers import ReviewDouble

runner = CliRunner()


@pytest.fixture
def ncmec() -> Iterator[FakeNcmec]:
    server = FakeNcmec().start()
    yield server
    server.stop()


@pytest.fixture
def desk(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path, ncmec: FakeNcmec
) -> Iterator[ReviewDouble]:
    env = {
        "HOME": str(tmp_path / "home"),
        "DATABASE_URL": database_url,
        "NCMEC_URL": ncmec.url,
        "NCMEC_USERNAME": "esp-user",
        "NCMEC_PASSWORD": "esp-secret",
        "REPORTER_FIRST_NAME": "Rita",
        "REPORTER_LAST_NAME": "Porter",
        "REPORTER_EMAIL": "reports@example.org",
        "REPORT_BACKOFF_S": "0.01",
    }
    for name, value in env.items():
        monkeypatch.setenv(f"BRIGHTLINE_{name}", value)
    store = Store(normalize_database_url(database_url))
    store.migrate()
    double = ReviewDouble(store)
    monkeypatch.setattr(_review_port, "open_media", double.open_media)
    yield double
    store.dispose()


def test_reports_from_draft_to_finished_and_the_vault(
    desk: ReviewDouble, ncmec: FakeNcmec, tmp_path: Path
) -> None:
    desk.confirm(1)
    desk.confirm(2)
    listed = runner.invoke(app, ["reports", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    (draft,) = json.loads(listed.output)
    assert (draft["destination"], draft["state"], draft["report_id"]) == ("ncmec", "draft", None)
    assert [i["item_id"] for i in draft["items"]] == [1, 2]

    sent = runner.invoke(app, ["reports", "send", str(draft["id"]), "--wait", "--json"])
    assert sent.exit_code == 0, sent.output
    view = json.loads(sent.output)
    (filed,) = ncmec.finished()
    assert view["state"] == "finished" and view["report_id"] == str(filed.report_id)
    shown = runner.invoke(app, ["reports", "show", str(draft["id"])])
    assert shown.exit_code == 0 and "finished" in shown.output and "graded in" in shown.output
    again = runner.invoke(app, ["reports", "send", str(draft["id"])])
    assert again.exit_code == 2 and "not a draft" in again.output
    refused = runner.invoke(app, ["reports", "retract", str(draft["id"])])
    assert refused.exit_code == 2 and "cannot be retracted" in refused.output

    dest = tmp_path / "for-police"
    exported = runner.invoke(app, ["vault", "export", str(draft["id"]), str(dest)])
    assert exported.exit_code == 0, exported.output
    check = subprocess.run(["sha256sum", "-c", "manifest.sha256"], cwd=dest, capture_output=True)
    assert check.returncode == 0
    held = runner.invoke(
        app, ["vault", "hold", str(draft["id"]), "--days", "800", "--reason", "LE request 17"]
    )
    assert held.exit_code == 0, held.output
    purged = runner.invoke(app, ["vault", "purge", "--json"])
    assert purged.exit_code == 0 and json.loads(purged.output) == []
    rotated = runner.invoke(app, ["vault", "rotate"])
    assert rotated.exit_code == 0 and "Re-wrapped 0" in rotated.output


def test_send_without_reporter_names_the_settings(
    desk: ReviewDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRIGHTLINE_REPORTER_EMAIL")
    desk.confirm(1)
    (draft,) = json.loads(runner.invoke(app, ["reports", "list", "--json"]).output)
    out = runner.invoke(app, ["reports", "send", str(draft["id"])])
    assert out.exit_code == 2 and "BRIGHTLINE_REPORTER_EMAIL" in out.output


def test_failed_report_exits_2_and_retry_finishes_it(desk: ReviewDouble, ncmec: FakeNcmec) -> None:
    desk.confirm(1)
    (draft,) = json.loads(runner.invoke(app, ["reports", "list", "--json"]).output)
    ncmec.fault("submit", "code", code=4100)
    failed = runner.invoke(app, ["reports", "send", str(draft["id"]), "--wait"])
    assert failed.exit_code == 2 and "4100 Validation failed" in failed.output
    retried = runner.invoke(app, ["reports", "retry", str(draft["id"]), "--wait", "--json"])
    assert retried.exit_code == 0 and json.loads(retried.output)["state"] == "finished"


def test_check_credentials(desk: ReviewDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    ok = runner.invoke(app, ["reports", "check"])
    assert ok.exit_code == 0 and "credentials accepted" in ok.output
    monkeypatch.setenv("BRIGHTLINE_NCMEC_PASSWORD", "wrong-one")
    bad = runner.invoke(app, ["reports", "check"])
    assert bad.exit_code == 2 and "BRIGHTLINE_NCMEC_PASSWORD" in bad.output
    assert "wrong-one" not in bad.output
