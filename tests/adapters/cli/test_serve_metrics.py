"""``brightline serve --workers 2``: /metrics adds up every worker's request
latencies (prometheus_client multiprocess mode), whichever worker answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-for-tests-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _served_requests(text: str) -> float:
    for family in text_string_to_metric_families(text):
        if family.name == "brightline_request_seconds":
            return sum(
                s.value
                for s in family.samples
                if s.name.endswith("_count") and s.labels["route"] == "/health/live"
            )
    return 0.0


@pytest.mark.slow
def test_metrics_add_up_all_workers(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "BRIGHTLINE_HOME": str(tmp_path / "home"),
        "BRIGHTLINE_METRICS_TOKEN": TOKEN,
        "BRIGHTLINE_LOG_LEVEL": "warning",
    }
    env.pop("BRIGHTLINE_DATABASE_URL", None)
    cmd = [
        sys.executable,
        "-m",
        "brightline.adapters.cli.main",
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None and time.monotonic() < deadline
            try:
                if httpx.get(f"{url}/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        for _ in range(40):  # new connections: both workers answer some
            assert httpx.get(f"{url}/health/live").status_code == 200
        auth = {"Authorization": f"Bearer {TOKEN}"}
        seen = [_served_requests(httpx.get(f"{url}/metrics", headers=auth).text) for _ in range(6)]
        assert all(n >= 40 for n in seen), seen  # every scrape, whichever worker: all of them
        folder = next((tmp_path / "home").glob("metrics-*"))
        assert len(list(folder.glob("*.db"))) >= 2  # one file per worker
    finally:
        proc.terminate()
        proc.wait(30)
    assert not list((tmp_path / "home").glob("metrics-*"))  # cleared when the server ends
