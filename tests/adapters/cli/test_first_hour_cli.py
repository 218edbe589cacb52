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
from brightline.services.pipeline.watch import WatchOptions

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
    unwrapped = result.output.replace("\n", "")  # Rich wraps long paths at the width
    assert "\\x1b[2J" in unwrapped and "\\u202e" in unwrapped
    assert runner.invoke(app, ["case", "create", "c", "--scheme", "none"]).exit_code == 0
    result = runner.invoke(app, ["case", "add-exhibit", "c", str(folder), "--id", "E1"])
    result = runner.invoke(app, ["case", "files", "c"], env={"COLUMNS": "300"})
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b" in result.output
    result = runner.invoke(app, ["case", "add-exhibit", "c", str(env / hostile), "--id", "E2"])
    assert result.exit_code == 2 and "\x1b" not in result.output


def _entries(name: str) -> list[dict[str, str]]:
    import csv
    import io

    result = runner.invoke(app, ["list", "export", name, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_list_import_hashes_a_folder_of_pictures(env: Path) -> None:
    from PIL import Image

    from brightline.services.demo import jpeg, picture

    folder = env / "mine"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.jpg").write_bytes(jpeg(picture(11)))
    (folder / "sub" / "two.png").write_bytes(_png(picture(12)))
    Image.new("RGB", (64, 64), "grey").save(folder / "flat.png")  # too flat for PDQ
    assert runner.invoke(app, ["list", "create", "mine", "--scheme", "uk"]).exit_code == 0
    result = runner.invoke(
        app, ["list", "import", "mine", str(folder), "--category", "B", "--source", "op-x"]
    )
    assert result.exit_code == 0, result.output
    rows = _entries("mine")
    by_file: dict[str, set[str]] = {}
    for r in rows:
        by_file.setdefault(r["source_id"], set()).add(r["signal_type"])
        assert r["category"] == "B"
    assert by_file == {
        "one": {"md5", "sha1", "sha256", "pdq"},
        "two": {"md5", "sha1", "sha256", "pdq"},
        "flat": {"md5", "sha1", "sha256"},
    }
    assert {r["source"] for r in rows} == {"op-x"}  # provenance
    assert {r["note"] for r in rows if r["source_id"] == "one"} == {"from one.jpg"}
    match = runner.invoke(app, ["match", str(folder / "one.jpg")])
    assert match.exit_code == 1, match.output  # the picture is known now


def test_list_import_takes_picture_files_and_a_category_of_the_scheme(env: Path) -> None:
    from brightline.services.demo import jpeg, picture

    a, b = env / "a.jpg", env / "b.jpg"
    a.write_bytes(jpeg(picture(21)))
    b.write_bytes(jpeg(picture(22)))
    assert runner.invoke(app, ["list", "create", "two", "--scheme", "uk"]).exit_code == 0
    result = runner.invoke(app, ["list", "import", "two", str(a)])
    assert result.exit_code == 0, result.output
    assert {r["source_id"] for r in _entries("two")} == {"a"}
    result = runner.invoke(app, ["list", "import", "two", str(a), str(b), "--category", "Z9"])
    assert result.exit_code == 2  # not a category of the uk scheme
    result = runner.invoke(app, ["list", "import", "two", str(a), str(b), "--category", "A"])
    assert result.exit_code == 0, result.output
    assert {(r["source_id"], r["category"]) for r in _entries("two")} == {("a", "A"), ("b", "A")}


def _png(img: object) -> bytes:
    import io

    out = io.BytesIO()
    img.save(out, "PNG")  # type: ignore[attr-defined]
    return out.getvalue()


def test_a_vics_1x_case_export_imports(env: Path) -> None:
    """The README says VICS 1.x imports: a 1.x #Cases document (Griffeye's older
    exports: odata.metadata, SHA1 repeated in AlternativeHashes, SHA-256 there)."""
    import json

    doc = {
        "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.x.xml#Cases",
        "value": [{"CaseID": 1, "Media": [{
            "MediaID": "m-1", "Category": 2, "MD5": "0" * 31 + "1", "SHA1": "a" * 40,
            "AlternativeHashes": [{"HashName": "SHA1", "HashValue": "A" * 40},
                                  {"HashName": "SHA-256", "HashValue": "b" * 64}],
        }]}],
    }  # fmt: skip
    path = env / "old.json"
    path.write_text(json.dumps(doc))
    assert runner.invoke(app, ["list", "create", "old", "--scheme", "vic-us"]).exit_code == 0
    result = runner.invoke(app, ["list", "import", "old", str(path)])
    assert result.exit_code == 0, result.output
    rows = {(r["signal_type"], r["value"], r["category"]) for r in _entries("old")}
    assert rows == {("md5", "0" * 31 + "1", "2"), ("sha1", "a" * 40, "2"),
                    ("sha256", "b" * 64, "2")}  # fmt: skip
