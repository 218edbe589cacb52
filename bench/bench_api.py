"""HTTP API (issue 4): requests/s and p50/p99 latency for match-by-hash and
match-by-file (a 1 MP JPEG) against a list of 1 M PDQ hashes, served by
``brightline serve``-equivalent with 2 worker processes, loaded by ``wrk`` from a
separate process on loopback; plus worker memory and the time from adding a hash
over HTTP to it being matchable on every worker.

The anchor is HMA 1.1.7 (gunicorn, 2 workers, 1 M PDQ hashes, wrk on loopback), as
measured on this machine for the issue; HMA cannot be installed from a package
registry, so its figures are quoted rather than re-measured in this run.

    apt-get install -y wrk
    .venv/bin/python bench/bench_api.py [--hashes 1000000] [--index default|mih|brute]
        [--duration 15] [--home DIR (reuse a built database)] [--analyze]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from brightline.services.demo import jpeg, picture
from brightline.services.people import auth
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store.db import next_rev
from brightline.services.store.entries import upsert_entries

ANCHOR = {
    "hash_rps": 264.0,
    "hash_rps_best": 727.0,
    "hash_p50_ms": 2.6,
    "file_rps": 43.0,
    "file_p50_ms": 46.0,
    "rss_mb": 800.0,
    "add_to_match_s": 107.0,
}
HERE = Path(__file__).parent

HASH_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
local bodies = {{}}
math.randomseed(7)
for i = 1, 512 do
  local hex = {{}}
  for j = 1, 64 do hex[j] = string.format("%x", math.random(0, 15)) end
  bodies[i] = '{{"signal_type":"pdq","value":"' .. table.concat(hex) .. '"}}'
end
local n = 0
request = function()
  n = n % 512 + 1
  return wrk.format(nil, nil, nil, bodies[n])
end
"""

FILE_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["Authorization"] = "Bearer {token}"
local f = io.open("{path}", "rb")
wrk.body = f:read("*a")
f:close()
"""


def build_list(home: Path, n: int) -> None:
    """n random PDQ hashes in one list, written with the store's bulk upsert."""
    store = Store(f"sqlite:///{home / 'brightline.db'}")
    store.migrate()
    rng = random.Random(42)
    t0 = time.perf_counter()
    with store.begin() as conn:
        hl = store_lists.create_list(conn, "bench", "none", 31)
        rev = next_rev(conn)
        for start in range(0, n, 20_000):
            rows = [
                {"signal_type": "pdq", "value": f"{rng.getrandbits(256):064x}"}
                for _ in range(min(20_000, n - start))
            ]
            upsert_entries(conn, hl.id, rows, source="bench", rev=rev)
    print(f"built a list of {n:,} PDQ hashes in {time.perf_counter() - t0:.0f} s", flush=True)
    store.dispose()


def make_keys(home: Path) -> dict[str, str]:
    store = Store(f"sqlite:///{home / 'brightline.db'}")
    store.migrate()
    tokens = {role: auth.create_key(store, role, "bench")[1] for role in ("scanner", "curator")}
    store.dispose()
    return tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, port: int, workers: int, index: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BRIGHTLINE_HOME": str(home),
        "BENCH_INDEX": index,
        "PYTHONPATH": str(HERE),
    }
    cmd = [sys.executable, str(HERE / "api_server.py"), str(port), str(workers)]
    # Logs stay on (info, one JSON line per request), as in production.
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 900) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            sys.exit("the server exited during start-up")
        try:
            if httpx.get(f"{url}/health/ready", timeout=5).status_code == 200:
                return time.perf_counter() - t0
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit("the server did not become ready")


