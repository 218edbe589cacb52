"""``brightline match``: exit codes, rows for what could not be checked, the match
log, ``--actions``, and how it stops (Ctrl-C, SIGTERM, kill -9: no orphans)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.services import actions
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


def rows(out: str) -> dict[str, dict]:  # type: ignore[type-arg]
    found = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {Path(r["path"]).name: r for r in found}


def listed(env: Path) -> Path:
    """A list holding the MD5 of ``known.jpg``; returns the picture."""
    known = env / "known.jpg"
    known.write_bytes(jpeg(picture(1)))
    signals = hash_path(known, HashOptions()).signals
    assert signals is not None
    (env / "l.txt").write_text(f"md5 {signals.md5}\n")
    assert run("list", "create", "known")[0] == 0
    assert run("list", "import", "known", str(env / "l.txt"))[0] == 0
    return known


def test_exit_3_when_nothing_matched_but_something_was_not_checked(env: Path) -> None:
    scan = env / "scan"
    scan.mkdir()
    (scan / "fine.jpg").write_bytes(jpeg(picture(2)))
    assert run("match", str(scan))[0] == 0
    (scan / "empty.jpg").write_bytes(b"")
    (scan / "cut.jpg").write_bytes(jpeg(picture(3))[:400])
    (scan / "notes.txt").write_text("not a picture")
    code, out = run("match", str(scan))
    assert code == 3
    assert "4 files scanned, 0 matched, 3 could not be checked" in out
    assert "1 empty_file" in out and "1 undecodable" in out and "1 not_an_image" in out
    code, out = run("match", str(scan), "--json")
    assert code == 3 and rows(out)["empty.jpg"]["error"] == {
        "code": "empty_file",
        "message": "empty file",
    }


def test_a_match_wins_over_files_not_checked(env: Path) -> None:
    known = listed(env)
    scan = env / "scan"
    scan.mkdir()
    (scan / "copy.jpg").write_bytes(known.read_bytes())
    (scan / "empty").write_bytes(b"")
    assert run("match", str(scan))[0] == 1


def test_a_fifo_named_on_the_command_line_gets_a_row(env: Path) -> None:
    fifo = env / "pipe"
    os.mkfifo(fifo)
    code, out = run("match", str(fifo), "--json")
    assert code == 3 and rows(out)["pipe"]["error"]["code"] == "fifo"
    code, out = run("match", str(fifo))
    assert code == 3 and "FIFO" in out and "1 fifo" in out


def test_every_cli_match_is_logged_and_webhooks_run_only_with_actions(
    env: Path, database_url: str
) -> None:
    known = listed(env)
    settings = Settings(home=env / "home", database_url=database_url)
    svc = open_services(settings)
    try:
        actions.add_action(svc.store, "known", "webhook", "http://127.0.0.1:9/hook")
        assert run("match", str(known))[0] == 1
        [logged] = actions.match_log(svc.store, "known")
        assert logged["actor"].startswith("operator:") and logged["job_id"]
        assert actions.delivery_log(svc.store) == []
        assert run("match", str(known), "--actions")[0] == 1
        assert len(actions.match_log(svc.store, "known")) == 2
        [delivery] = actions.delivery_log(svc.store)
        assert delivery["list"] == "known" and delivery["status"] == "pending"
        assert run("match", "--hashes", str(env / "l.txt"))[0] == 1
        assert len(actions.match_log(svc.store, "known")) == 3
    finally:
        svc.close()


# -- stopping: the hashing processes end with the command ------------------------


@pytest.fixture
def slow_folder(tmp_path: Path) -> Path:
    """Many hard links to one large noisy PNG: seconds of hashing, little disk."""
    folder = tmp_path / "slow"
    folder.mkdir()
    pixels = np.random.default_rng(0).integers(0, 256, (1500, 1500, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG", compress_level=1)
    first = folder / "000.png"
    first.write_bytes(buf.getvalue())
    for i in range(1, 400):
        os.link(first, folder / f"{i:03}.png")
    return folder


def _start(home: Path, *args: str) -> subprocess.Popen[str]:
    """The command in a process of its own (on SQLite: how it stops is the same on
    either database)."""
    code = "from brightline.adapters.cli.main import main; main()"
    environ = {k: v for k, v in os.environ.items() if k != "BRIGHTLINE_DATABASE_URL"}
    return subprocess.Popen(
        [sys.executable, "-c", code, "match", *args, "--workers", "2"],
        env={**environ, "BRIGHTLINE_HOME": str(home / "home")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        out.extend(int(p) for p in task.read_text().split())
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def _until(check: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)


def _workers(proc: subprocess.Popen[str]) -> Iterator[int]:
    _until(lambda: len(_children(proc.pid)) >= 2 or proc.poll() is not None)
    assert proc.poll() is None, proc.communicate()
    yield from _children(proc.pid)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_hashing_processes_end_with_the_command(
    tmp_path: Path, slow_folder: Path, sig: signal.Signals
) -> None:
    proc = _start(tmp_path, str(slow_folder))
    workers = list(_workers(proc))
    os.kill(proc.pid, sig)
    proc.communicate(timeout=60)
    assert proc.returncode == (143 if sig == signal.SIGTERM else -signal.SIGKILL)
    _until(lambda: not any(_alive(w) for w in workers))


def test_ctrl_c_says_what_was_done_and_how_to_resume(tmp_path: Path, slow_folder: Path) -> None:
    out = tmp_path / "results.jsonl"
    proc = _start(tmp_path, str(slow_folder), "-o", str(out))
    workers = list(_workers(proc))
    _until(lambda: out.exists() and out.stat().st_size > 0)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Interrupted after" in err and "--resume" in err and str(out) in err
    _until(lambda: not any(_alive(w) for w in workers))
