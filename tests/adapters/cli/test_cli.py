"""The command line, end to end, on each backend (in-process runner, real database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_path

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def json_lines(out: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_create_import_match_export(env: Path) -> None:
    known = env / "known.jpg"
    known.write_bytes(jpeg(picture(1)))
    signals = hash_path(known, HashOptions()).signals
    assert signals and signals.pdq
    hashes = env / "hashes.txt"
    hashes.write_text(f"pdq {signals.pdq}\nmd5 {signals.md5}\n")

    assert run("list", "create", "known", "--scheme", "uk", "--threshold", "20")[0] == 0
    code, out = run("list", "import", "known", str(hashes), "--json")
    assert code == 0 and json.loads(out)["imported"] == 2

    scan = env / "scan"
    scan.mkdir()
    (scan / "copy.png").write_bytes((env / "known.jpg").read_bytes())
    (scan / "resized.jpg").write_bytes(jpeg(picture(1).resize((300, 220)), 70))
    (scan / "other.jpg").write_bytes(jpeg(picture(2)))
    (scan / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    code, out = run("match", str(scan), "--json")
    assert code == 1
    rows = {Path(r["path"]).name: r for r in json_lines(out)}
    assert {m["signal_type"] for m in rows["copy.png"]["matches"]} == {"md5", "pdq"}
    assert [m["list"] for m in rows["resized.jpg"]["matches"]] == ["known"]
    assert rows["other.jpg"]["matches"] == [] and rows["other.jpg"]["error"] is None
    assert rows["broken.jpg"]["error"]
    assert set(rows["copy.png"]["signals"]) >= {"md5", "sha1", "sha256", "pdq", "pdq_quality"}

    code, out = run("match", str(scan / "other.jpg"))
    assert code == 0 and "1 file scanned, 0 matched" in out

    code, out = run("match", "--hashes", str(hashes), "--json")
    assert code == 1 and all(r["matches"] for r in json_lines(out))

    exported = env / "out.json"
    assert run("list", "export", "known", "--format", "vics", "-o", str(exported))[0] == 0
    assert json.loads(exported.read_text())["value"]

    code, out = run("list", "show", "--json")
    assert json_lines(out)[0]["entries"] == 2
    assert run("list", "delete", "known", "--yes")[0] == 0
    assert run("match", str(scan / "copy.png"))[0] == 0


def test_usage_and_input_errors_exit_2(env: Path) -> None:
    assert run("match", str(env / "missing"))[0] == 2
    assert run("list", "import", "nope", str(env))[0] == 2
    bad = env / "bad.txt"
    bad.write_text("md5 123\n")
    run("list", "create", "l")
    code, out = run("list", "import", "l", str(bad))
    assert code == 2 and "line 1" in out
    code, out = run("list", "import", "l", str(bad), "--skip-invalid", "--json")
    assert code == 0 and json.loads(out)["skipped"] == 1
    assert run("list", "create", "l")[0] == 2
    assert run("list", "create", "x", "--scheme", "martian")[0] == 2


def test_hash_json(env: Path) -> None:
    img = env / "a.jpg"
    img.write_bytes(jpeg(picture(3)))
    code, out = run("hash", str(img), "--json", "--dihedral")
    row = json.loads(out)
    assert code == 0 and len(row["signals"]["pdq_dihedral"]) == 8
    assert row["signals"]["pdq"] == row["signals"]["pdq_dihedral"][0]


def test_interrupted_scan_resumes(env: Path) -> None:
    known = env / "known.jpg"
    known.write_bytes(jpeg(picture(5)))
    signals = hash_path(known, HashOptions()).signals
    assert signals
    (env / "l.txt").write_text(f"md5 {signals.md5}\n")
    run("list", "create", "known")
    run("list", "import", "known", str(env / "l.txt"))
    scan = env / "scan"
    scan.mkdir()
    for i in range(4):
        (scan / f"{i}.jpg").write_bytes(jpeg(picture(20 + i)))
    (scan / "z-copy.jpg").write_bytes(known.read_bytes())
    out = env / "results.jsonl"
    assert run("match", str(scan), "-o", str(out))[0] == 1
    lines = out.read_text().splitlines(keepends=True)
    assert len(lines) == 5
    out.write_text("".join(lines[:2]) + lines[2][:15])  # as if killed while writing

    assert run("match", str(scan), "-o", str(out))[0] == 2  # no silent overwrite
    code, text = run("match", str(scan), "-o", str(out), "--resume")
    assert code == 1 and "5 files scanned, 1 matched" in text
    paths = [json.loads(line)["path"] for line in out.read_text().splitlines()]
    assert sorted(paths) == sorted(str(p) for p in scan.iterdir())


def test_show_one_list_gives_its_composition(env: Path) -> None:
    hashes = env / "h.csv"
    hashes.write_text(
        "signal_type,value,category\n"
        f"md5,{'1' * 32},A\nmd5,{'2' * 32},A\npdq,{'3' * 64},B\nsha1,{'4' * 40},\n"
    )
    run("list", "create", "known", "--scheme", "uk")
    run("list", "import", "known", str(hashes))
    code, out = run("list", "show", "known", "--json")
    parts = json.loads(out)["composition"]
    assert code == 0
    assert [(p["signal_type"], p["category"], p["count"]) for p in parts] == [
        ("md5", "A", 2),
        ("pdq", "B", 1),
        ("sha1", None, 1),
    ]
    code, out = run("list", "show", "known")
    assert code == 0 and "md5" in out and "active" in out
