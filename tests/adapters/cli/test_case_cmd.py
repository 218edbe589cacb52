"""``brightline case``, end to end on each backend: exit codes, JSON shapes, the VICS
round trip through ``list import``, kill -9 and resume, the PDF."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app

sys.path.insert(0, str(Path(__file__).parents[2] / "services" / "cases"))

from case_build import build_folder, make_lists

from brightline.services.demo import jpeg, picture
from brightline.settings import Settings

runner = CliRunner()
ROW_KEYS = {
    "exhibit", "path", "size", "deleted", "md5", "sha1", "sha256", "pdq", "media_type",
    "status", "category", "matches", "error",
}  # fmt: skip
COUNT_KEYS = {"files", "unique", "errors", "known", "suggested", "unknown"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("BRIGHTLINE_WORKERS", "2")
    make_lists(Settings(home=tmp_path / "home", database_url=database_url), tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def lines(out: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_exit_codes_and_shapes(env: Path) -> None:
    assert run("case", "create", "op", "--scheme", "uk", "--list", "police")[0] == 0
    assert run("case", "create", "op", "--scheme", "uk")[0] == 2  # taken
    clean = env / "clean"
    clean.mkdir()
    (clean / "a.jpg").write_bytes(jpeg(picture(7)))
    (clean / "b.txt").write_text("b")
    assert run("case", "add-exhibit", "op", str(clean), "--id", "E0")[0] == 0
    bad = env / "bad"
    bad.mkdir()
    (bad / "x.zip").write_bytes(b"PK\x03\x04broken")
    assert run("case", "add-exhibit", "op", str(bad), "--id", "E1")[0] == 3
    code, out = run("case", "add-exhibit", "op", str(build_folder(env / "ev")), "--id", "E2")
    assert code == 1, out
    assert run("case", "add-exhibit", "op", str(env / "missing"), "--id", "E3")[0] == 2
    assert run("case", "add-exhibit", "op", str(clean), "--id", "E0")[0] == 2  # id taken

    code, out = run("case", "show", "op", "--json")
    shown = json.loads(out)
    assert code == 0 and set(shown) >= COUNT_KEYS
    assert [e["exhibit"] for e in shown["exhibits"]] == ["E0", "E1", "E2"]
    assert shown["files"] == 2 + 1 + 11 and shown["errors"] == 1 + 2
    assert shown["known"]["B"] == {"files": 3, "unique": 1}
    code, out = run("case", "files", "op", "--exhibit", "E1", "--json")
    (row,) = lines(out)
    assert set(row) >= ROW_KEYS and row["status"] == "error"
    assert row["error"]["code"] == "corrupt_archive"
    code, out = run("case", "files", "op", "--status", "known", "--json")
    assert {r["path"] for r in lines(out)} == {
        "known.jpg", "sub/copy.jpg", "evidence.zip/inside/known.jpg",
    }  # fmt: skip
    code, out = run("case", "list", "--json")
    assert [c["case"] for c in lines(out)] == ["op"]
    assert run("case", "show", "op")[0] == 0 and run("case", "files", "op")[0] == 0


def test_vics_round_trip_through_list_import(env: Path) -> None:
    run("case", "create", "rt", "--scheme", "uk")
    run("case", "add-exhibit", "rt", str(build_folder(env / "ev")), "--id", "E1")
    out = env / "out"
    assert run("case", "export", "rt", "--format", "vics", "-o", str(out))[0] == 0
    assert run("list", "create", "back", "--scheme", "uk")[0] == 0
    code, text = run("list", "import", "back", str(out / "rt.vics.json"), "--json")
    assert code == 0, text
    code, text = run("case", "files", "rt", "--json")
    rows = [r for r in lines(text) if r["sha1"]]
    expected = set()
    for r in rows:
        category = r["category"] if r["status"] == "known" else None
        for kind in ("md5", "sha1", "sha256", "pdq"):
            if r[kind]:
                expected.add((kind, r[kind], category))
    code, text = run("list", "export", "back", "--format", "csv", "-o", str(env / "back.csv"))
    assert code == 0, text
    import csv

    with open(env / "back.csv") as fh:
        got = {(r["signal_type"], r["value"], r["category"] or None) for r in csv.DictReader(fh)}
    assert got == expected


def test_kill_9_then_resume(env: Path, database_url: str) -> None:
    folder = env / "many"
    folder.mkdir()
    for i in range(600):  # more than two write batches (256 rows each)
        (folder / f"img{i:03}.jpg").write_bytes(jpeg(picture(100 + i, (96, 72))))
    assert run("case", "create", "k9", "--scheme", "uk")[0] == 0
    cmd = [sys.executable, "-m", "brightline.adapters.cli.main", "case", "add-exhibit", "k9",
           str(folder), "--id", "E1"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    children: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        children |= _children(proc.pid)
        code, out = run("case", "show", "k9", "--json")
        if code == 0 and json.loads(out)["files"] >= 256:
            break
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert children, "the pool had workers"
    time.sleep(1.0)
    assert not [pid for pid in children if _alive(pid)], "workers outlived their parent"
    done = json.loads(run("case", "show", "k9", "--json")[1])["files"]
    assert 256 <= done < 600
    code, out = run("case", "resume", "k9")
    assert code == 0, out
    code, out = run("case", "files", "k9", "--json")
    paths = [r["path"] for r in lines(out)]
    assert len(paths) == len(set(paths)) == 600


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_html_report_and_pdf(env: Path) -> None:
    from shutil import which

    if which("chromium") is None:
        pytest.skip("chromium is not installed")
    run("case", "create", "pdf", "--scheme", "uk")
    run("case", "add-exhibit", "pdf", str(build_folder(env / "ev")), "--id", "E1")
    out = env / "out"
    code, text = run("case", "export", "pdf", "--format", "html", "-o", str(out))
    assert code == 0, text
    assert (out / "pdf-report.pdf").read_bytes().startswith(b"%PDF")
    check = subprocess.run(["sha256sum", "-c", "manifest.sha256"], cwd=out, capture_output=True)
    assert check.returncode == 0
