"""CLI start-up (issue 20): wall time of ``brightline --help`` and of ``brightline
hash`` of a small picture, against ``python -c pass`` measured in the same run
(interleaved rounds, median and best of each).

    .venv/bin/python bench/bench_startup.py [--rounds 15] [--baseline-src ../main/src]

``--baseline-src``: also time the same commands running another checkout's code
(``PYTHONPATH``; its native modules built), in the same interleaved rounds.

"Start-up" below is the command's wall time; the goal is <= 0.3 s. The same minus
``python -c pass`` is what Brightline adds to the interpreter's own start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 0.3


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--baseline-src", type=Path, help="another checkout's src/ to compare")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes (make bench-smoke)")
    args = ap.parse_args()
    rounds = 2 if args.smoke else args.rounds
    from PIL import Image

    bl_cmd = [sys.executable, "-m", "brightline.adapters.cli.main"]
    with tempfile.TemporaryDirectory() as tmp:
        picture = Path(tmp) / "small.png"
        Image.linear_gradient("L").resize((128, 96)).convert("RGB").save(picture)
        env = {**os.environ, "BRIGHTLINE_HOME": str(Path(tmp) / "home")}
        env.pop("BRIGHTLINE_DATABASE_URL", None)
        # As installed: bytecode cached (a PYTHONDONTWRITEBYTECODE=1 environment would
        # otherwise recompile every changed module at every start).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cmds = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "brightline --help": [*bl_cmd, "--help"],
            "brightline hash small.png": [*bl_cmd, "hash", str(picture)],
        }
        envs = {name: env for name in cmds}
        if args.baseline_src:
            base_env = {**env, "PYTHONPATH": str(args.baseline_src.resolve())}
            # Its bytecode goes here, not into the other checkout.
            base_env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "bl-pyc")
            for name in ("brightline --help", "brightline hash small.png"):
                cmds[f"baseline: {name}"] = cmds[name]
                envs[f"baseline: {name}"] = base_env
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for name, cmd in cmds.items():  # one warm-up each (page cache, .pyc files)
            timed(cmd, envs[name])
        for _ in range(rounds):  # interleaved: the machine is shared
            for name, cmd in cmds.items():
                times[name].append(timed(cmd, envs[name]))
    base = statistics.median(times["python -c pass"])
    print(f"{rounds} rounds, wall seconds (median / best); goal <= {GOAL_S} s")
    for name, got in times.items():
        med = statistics.median(got)
        extra = "" if name.startswith("python") else f"  (+{med - base:.3f} over python)"
        print(f"  {name:38} {med:6.3f} / {min(got):6.3f}{extra}")


if __name__ == "__main__":
    main()
