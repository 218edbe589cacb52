"""``brightline stats`` and ``stats export``: what real scans, uploads and lookups
counted, as a table, JSON and CSV; exports always suppressed and audited."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.services import actions, audit
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_path
from brightline.settings import Settings

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def scanned(env: Path) -> None:
    """A list with one picture's MD5 (category A); a folder of that picture and two
    others is scanned with actions (one webhook), then the hash is looked up."""
    folder = env / "scan"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.jpg").write_bytes(jpeg(picture(i + 1)))
    signals = hash_path(folder / "0.jpg", HashOptions()).signals
    assert signals is not None
    (env / "l.csv").write_text(f"signal_type,value,category\nmd5,{signals.md5},A\n")
    (env / "l.txt").write_text(f"md5 {signals.md5}\n")
    assert run("list", "create", "known", "--scheme", "uk")[0] == 0
    code, out = run("list", "import", "known", str(env / "l.csv"))
    assert code == 0, out
    svc = open_services(Settings())
    try:
        actions.add_action(svc.store, "known", "webhook", "http://127.0.0.1:9/hook")
    finally:
        svc.close()
    assert run("match", str(folder), "--actions")[0] == 1
    assert run("match", "--hashes", str(env / "l.txt"))[0] == 1


def test_scans_are_counted(env: Path) -> None:
    scanned(env)
    code, out = run("stats", "--json", "--by", "day")
    assert code == 0, out
    data = json.loads(out)
    t = data["totals"]
    assert (t["items"], t["matched_items"], t["matches"], t["actions"]) == (3, 1, 2, 1)
    assert t["jobs"] == 2
    code, out = run("stats", "--json", "--group", "list", "--group", "source", "--by", "year")
    rows = [r for r in json.loads(out)["rows"] if r["matches"]]
    assert {(r["list"], r["source"]): r["matches"] for r in rows} == {
        ("known", "scan"): 1,
        ("known", "lookup"): 1,
    }
    code, out = run("stats", "--csv", "--group", "content_type", "--by", "year")
    table = list(csv.DictReader(io.StringIO(out)))
    assert {r["content_type"]: r["items"] for r in table if r["items"] != "0"} == {"photo": "3"}
    code, out = run("stats", "--by", "year")
    assert code == 0 and "total" in out
    # the same figures suppressed: every one of them is under 10
    code, out = run("stats", "--json", "--suppress", "--by", "year")
    assert json.loads(out)["totals"]["items"] is None


def test_bad_options_exit_2(env: Path) -> None:
    assert run("stats", "--by", "fortnight")[0] == 2
    assert run("stats", "--group", "colour")[0] == 2
    assert run("stats", "--from", "2026-13-01")[0] == 2
    assert run("stats", "--tz", "Nowhere/Else")[0] == 2


@pytest.mark.parametrize("fmt", ["eu-2021-1232", "ofcom", "ncmec-esp"])
def test_exports_are_suppressed_documented_and_audited(env: Path, fmt: str) -> None:
    scanned(env)
    out = env / "export"
    code, text = run(
        "stats",
        "export",
        "--format",
        fmt,
        "--from",
        "2020-01-01",
        "--to",
        "2035-12-31",
        "-o",
        str(out),
    )
    assert code == 0, text
    doc = json.loads((out / "figures.json").read_text())
    assert doc["format"] == fmt and doc["min_cell"] == 10
    values = [f["value"] for f in doc["figures"]]
    assert values and all(v in (None, 0) for v in values)  # all counts here are < 10
    ids = {f["figure"] for f in doc["figures"]}
    dictionary = list(csv.DictReader((out / "data_dictionary.csv").open()))
    assert ids <= {d["figure"] for d in dictionary}
    assert all(d["definition"] for d in dictionary)
    caveats = (out / "caveats.md").read_text()
    assert "not prevalence" in caveats and "[c]" in caveats
    assert "[c]" in (out / "figures.csv").read_text()
    if fmt == "ofcom":
        template = json.loads((out / "ofcom_template.json").read_text())
        assert {f for q in template["questions"] for f in q["figures"]} == ids
    if fmt == "eu-2021-1232":
        assert {p["figure"] for p in doc["provider_to_complete"]} >= {"eu.complaints"}
    svc = open_services(Settings())
    try:
        [rec] = audit.records(svc.store, action="stats.export", limit=5)
        assert rec.target == f"stats:{fmt}"
    finally:
        svc.close()
    assert (
        run(
            "stats",
            "export",
            "--format",
            "nope",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-02",
            "-o",
            str(out),
        )[0]
        == 2
    )
