"""One entry point for every reader: sniff, then dispatch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from brightline.core.formats.csvfile import read_csv
from brightline.core.formats.pytx import read_pytx
from brightline.core.formats.sniff import sniff_format
from brightline.core.formats.streams import read_head, utf8_stream
from brightline.core.formats.text import read_text
from brightline.core.formats.vics import read_vics
from brightline.core.formats.vpdqfile import read_vpdq_file
from brightline.core.models import HashRecord
from brightline.errors import FormatError


def read_records(
    stream: BinaryIO, source: str | None = None, *, signal_type: str | None = None
) -> Iterator[HashRecord | FormatError]:
    """Yield each hash in ``stream`` as a HashRecord, each bad record as a FormatError.

    ``signal_type`` (``keyword``): a plain-text file is one value of that type a line
    (whole lines: phrases keep their spaces), whatever its lines look like.

    The format is sniffed from the first 64 KiB. Raises FormatError (with ``source``)
    when the file as a whole cannot be read: unknown format, broken JSON structure.
    Reads as it goes; memory does not grow with the file.
    """
    head = read_head(stream)
    try:
        kind = sniff_format(head)
        buf = utf8_stream(head, stream)
        if kind == "vics":
            yield from read_vics(buf, source)
        elif kind == "csv":
            yield from read_csv(buf, source)
        elif kind == "vpdq":
            yield from read_vpdq_file(buf, source)
        elif signal_type is not None and kind in ("text", "pytx"):
            yield from read_text(buf, source, signal_type=signal_type)
        elif kind == "pytx":
            yield from read_pytx(buf, buf.peek(len(head)), source)
        else:
            yield from read_text(buf, source)
    except FormatError as exc:
        if exc.source == source:
            raise
        raise FormatError(exc.reason, exc.location, source) from None
