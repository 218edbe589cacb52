"""Issue 7 §5 figures: decode memory (CLI and API) and slow clients, each next to its
anchor measured in the same run with the new bound turned off.

- CLI: peak RSS above baseline hashing a 1.5 MB 16-bit RGBA PNG of 14000 x 14000
  (just under the 200 M pixel cap) and a 7000 x 7000 one; anchor: the same with
  ``max_decode_bytes`` out of the way (what the decode itself would cost).
- API: worker peak RSS above baseline for four concurrent uploads of the 7000 x 7000
  PNG to ``brightline serve``; anchor: ``decode_memory_bytes`` out of the way (only
  ``hash_concurrency`` = 4 bounding, as before).
- Slow clients: 300 connections trickling a request head a byte a second; how many
  are still open after 15 s, and a normal request's latency meanwhile; anchor: plain
  uvicorn (no checks).

The issue's own figures (2.3 GB CLI, 384 MB -> 1.9 GB API, 300/300 held) came from
the code before the fix. Linux only (``/proc``).

    .venv/bin/python bench/bench_hardening.py
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from brightline.services.context import open_services
from brightline.services.people import auth
from brightline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT / "tests" / "services" / "decode_rss.py"
PLAIN_UVICORN = (
    "import sys, uvicorn; uvicorn.run('brightline.adapters.api.app:app_from_environment',"
    " factory=True, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')"
)


def _probe() -> Any:
    spec = importlib.util.spec_from_file_location("decode_rss", PROBE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BRIGHTLINE_HOME": str(home)}
    env.update({f"BRIGHTLINE_{k.upper()}": v for k, v in extra.items()})
    return env


def cli_memory(work: Path, sides: tuple[int, ...] = (14000, 7000)) -> None:
    print("CLI: peak RSS above baseline hashing one 16-bit RGBA PNG (hash_path)")
    for side in sides:
        path = work / f"png16-{side}.png"
        _probe().write_png16(path, side, side, "rgba")
        for label, budget in (("bounded", str(256 << 20)), ("anchor, no budget", str(1 << 40))):
            cmd = [sys.executable, str(PROBE), "hash", str(path), "max_pixels=200000000"]
            cmd.append(f"max_decode_bytes={budget}")
            got = json.loads(subprocess.check_output(cmd, env=_env(work)).splitlines()[-1])
            verdict = "refused" if got["error"] else "hashed"
            print(
                f"  {side}x{side} ({path.stat().st_size / 1e6:.1f} MB) {label:18} "
                f"{got['extra_mb']:8.1f} MB  {verdict}"
            )


class Served:
    def __init__(self, home: Path, env: dict[str, str], plain: bool = False):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        if plain:
            cmd = [sys.executable, "-c", PLAIN_UVICORN, str(self.port)]
        else:
            cmd = [sys.executable, "-m", "brightline.adapters.cli.main", "serve"]
            cmd += ["--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and self.proc.poll() is None, "no server"
            time.sleep(0.2)

    def status_kb(self, field: str) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def api_memory(work: Path, side: int = 7000) -> None:
    print(f"API: worker peak RSS above baseline, 4 concurrent uploads of the {side}x{side} PNG")
    png = (work / f"png16-{side}.png").read_bytes()
    for label, extra in (
        ("bounded (defaults)", {}),
        ("anchor, no budget", {"decode_memory_bytes": str(1 << 40)}),
    ):
        home = Path(tempfile.mkdtemp(dir=work))
        svc = open_services(Settings(home=home))
        token = auth.create_key(svc.store, "scanner", "bench")[1]
        svc.close()
        server = Served(home, _env(home, **extra))
        headers = {"Authorization": f"Bearer {token}"}
        try:
            httpx.post(f"{server.url}/v1/match", content=png, headers=headers, timeout=300)
            Path(f"/proc/{server.proc.pid}/clear_refs").write_text("5")
            before = server.status_kb("VmRSS")
            threads = [
                threading.Thread(
                    target=httpx.post,
                    args=(f"{server.url}/v1/match",),
                    kwargs={"content": png, "headers": headers, "timeout": 300},
                )
                for _ in range(4)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            peak = server.status_kb("VmHWM")
        finally:
            server.stop()
        print(
            f"  {label:20} baseline {before / 1024:6.0f} MB, peak +{(peak - before) / 1024:6.0f} MB"
        )


def slow_clients(work: Path, count: int = 300, seconds: float = 15.0) -> None:
    print(f"Slow clients: {count} connections trickling a request head a byte a second")
    for label, plain in (("guarded (defaults)", False), ("anchor, plain uvicorn", True)):
        home = Path(tempfile.mkdtemp(dir=work))
        server = Served(home, _env(home), plain=plain)
        socks = []
        try:
            for _ in range(count):
                s = socket.create_connection(("127.0.0.1", server.port))
                s.sendall(b"POST /v1/match HTTP/1.1\r\nHost: x\r\n")
                s.setblocking(False)
                socks.append(s)
            open_ = set(range(count))
            latencies = []
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                for i in list(open_):
                    try:
                        if socks[i].recv(4096) == b"":
                            open_.discard(i)
                            continue
                    except BlockingIOError:
                        pass
                    except OSError:
                        open_.discard(i)
                        continue
                    try:
                        socks[i].send(b"x")
                    except OSError:
                        open_.discard(i)
                started = time.perf_counter()
                ok = httpx.get(f"{server.url}/health/live", timeout=30).status_code == 200
                latencies.append((time.perf_counter() - started) * 1000 if ok else float("inf"))
                time.sleep(1.0)
        finally:
            for s in socks:
                s.close()
            server.stop()
        print(
            f"  {label:22} still open after {seconds:.0f} s: {len(open_):3}/{count}; "
            f"normal GET p50 {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms"
        )


def main() -> None:
    smoke = "--smoke" in sys.argv[1:]  # tiny sizes, to check the script runs (bench-smoke)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cli_memory(work, (600,) if smoke else (14000, 7000))
        api_memory(work, 600 if smoke else 7000)
        slow_clients(work, *((10, 2.0) if smoke else (300, 15.0)))


if __name__ == "__main__":
    main()
