"""Every list format through the one entry point: sniff, then dispatch."""

from __future__ import annotations

import io

from harness import LIST_SEEDS, Target, drain_reader

from brightline.core.formats import read_records
from brightline.errors import FormatError


def one_input(data: bytes) -> None:
    drain_reader(data, lambda _buf, _head, source: read_records(io.BytesIO(data), source))


TARGET = Target("records", one_input, (FormatError,), LIST_SEEDS)