def wrk(url: str, script: str, duration: int, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", fh.name, url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    os.unlink(fh.name)

    def latency(pct: str) -> float:
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m, out
        return float(m[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m[2]]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert rps, out
    return {
        "rps": float(rps[1]),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": float(errors[1]) if errors else 0.0,
    }


def worker_memory(pid: int) -> list[tuple[float, float]]:
    """(RSS MB, PSS MB) of each worker process under the server."""
    out = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        if b"resource_tracker" in Path(f"/proc/{child}/cmdline").read_bytes():
            continue  # multiprocessing's helper, not a worker
        status = Path(f"/proc/{child}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024  # type: ignore[index]
        rollup = Path(f"/proc/{child}/smaps_rollup").read_text()
        pss = int(re.search(r"Pss:\s+(\d+)", rollup)[1]) / 1024  # type: ignore[index]
        out.append((rss, pss))
    return out


def add_to_matchable(url: str, tokens: dict[str, str], rounds: int = 5) -> list[float]:
    """Seconds from POSTing a new hash to 20 answers in a row matching it. Each ask
    opens a new connection, so the kernel spreads them over both workers."""
    curator = {"Authorization": f"Bearer {tokens['curator']}"}
    scanner = {"Authorization": f"Bearer {tokens['scanner']}", "Connection": "close"}
    rng = random.Random(99)
    times = []
    for _ in range(rounds):
        value = f"{rng.getrandbits(256):064x}"
        t0 = time.perf_counter()
        httpx.post(
            f"{url}/v1/lists/bench/entries",
            json={"signal_type": "pdq", "value": value},
            headers=curator,
            timeout=30,
        ).raise_for_status()
        streak = 0
        while streak < 20:
            body = httpx.post(
                f"{url}/v1/match/hash",
                json={"signal_type": "pdq", "value": value},
                headers=scanner,
                timeout=30,
            ).json()
            streak = streak + 1 if body["matched"] else 0
            if time.perf_counter() - t0 > 300:
                sys.exit("an added hash did not become matchable in 300 s")
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--index", choices=("default", "mih", "brute"), default="default")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--home", type=Path, help="reuse (or keep) the database here")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run SQLite's ANALYZE on the database first (see docs/benchmarks.md)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("needs wrk: apt-get install -y wrk")

    home = args.home or Path(tempfile.mkdtemp(prefix="bench-api-"))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "brightline.db").exists():
        build_list(home, args.hashes)
    tokens = make_keys(home)
    if args.analyze:
        with sqlite3.connect(home / "brightline.db") as con:
            con.execute("ANALYZE")
    image = home / "upload-1mp.jpg"
    image.write_bytes(jpeg(picture(5, (1155, 866)), 90))  # 1.0 MP, benign, generated

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(home, port, args.workers, args.index)
    try:
        ready_s = wait_ready(url, proc)
        print(f"server ready in {ready_s:.1f} s (index: {args.index})", flush=True)
        hash_lua = HASH_LUA.format(token=tokens["scanner"])
        file_lua = FILE_LUA.format(token=tokens["scanner"], path=image)
        wrk(f"{url}/v1/match/hash", hash_lua, 3, 16)  # warm-up
        by_hash = wrk(f"{url}/v1/match/hash", hash_lua, args.duration, 16)
        by_file = {c: wrk(f"{url}/v1/match", file_lua, args.duration, c) for c in (2, 4, 8)}
        memory = worker_memory(proc.pid)
        added = add_to_matchable(url, tokens)
    finally:
        proc.terminate()
        proc.wait(60)
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)

    a = ANCHOR
    print(f"\n{args.hashes:,} PDQ hashes, {args.workers} workers, index {args.index}\n")
    print("| measure | Brightline | HMA 1.1.7 (anchor) | ratio |")
    print("|---|---|---|---|")
    print(
        f"| match-by-hash req/s (wrk -c16) | {by_hash['rps']:,.0f} | {a['hash_rps']:.0f} stock, "
        f"{a['hash_rps_best']:.0f} best | {by_hash['rps'] / a['hash_rps_best']:.1f}x best |"
    )
    print(
        f"| match-by-hash p50 / p99 ms | {by_hash['p50']:.2f} / {by_hash['p99']:.1f} | "
        f"{a['hash_p50_ms']} / – | |"
    )
    for c, r in by_file.items():
        print(
            f"| match-by-file req/s, 1 MP JPEG (wrk -c{c}) | {r['rps']:,.0f} | "
            f"{a['file_rps']:.0f} | {r['rps'] / a['file_rps']:.1f}x |"
        )
        print(
            f"| match-by-file p50 / p99 ms (wrk -c{c}) | {r['p50']:.1f} / {r['p99']:.1f} | "
            f"{a['file_p50_ms']:.0f} / – | |"
        )
    rss = ", ".join(f"{r:.0f}" for r, _ in memory)
    pss = ", ".join(f"{p:.0f}" for _, p in memory)
    print(f"| worker RSS MB (PSS MB) | {rss} ({pss}) | 800–1000 | |")
    print(
        f"| add a hash → matchable on every worker, s (median / max of {len(added)}) | "
        f"{statistics.median(added):.2f} / {max(added):.2f} | 107–122 | "
        f"{a['add_to_match_s'] / statistics.median(added):.0f}x |"
    )
    bad = by_hash["errors"] + sum(r["errors"] for r in by_file.values())
    if bad:
        print(f"\nwarning: {bad:.0f} non-2xx answers during the load runs")


if __name__ == "__main__":
    main()
