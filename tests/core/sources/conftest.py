"""Makes ``triage_build`` (exhibit builders shared by the triage tests) importable."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from triage_build import BUILDERS


@pytest.fixture
def builders() -> dict[str, Callable[..., Path]]:
    return BUILDERS
