"""python-threatexchange's file formats.

pytx has no single "file format"; two shapes leave it as files, and both are read:

* the signal file of ``LocalFileSignalExchangeAPI`` (the "local file" collaboration):
  one ``<signal_type> <signal>`` a line, split at the first space, which the CLI also
  appends to when it records an opinion. Read by ``text.read_text(..., pytx=True)``.
* the CSV that ``threatexchange dataset --print-signals --csv`` writes, with the header
  ``collab,signal_type,signal_str,category,tags``. ``category`` is pytx's opinion
  (``POSITIVE_CLASS``, ``NEGATIVE_CLASS``, ``INVESTIGATION_SEED``; older releases
  ``TRUE_POSITIVE``, ``FALSE_POSITIVE``, ``WORTH_INVESTIGATING``) and is passed on as
  written; the collaboration and the space-separated tags go into ``note``.

Signal type names stay pytx's own (``pdq``, ``video_md5``, ``raw_text``, ``url``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import TextIO

from brightline.core.formats.csvfile import header_names, iter_rows
from brightline.core.formats.text import read_text
from brightline.core.models import Entry, HashRecord
from brightline.errors import FormatError

DATASET_COLUMNS = ("collab", "signal_type", "signal_str", "category", "tags")


def is_dataset_header(names: list[str]) -> bool:
    return "signal_str" in names


def read_pytx(
    buf: io.BufferedReader, head: bytes, source: str | None
) -> Iterator[HashRecord | FormatError]:
    first = next((line for line in head.splitlines() if line.strip()), b"")
    if is_dataset_header(header_names(first.decode("utf-8", "replace"))):
        return _read_dataset(buf, source)
    return read_text(buf, source, pytx=True)


def _read_dataset(buf: io.BufferedReader, source: str | None) -> Iterator[HashRecord | FormatError]:
    for item in iter_rows(buf, source):
        if isinstance(item, FormatError):
            yield item
            continue
        lineno, row = item
        location = f"line {lineno}"
        signal_type, value = row.get("signal_type", ""), row.get("signal_str", "")
        if not signal_type or not value:
            yield FormatError("row needs signal_type and signal_str", location, source)
            continue
        yield HashRecord(
            signal_type,
            value,
            category=row.get("category") or None,
            note=_note(row),
            location=location,
        )


def _note(row: dict[str, str]) -> str | None:
    parts = [f"{name}: {row[name]}" for name in ("collab", "tags") if row.get(name)]
    return "; ".join(parts) or None


def write_pytx(entries: Iterable[Entry], stream: TextIO) -> int:
    """Write entries as the dataset CSV pytx prints (``collab`` is the list's source,
    ``category`` the entry's, the source id as a tag); returns rows written."""
    writer = csv.writer(stream)
    writer.writerow(DATASET_COLUMNS)
    count = 0
    for e in entries:
        tags = f"source_id:{e.source_id}" if e.source_id else ""
        writer.writerow((e.source or "", e.signal_type, e.value, e.category or "", tags))
        count += 1
    return count
