"""python-threatexchange signal files (typed text and dataset CSV)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from harness import LIST_SEEDS, Target, drain_reader

from brightline.core.formats.pytx import read_pytx
from brightline.errors import FormatError


def _read(buf: io.BufferedReader, head: bytes, source: str) -> Iterable[object]:
    return read_pytx(buf, head, source)


def one_input(data: bytes) -> None:
    drain_reader(data, _read)


TARGET = Target("pytx", one_input, (FormatError,), LIST_SEEDS)
