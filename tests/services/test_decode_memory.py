"""Peak memory of hashing one image, measured in a fresh process (issue 7 §5).

The figure is VmHWM after resetting it (``/proc/self/clear_refs``) minus the
resident memory just before, in a process that has already hashed once: what this
one file cost. The goal is at most 256 MB above the baseline per file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("decode_rss.py")
BOUND_MB = 256
pytestmark = pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to reset peak RSS"
)


def _run(*args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.splitlines()[-1]) if out.stdout else {}


@pytest.fixture(scope="module")
def png_just_under_the_cap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16-bit RGBA, 14000 x 14000 = 196 M pixels (the CLI's cap is 200 M): 1.5 MB."""
    path = tmp_path_factory.mktemp("png") / "big16.png"
    _run("png16", str(path), "14000", "14000", "rgba")
    return path


@pytest.fixture(scope="module")
def png_7000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("png") / "7000.png"
    _run("png16", str(path), "7000", "7000", "rgba")
    return path


def test_a_16_bit_png_just_under_the_pixel_cap_is_refused_in_little_memory(
    png_just_under_the_cap: Path,
) -> None:
    assert png_just_under_the_cap.stat().st_size < 2_000_000
    got = _run("hash", str(png_just_under_the_cap), "max_pixels=200000000")
    assert "max_decode_bytes" in str(got["error"])
    assert got["pdq"] is None
    assert float(got["extra_mb"]) < BOUND_MB  # was 2.3 GB


def test_a_16_bit_png_within_the_budget_decodes_under_the_bound(png_7000: Path) -> None:
    got = _run("hash", str(png_7000), "max_pixels=50000000")
    assert got["error"] is None and got["pdq"]
    assert float(got["extra_mb"]) < BOUND_MB  # was 562 MB


def test_a_smaller_budget_refuses_it(png_7000: Path) -> None:
    got = _run("hash", str(png_7000), "max_pixels=50000000", f"max_decode_bytes={64 << 20}")
    assert "max_decode_bytes" in str(got["error"])
    assert float(got["extra_mb"]) < 64
