"""``make bench-smoke``: run every ``bench/bench_*.py`` at a tiny size, so a benchmark
that breaks fails CI (``make test`` runs this).

The convention a benchmark joins by: a script named ``bench/bench_<what>.py`` accepts
``--smoke``, which runs its whole path (anchor included) at a size that takes seconds,
and exits non-zero when something fails. Nothing else is needed: this runner finds
every such file. Figures printed under ``--smoke`` mean nothing.

    .venv/bin/python bench/run_smoke.py [NAME ...]   # e.g. bench_api bench_video
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Seconds one script may take under --smoke before it counts as broken.
LIMIT_S = 120


def scripts(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        wanted = {n.removesuffix(".py") for n in names}
        found = [p for p in found if p.stem in wanted]
        missing = wanted - {p.stem for p in found}
        if missing:
            sys.exit(f"no such benchmark: {', '.join(sorted(missing))}")
    return found


def main() -> None:
    failed: list[str] = []
    started = time.perf_counter()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("BRIGHTLINE_HOME", None)  # a benchmark never touches the operator's data
    env.pop("BRIGHTLINE_DATABASE_URL", None)
    for path in scripts(sys.argv[1:]):
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, str(path), "--smoke"],
                capture_output=True,
                text=True,
                env=env,
                timeout=LIMIT_S,
                cwd=HERE.parent,
            )
            ok, detail = proc.returncode == 0, proc.stdout + proc.stderr
            why = f"exit {proc.returncode}"
        except subprocess.TimeoutExpired as exc:
            ok, why = False, f"over {LIMIT_S} s"
            detail = "".join(
                x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
                for x in (exc.stdout, exc.stderr)
            )
        took = time.perf_counter() - t0
        print(f"{'ok  ' if ok else 'FAIL'} {path.name:32} {took:6.1f} s", flush=True)
        if not ok:
            failed.append(path.name)
            tail = "\n".join(detail.rstrip().splitlines()[-25:])
            print(f"---- {path.name} ({why}):\n{tail}\n----", flush=True)
    total = time.perf_counter() - started
    if failed:
        sys.exit(f"bench-smoke: {len(failed)} failed ({', '.join(failed)}) in {total:.0f} s")
    print(f"bench-smoke: all passed in {total:.0f} s")


if __name__ == "__main__":
    main()
