"""Every fuzz target runs its seeds and a few hundred mutations without a crash
(``make fuzz`` runs them for real; this keeps the targets from rotting)."""

from __future__ import annotations

import importlib
import random
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

run = importlib.import_module("run")


@pytest.mark.parametrize("name", run.target_names())
def test_target_survives_its_seeds_and_some_mutations(name: str) -> None:
    target = importlib.import_module(f"targets.{name}").TARGET
    one_input = run._guarded(target)
    rng = random.Random(name)
    pool = list(target.seeds) or [b""]
    for seed in pool:
        one_input(seed)
    for _ in range(300):
        one_input(run._mutate(rng, rng.choice(pool), pool, target.max_len))
