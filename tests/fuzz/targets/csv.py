"""CSV lists with a header."""

from __future__ import annotations

import io
from collections.abc import Iterable

from harness import LIST_SEEDS, Target, drain_reader

from brightline.core.formats.csvfile import read_csv
from brightline.errors import FormatError


def _read(buf: io.BufferedReader, head: bytes, source: str) -> Iterable[object]:
    return read_csv(buf, source)


def one_input(data: bytes) -> None:
    drain_reader(data, _read)


TARGET = Target("csv", one_input, (FormatError,), LIST_SEEDS)
