"""Several server processes on one database see each other's changes: a hash added
through one is matchable through the other within seconds (the issue asks for 5 s;
the deadline here is looser so a busy CI machine does not flake)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from brightline.services.context import open_services
from brightline.services.people import auth
from brightline.settings import Settings

PDQ = "9e1d" * 16


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    def __init__(self, env: dict[str, str], workers: int = 1):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "brightline.adapters.cli.main", "serve"]
        cmd += ["--port", str(self.port), "--workers", str(workers)]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def wait_ready(self, eventually: Any) -> None:
        def ready() -> bool:
            assert self.proc.poll() is None, "the server exited"
            try:
                return httpx.get(f"{self.url}/health/ready").status_code == 200
            except httpx.TransportError:
                return False

        eventually(ready, timeout=60)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BRIGHTLINE_HOME": str(tmp_path / "home"),
        "BRIGHTLINE_DATABASE_URL": database_url,
        "BRIGHTLINE_REFRESH_INTERVAL_S": "0.5",
        "BRIGHTLINE_LOG_LEVEL": "warning",
    }


@pytest.fixture
def tokens(settings: Settings) -> dict[str, str]:
    """Keys made in the servers' database (``settings`` shares their home)."""
    svc = open_services(settings)
    try:
        return {r: auth.create_key(svc.store, r)[1] for r in ("scanner", "curator")}
    finally:
        svc.close()


def _client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _matched(url: str, token: str) -> bool:
    with _client(url, token) as c:
        body = c.post("/v1/match/hash", json={"signal_type": "pdq", "value": PDQ}).json()
    return bool(body["matched"])


@pytest.fixture
def two_servers(env: dict[str, str], eventually: Any) -> Iterator[tuple[Served, Served]]:
    a, b = Served(env), Served(env)
    try:
        a.wait_ready(eventually)
        b.wait_ready(eventually)
        yield a, b
    finally:
        a.stop()
        b.stop()


def test_servers_see_each_others_changes(
    two_servers: tuple[Served, Served], tokens: dict[str, str], eventually: Any
) -> None:
    a, b = two_servers
    with _client(a.url, tokens["curator"]) as c:
        c.post("/v1/lists", json={"name": "shared"})
        entry = c.post("/v1/lists/shared/entries", json={"signal_type": "pdq", "value": PDQ}).json()
    started = time.monotonic()
    eventually(lambda: _matched(b.url, tokens["scanner"]), timeout=20)
    seen_after = time.monotonic() - started
    with _client(b.url, tokens["curator"]) as c:
        c.patch(f"/v1/entries/{entry['id']}", json={"enabled": False})
    eventually(lambda: not _matched(a.url, tokens["scanner"]), timeout=20)
    print(f"added hash matchable on the other server after {seen_after:.2f} s")


def test_one_server_with_two_workers(
    env: dict[str, str], tokens: dict[str, str], eventually: Any
) -> None:
    served = Served(env, workers=2)
    try:
        served.wait_ready(eventually)
        with _client(served.url, tokens["curator"]) as c:
            c.post("/v1/lists", json={"name": "both"})
            c.post("/v1/lists/both/entries", json={"signal_type": "pdq", "value": PDQ})
        # Connections land on either worker: ask until a run of answers all match.
        eventually(lambda: all(_matched(served.url, tokens["scanner"]) for _ in range(20)))
    finally:
        served.stop()
