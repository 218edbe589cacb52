"""Run every fuzz target (``tests/fuzz/targets/*.py``) for a set time: ``make fuzz``.

    python tests/fuzz/run.py [--seconds 60] [--engine auto|atheris|random] [TARGET ...]

Each target runs in its own process, one after the other. With atheris installed
(``pip install atheris``) it is coverage-guided libFuzzer; without it, a plain
mutation loop over the seeds (random byte flips, inserts, deletions, splices) runs
for the same time. The corpus of each target grows in ``build/fuzz/<target>/corpus``
and crashing inputs land in ``build/fuzz/<target>/``. Prints the inputs each target
ran; exits 1 if any target crashed (an exception it does not document, a hang past
``--timeout`` seconds, or memory past ``--rss-limit-mb``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import random
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "build" / "fuzz"
_DONE = re.compile(r"Done (\d+) runs in (\d+) second")


def target_names() -> list[str]:
    return sorted(p.stem for p in (HERE / "targets").glob("*.py") if p.stem != "__init__")


def _load(name: str, instrumented: bool):  # type: ignore[no-untyped-def]
    sys.path[:0] = [str(HERE), str(ROOT / "src")]
    if not instrumented:
        return importlib.import_module(f"targets.{name}").TARGET
    import atheris

    spec = importlib.import_module(f"targets.{name}")  # the harness, uninstrumented
    include = list(spec.TARGET.instrument)
    for module in [m for m in sys.modules if m.split(".")[0] in include]:
        del sys.modules[module]  # re-imported below, instrumented
    del sys.modules[f"targets.{name}"]
    with atheris.instrument_imports(include=include):
        return importlib.import_module(f"targets.{name}").TARGET


def _guarded(target):  # type: ignore[no-untyped-def]
    def one_input(data: bytes) -> None:
        with contextlib.suppress(*target.expected):
            target.one_input(data)

    return one_input


# -- one target, in a child process ------------------------------------------------


def child_atheris(name: str, seconds: int, timeout: int, rss_mb: int) -> None:
    import atheris

    target = _load(name, instrumented=True)
    work = OUT / name
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(target.seeds):
        (corpus / f"seed-{i}").write_bytes(seed)
    argv = [
        sys.argv[0],
        f"-max_total_time={seconds}",
        f"-timeout={timeout}",
        f"-rss_limit_mb={rss_mb}",
        f"-max_len={target.max_len}",
        f"-artifact_prefix={work}/",
        "-print_final_stats=1",
        str(corpus),
    ]
    atheris.Setup(argv, _guarded(target))
    atheris.Fuzz()


def child_random(name: str, seconds: int) -> None:
    """No atheris: mutate the seeds at random for ``seconds``; a crash re-raises."""
    target = _load(name, instrumented=False)
    one_input = _guarded(target)
    rng = random.Random(0)
    pool = list(target.seeds) or [b""]
    runs, deadline = 0, time.monotonic() + seconds
    work = OUT / name
    work.mkdir(parents=True, exist_ok=True)
    while time.monotonic() < deadline:
        for _ in range(100):
            data = _mutate(rng, rng.choice(pool), pool, target.max_len)
            try:
                one_input(data)
            except BaseException:
                crash = work / f"crash-random-{runs}"
                crash.write_bytes(data)
                traceback.print_exc()
                print(f"crashing input saved to {crash}", file=sys.stderr)
                sys.exit(1)
            runs += 1
            if rng.random() < 0.01 and len(pool) < 1000:
                pool.append(data)
    print(f"Done {runs} runs in {seconds} second(s)", file=sys.stderr)


def _mutate(rng: random.Random, data: bytes, pool: list[bytes], max_len: int) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(5)
        at = rng.randint(0, len(buf))
        if op == 0 and buf:
            buf[min(at, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2:
            del buf[at : at + rng.randint(1, 16)]
        elif op == 3:
            other = rng.choice(pool)
            start = rng.randint(0, len(other))
            buf[at:at] = other[start : start + rng.randint(1, 64)]
        else:
            buf[at:at] = rng.choice([b"{", b"}", b"[", b"]", b'"', b",", b"\n", b"\x00", b"\xff"])
    return bytes(buf[:max_len])


# -- the parent: every target in turn ----------------------------------------------


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def run_target(name: str, args: argparse.Namespace, engine: str) -> tuple[int, bool]:
    cmd = [sys.executable, __file__, "--child", name, "--engine", engine]
    cmd += ["--seconds", str(args.seconds), "--timeout", str(args.timeout)]
    cmd += ["--rss-limit-mb", str(args.rss_limit_mb)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    found = _DONE.findall(proc.stderr)
    runs = int(found[-1][0]) if found else 0
    crashed = proc.returncode != 0
    if crashed:
        (OUT / name).mkdir(parents=True, exist_ok=True)
        log = OUT / name / "last-crash.log"
        log.write_text(proc.stderr)
        print(proc.stderr[-4000:], file=sys.stderr)
    return runs, crashed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", help="targets to run (default: all)")
    parser.add_argument("--seconds", type=int, default=60, help="time per target")
    parser.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto")
    parser.add_argument("--timeout", type=int, default=60, help="seconds one input may take")
    parser.add_argument("--rss-limit-mb", type=int, default=2048)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if _has_atheris() else "random"
    if args.child:
        if engine == "atheris":
            child_atheris(args.child, args.seconds, args.timeout, args.rss_limit_mb)
        else:
            child_random(args.child, args.seconds)
        return 0
    names = args.targets or target_names()
    unknown = sorted(set(names) - set(target_names()))
    if unknown:
        parser.error(f"no such target: {', '.join(unknown)} (have: {', '.join(target_names())})")
    print(f"fuzzing {len(names)} targets for {args.seconds} s each with {engine}", flush=True)
    failed = []
    for name in names:
        runs, crashed = run_target(name, args, engine)
        verdict = f"CRASH (see {OUT / name})" if crashed else "no crash"
        print(f"{name:10} {runs:>12,} inputs in {args.seconds} s  {verdict}", flush=True)
        if crashed:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
