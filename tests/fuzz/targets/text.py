"""Plain-text lists (one hash a line, optional type, comments and directives)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from harness import LIST_SEEDS, Target, drain_reader

from brightline.core.formats.text import read_text
from brightline.errors import FormatError


def _read(buf: io.BufferedReader, head: bytes, source: str) -> Iterable[object]:
    return read_text(buf, source)


def one_input(data: bytes) -> None:
    drain_reader(data, _read)


TARGET = Target("text", one_input, (FormatError,), LIST_SEEDS)
