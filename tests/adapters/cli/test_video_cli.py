"""Video on the command line: hash --json, list import FOLDER, match with ranges,
list video thresholds, export as vpdq files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("BRIGHTLINE_WORKERS", "1")
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def rows(out: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_hash_video_json(env: Path, videos: dict[str, Path]) -> None:
    code, out = run("hash", str(videos["known"]), "--json")
    assert code == 0
    (row,) = rows(out)
    s = row["signals"]
    assert {"md5", "sha1", "sha256", "vpdq"} <= set(s)
    assert s["vpdq"][1] == {
        "frame": 10, "quality": s["vpdq"][1]["quality"], "pdq": s["vpdq"][1]["pdq"],
        "timestamp": 1.0,
    }  # fmt: skip
    code, out = run("hash", str(videos["known"]))
    assert "vpdq" in out and "frame hashes" in out


def test_import_folder_match_and_export(env: Path, videos: dict[str, Path]) -> None:
    folder = env / "listed"
    folder.mkdir()
    shutil.copy(videos["known"], folder / "case-17.mp4")
    assert run("list", "create", "videos")[0] == 0
    code, out = run("list", "import", "videos", str(folder), "--json")
    assert code == 0 and json.loads(out)["imported"] == 1

    scan = env / "scan"
    scan.mkdir()
    for name in ("trimmed", "embedded", "unrelated"):
        shutil.copy(videos[name], scan / videos[name].name)
    code, out = run("match", str(scan), "--json")
    assert code == 1
    by_name = {Path(r["path"]).stem: r for r in rows(out)}
    assert by_name["unrelated"]["matches"] == []
    (m,) = by_name["embedded"]["matches"]
    assert m["source_id"] == "case-17" and m["listed_share"] >= 0.8
    assert m["ranges"][0]["query"][0] == pytest.approx(10, abs=1.01)
    (m,) = by_name["trimmed"]["matches"]
    assert m["query_share"] == 1.0
    code, out = run("match", str(scan / "embedded.mp4"))
    flat = " ".join(out.split())  # Rich wraps at the terminal's width (80 with no TTY)
    assert code == 1 and "of the listed video" in flat and "query [" in flat

    code, out = run("list", "export", "videos", "-f", "pytx")
    assert code == 0 and "vpdq" in out
    code, out = run("list", "export", "videos", "-f", "vpdq", "-o", str(env / "out"))
    assert code == 0 and (env / "out" / "case-17.txt").read_text().startswith("0,")

    # Raise the bar: the trimmed copy (half of the listed video) no longer matches.
    code, out = run("list", "video", "videos", "--query-share", "1.0", "--listed-share", "0.9")
    assert code == 0
    code, out = run("match", str(scan / "trimmed.mp4"), "--json")
    (row,) = rows(out)
    assert code == 1 and row["matches"][0]["query_share"] == 1.0  # 100% of the clip is listed
    code, out = run("list", "video", "videos", "--query-share", "0")
    assert code == 2
