"""VICS 2.0 / 1.x JSON (streamed with ijson)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from harness import LIST_SEEDS, Target, drain_reader

from brightline.core.formats.vics import read_vics
from brightline.errors import FormatError


def _read(buf: io.BufferedReader, head: bytes, source: str) -> Iterable[object]:
    return read_vics(buf, source)


def one_input(data: bytes) -> None:
    drain_reader(data, _read)


TARGET = Target("vics", one_input, (FormatError,), LIST_SEEDS)
