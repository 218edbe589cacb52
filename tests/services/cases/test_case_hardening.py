"""Cases against hostile or odd exhibits (issue 15): every archive member its own row,
a broken exhibit an error row while the case goes on, empty files, leftovers."""

from __future__ import annotations

import io
import tarfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from case_build import KNOWN, make_lists  # type: ignore[import-not-found]

from brightline.core.actor import Actor
from brightline.services import cases
from brightline.services.context import Services, open_services
from brightline.settings import Settings


@pytest.fixture
def tsvc(settings: Settings, tmp_path: Path) -> Any:
    make_lists(settings, tmp_path)
    services = open_services(settings.model_copy(update={"workers": 1}))
    yield services
    services.close()


def test_a_known_member_behind_a_benign_name_is_its_own_row(
    tsvc: Services, actor: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "ev"
    folder.mkdir()
    with zipfile.ZipFile(folder / "a.zip", "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": the attack
        zf.writestr("holiday.jpg", b"benign bytes")
        zf.writestr("holiday.jpg", KNOWN)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for data in (b"benign bytes", KNOWN):
            info = tarfile.TarInfo("holiday.jpg")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    (folder / "b.tar").write_bytes(buf.getvalue())
    cases.create_case(tsvc, actor, "dup", "uk")
    summary = cases.add_exhibit(tsvc, actor, "dup", folder, "EX1")
    assert (summary.files, summary.known) == (6, 2)
    assert summary.exit_code == 1
    rows = {r["path"]: r["status"] for r in cases.files(tsvc, "dup")}
    assert rows["a.zip/holiday.jpg (#2)"] == "known"
    assert rows["b.tar/holiday.jpg (#2)"] == "known"
    assert cases.resume(tsvc, actor, "dup").files == 6  # the same names on a second read


@pytest.mark.parametrize("keep", [0.5, 200])
def test_a_truncated_e01_is_an_error_row_and_the_case_goes_on(
    tsvc: Services, actor: Actor, tmp_path: Path, builders: dict[str, Any], keep: float
) -> None:
    fs = builders["ext"](tmp_path, {"a.jpg": KNOWN, "b.txt": b"b"}, [])
    e01 = builders["e01"](tmp_path, builders["partitioned"](tmp_path, fs))
    data = e01.read_bytes()
    cut = tmp_path / "cut.E01"
    cut.write_bytes(data[: int(len(data) * keep) if keep < 1 else int(keep)])
    good = tmp_path / "good"
    good.mkdir()
    (good / "k.jpg").write_bytes(KNOWN)
    cases.create_case(tsvc, actor, "e01", "uk")
    summary = cases.add_exhibit(tsvc, actor, "e01", cut, "HD1")
    assert (summary.errors, summary.exit_code) == (1, 3)
    (row,) = cases.files(tsvc, "e01")
    assert row["status"] == "error" and row["error"]["code"] == "disk_image_damaged"
    assert cases.show(tsvc, "e01")["exhibits"][0]["state"] == "done"  # resume: nothing left
    assert cases.add_exhibit(tsvc, actor, "e01", good, "USB1").known == 1
    assert cases.resume(tsvc, actor, "e01").files == 2


def test_resume_one_exhibit(
    tsvc: Services, actor: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brightline.errors import NotFoundError
    from brightline.services.cases import run

    monkeypatch.setattr(run, "BATCH", 1)
    cases.create_case(tsvc, actor, "two", "uk")
    for name in ("A", "B"):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(3):
            (folder / f"{i}.txt").write_text(f"{name}{i}")
        seen = 0

        def stop(files: int, _bytes: int) -> None:
            nonlocal seen
            seen += files
            if seen == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            cases.add_exhibit(tsvc, actor, "two", folder, name, stop)
    assert cases.resume(tsvc, actor, "two", exhibit="B").files == 3 + 1
    states = {e["exhibit"]: e["state"] for e in cases.show(tsvc, "two")["exhibits"]}
    assert states == {"A": "running", "B": "done"}
    with pytest.raises(NotFoundError):
        cases.resume(tsvc, actor, "two", exhibit="C")
    assert cases.resume(tsvc, actor, "two").files == 6


def test_cli_resume_takes_exhibit(settings: Settings, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from brightline.adapters.cli.main import app

    env = {"BRIGHTLINE_HOME": str(settings.home), "BRIGHTLINE_DATABASE_URL": settings.db_url}
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    runner = CliRunner()
    for args in (["case", "create", "c1", "--scheme", "none"],
                 ["case", "add-exhibit", "c1", str(folder), "--id", "E1"],
                 ["case", "resume", "c1", "--exhibit", "E1"]):  # fmt: skip
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["case", "resume", "c1", "--exhibit", "E9"], env=env)
    assert result.exit_code != 0 and "E9" in result.output


def test_leftover_spools_are_swept_at_the_next_case_command(
    settings: Settings, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from brightline.adapters.cli.main import app
    from brightline.services.cases.spool import hold_spool, release_spool

    env = {"BRIGHTLINE_HOME": str(settings.home), "BRIGHTLINE_DATABASE_URL": settings.db_url}
    dead = settings.cases_folder / "op" / "tmp" / "3"  # left by a run killed with kill -9
    dead.mkdir(parents=True)
    (dead / "member-abc").write_bytes(b"spooled member bytes")
    live = settings.cases_folder / "other" / "tmp" / "4"  # a run still going
    fd = hold_spool(live)
    (live / "member-def").write_bytes(b"in use")
    try:
        result = CliRunner().invoke(app, ["case", "list"], env=env)
        assert result.exit_code == 0, result.output
        assert not dead.exists()
        assert (live / "member-def").exists()
    finally:
        release_spool(live, fd)
    assert not live.exists()


def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from brightline.adapters.cli.main import app

    env = {"BRIGHTLINE_HOME": str(settings.home), "BRIGHTLINE_DATABASE_URL": settings.db_url,
           "COLUMNS": "200"}  # fmt: skip
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, " ".join(result.output.split())


def test_case_dihedral_counts_and_empty_files(tsvc: Services, tmp_path: Path) -> None:
    from PIL import Image

    settings = tsvc.settings
    turned = tmp_path / "turned"
    turned.mkdir()
    with Image.open(io.BytesIO(KNOWN)) as img:
        img.transpose(Image.Transpose.ROTATE_90).save(turned / "sideways.png")
    (turned / "empty.jpg").write_bytes(b"")
    assert _cli(settings, "case", "create", "rot", "--scheme", "uk")[0] == 0
    code, out = _cli(settings, "case", "add-exhibit", "rot", str(turned), "--id", "E1")
    assert code == 3, out  # the empty file could not be checked; the turned copy missed
    assert "2 files in this exhibit, 2 in the case" in out
    rows = {r["path"]: r for r in cases.files(tsvc, "rot")}
    assert rows["empty.jpg"]["status"] == "error"
    assert rows["empty.jpg"]["error"]["code"] == "empty_file"
    assert rows["sideways.png"]["status"] == "unknown"
    code, out = _cli(
        settings, "case", "add-exhibit", "rot", str(turned), "--id", "E2", "--dihedral"
    )
    assert code == 1, out
    assert "2 files in this exhibit, 4 in the case" in out
    e2 = [r for r in cases.files(tsvc, "rot") if r["exhibit"] == "E2"]
    assert {r["path"]: r["status"] for r in e2}["sideways.png"] == "suggested"


def test_html_report_says_none_under_an_empty_table(tsvc: Services, tmp_path: Path) -> None:
    settings = tsvc.settings
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "notes.txt").write_text("nothing here")
    assert _cli(settings, "case", "create", "quiet", "--scheme", "uk")[0] == 0
    assert _cli(settings, "case", "add-exhibit", "quiet", str(clean), "--id", "E1")[0] == 0
    code, out = _cli(
        settings, "case", "export", "quiet", "--format", "html", "-o", str(tmp_path / "o")
    )
    assert code == 0, out
    html = (tmp_path / "o" / "quiet-report.html").read_text()
    for heading in ("Known and suggested files", "Files that could not be read"):
        section = html.split(f"<h2>{heading}</h2>", 1)[1].split("</table>", 1)[0]
        assert '<td colspan="' in section and ">none</td>" in section
