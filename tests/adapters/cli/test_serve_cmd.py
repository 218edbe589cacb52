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
from brightline.services import auth
from brightline.services.context import open_services
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
