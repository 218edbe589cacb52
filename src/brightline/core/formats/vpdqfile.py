"""The ``vpdq`` tool's hash file: one video, ``frame_number,quality,pdq_hex,timestamp``
a line (``vpdq-hash-video`` writes it; timestamps with three decimals).

A file is one record: a video entry whose ``source_id`` is the file's name without
its extension. ``write_vpdq_file`` writes the same shape back out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import TextIO

from brightline.core.formats.streams import iter_lines
from brightline.core.models import HashRecord
from brightline.core.signals import vpdq
from brightline.core.signals.vpdq import VpdqFrame
from brightline.errors import FormatError, InputError

_LINE = re.compile(rb"\s*\d+\s*,\s*\d+\s*,\s*[0-9A-Fa-f]{64}\s*,\s*[0-9.]+\s*")


def looks_like_vpdq_file(head: bytes) -> bool:
    first = next((line for line in head.splitlines() if line.strip()), b"")
    return _LINE.fullmatch(first) is not None


def read_vpdq_file(
    buf: io.BufferedReader, source: str | None
) -> Iterator[HashRecord | FormatError]:
    frames: list[VpdqFrame] = []
    for lineno, line in iter_lines(buf, source):
        if isinstance(line, FormatError):
            yield line
            return
        if not line.strip():
            continue
        if len(frames) >= vpdq.MAX_FRAMES:
            yield FormatError(f"more than {vpdq.MAX_FRAMES:,} frames", f"line {lineno}", source)
            return
        try:
            frames.append(vpdq.parse_line(line, f"line {lineno}"))
        except InputError as exc:
            yield FormatError(str(exc), f"line {lineno}", source)
            return
    if not frames:
        yield FormatError("a vpdq file with no frames", "line 1", source)
        return
    stem = PurePath(source).stem if source else None
    yield HashRecord(vpdq.NAME, vpdq.to_text(frames), source_id=stem, location="line 1")


def write_vpdq_file(frames: list[VpdqFrame], out: TextIO) -> int:
    out.write(vpdq.to_vpdq_file(frames))
    return len(frames)
