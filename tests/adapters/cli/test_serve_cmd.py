"""``brightline serve``: a taken port says which setting picks another; the settings
the server reports are the ones it runs with (``--port``, ``--workers``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from brightline.adapters.cli.serve_cmd import check_port_free
from brightline.errors import UsageError
from brightline.services.context import open_services
from brightline.services.people import auth
from brightline.settings import Settings

SRC = Path(__file__).parents[3] / "src"
CLI = [sys.executable, "-m", "brightline.adapters.cli.main"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_taken_port_names_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"port {port} .*BRIGHTLINE_PORT"):
            check_port_free("127.0.0.1", port)
    check_port_free("127.0.0.1", port)  # free again


def test_settings_report_the_running_port_and_workers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    svc = open_services(Settings(home=home))
    _, token = auth.create_key(svc.store, "admin", "t")
    svc.close()
    port = free_port()
    # The environment says 3 workers and port 1: the flags win, and the settings the
    # server reports must say so. (One worker: uvicorn's supervisor restarts workers
    # that take over 5 s to start, which a loaded test machine can make flaky.)
    env = {**os.environ, "PYTHONPATH": str(SRC), "BRIGHTLINE_HOME": str(home)}
    env.update(BRIGHTLINE_API_WORKERS="3", BRIGHTLINE_PORT="1")
    env.pop("BRIGHTLINE_DATABASE_URL", None)
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "the server stopped"
            try:
                if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        shown = httpx.get(f"{url}/v1/settings", headers={"Authorization": f"Bearer {token}"})
        assert shown.status_code == 200
        assert (shown.json()["port"], shown.json()["api_workers"]) == (port, 1)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``, read from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_supervisor(tmp_path: Path) -> None:
    """kill -9 of ``serve --workers 2``'s parent leaves no worker serving (each would
    hold the port and run the report outbox under PID 1), and the port is free again."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "BRIGHTLINE_HOME": str(tmp_path / "home")}
    env.update(BRIGHTLINE_LOG_LEVEL="warning", BRIGHTLINE_REPORTS_WORKER="true")
    env.pop("BRIGHTLINE_DATABASE_URL", None)
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while len(workers) < 2:
            assert server.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the workers did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).is_success:
                    workers = _children(server.pid)
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        server.kill()  # SIGKILL: the supervisor cannot stop anything itself
        server.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(w) for w in workers):
            assert time.monotonic() < deadline, "workers outlived their supervisor"
            time.sleep(0.1)
        check_port_free("127.0.0.1", port)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        for pid in workers:
            if _alive(pid):
                os.kill(pid, 9)
