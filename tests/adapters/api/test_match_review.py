"""The ``review`` action works from every source: ``brightline match FILE --actions``
on a list with ``{"kind": "review"}`` puts the file in the review queue, which
``GET /v1/review/items`` shows with the job and the source it came from, as an API
upload does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.core.actor import local_operator
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_bytes
from brightline.services.people import users

PASSWORD = "correct horse battery"


@pytest.fixture
def cli_env(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line on the server's database and home (the same master key)."""
    monkeypatch.setenv("BRIGHTLINE_HOME", str(server.settings.home))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", str(server.settings.database_url))


def _analyst(server: Any) -> dict[str, str]:
    svc = open_services(server.settings)
    users.create_user(svc.store, local_operator(), "ana", "analyst", PASSWORD)
    svc.close()
    with server.client() as c:
        resp = c.post("/v1/auth/login", json={"username": "ana", "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def test_match_with_actions_and_an_upload_put_files_in_the_review_queue(
    server: Any, cli_env: None, tmp_path: Path
) -> None:
    scanned, uploaded = jpeg(picture(11)), jpeg(picture(12))
    listed = tmp_path / "l.txt"
    listed.write_text(
        "".join(f"md5 {hash_bytes(d, HashOptions()).signals.md5}\n" for d in (scanned, uploaded))  # type: ignore[union-attr]
    )
    runner = CliRunner()
    assert runner.invoke(app, ["list", "create", "hotline"]).exit_code == 0
    assert runner.invoke(app, ["list", "import", "hotline", str(listed)]).exit_code == 0
    with server.client("curator") as c:
        resp = c.post("/v1/lists/hotline/actions", json={"kind": "review"})
        assert resp.status_code == 201, resp.text
    (tmp_path / "scan").mkdir()
    found = tmp_path / "scan" / "found.jpg"
    found.write_bytes(scanned)

    plain = runner.invoke(app, ["match", str(found)])
    assert plain.exit_code == 1, plain.output  # matched; no --actions: nothing kept
    result = runner.invoke(app, ["match", str(found), "--actions"])
    assert result.exit_code == 1, result.output
    with server.client("scanner") as c:
        files = {"file": ("up.jpg", uploaded, "image/jpeg")}
        resp = c.post("/v1/match", files=files)
        assert resp.status_code == 200 and resp.json()["matched"] is True

    with server.client() as ana:
        ana.headers.update(_analyst(server))
        got = ana.get("/v1/review/items", params={"source": "match"}).json()
        by_name = {i["filename"]: i for i in got}
        assert set(by_name) == {"found.jpg", "up.jpg"}
        cli, api = by_name["found.jpg"], by_name["up.jpg"]
        assert cli["job_source"] == "scan" and api["job_source"] == "upload"
        assert isinstance(cli["job_id"], int) and cli["job_id"] != api["job_id"]
        assert cli["list"] == "hotline" and cli["matches"][0]["list"] == "hotline"
        media = ana.get(f"/v1/review/items/{cli['id']}/media")
        assert media.status_code == 200 and media.headers["content-type"] == "image/jpeg"
