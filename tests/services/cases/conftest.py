"""Fixtures of the case tests (builders in ``case_build`` and ``triage_build``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[2] / "core" / "sources"))

from case_build import build_folder
from triage_build import BUILDERS

from brightline.core.actor import Actor, local_operator


@pytest.fixture
def exhibit(tmp_path: Path) -> Path:
    return build_folder(tmp_path)


@pytest.fixture
def builders() -> dict[str, object]:
    return dict(BUILDERS)


@pytest.fixture
def actor() -> Actor:
    return local_operator()
