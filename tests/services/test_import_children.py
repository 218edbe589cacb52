"""An import's reader process dies with the import: ``kill -9`` of the command must
not leave it blocked on its pipe for ever, holding the file and its memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brightline.services import lists
from brightline.services.context import Services
from brightline.services.lists import ingest

SRC = Path(__file__).parents[2] / "src"


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_reader_child_dies_with_a_killed_import(svc: Services, tmp_path: Path) -> None:
    lists.create_list(svc.store, "big")
    path = tmp_path / "big.txt"
    lines = (f"{i:032x}" for i in range(ingest.PARALLEL_MIN_BYTES // 33 + 50_000))
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size >= ingest.PARALLEL_MIN_BYTES
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "BRIGHTLINE_HOME": str(svc.settings.home),
        "BRIGHTLINE_DATABASE_URL": svc.settings.db_url,
    }
    cli = [sys.executable, "-m", "brightline.adapters.cli.main", "list", "import", "big"]
    parent = subprocess.Popen([*cli, str(path)], env=env, stdout=subprocess.DEVNULL)
    kids: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not (kids := children_of(parent.pid)):
            assert parent.poll() is None, "the import ended before its reader was seen"
            assert time.monotonic() < deadline, "no reader process appeared"
            time.sleep(0.02)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 20
        while any(alive(k) for k in kids):
            assert time.monotonic() < deadline, "the reader outlived its killed parent"
            time.sleep(0.05)
    finally:
        if parent.poll() is None:
            parent.kill()
        for k in kids:
            if alive(k):
                os.kill(k, signal.SIGKILL)
