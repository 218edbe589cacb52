"""CSV hash lists: a header row, then one hash a row.

Columns are found by header name, in any order and any case: ``signal_type`` (or
``type``) and ``value`` (or ``hash``), then optionally ``category``, ``source_id`` and
``note``; other columns are ignored. Without a type column, or with the cell empty, the
type is told from the value's length (see ``infer``). Comma-separated, RFC 4180
quoting (quoted fields may hold commas, quotes and newlines).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import TextIO

from brightline.core.formats.infer import cannot_infer, infer_signal_type
from brightline.core.formats.streams import iter_lines
from brightline.core.models import Entry, HashRecord
from brightline.errors import FormatError

TYPE_COLUMNS = ("signal_type", "type")
VALUE_COLUMNS = ("value", "hash")
CSV_COLUMNS = (
    "signal_type",
    "value",
    "category",
    "source_id",
    "note",
    "source",
    "added_at",
    "updated_at",
    "enabled",
    "withdrawn",
)

Row = dict[str, str]


def header_names(line: str) -> list[str]:
    """A header line's column names, normalised for lookup."""
    row = next(csv.reader([line]), [])
    return [name.strip().lower() for name in row]


def iter_rows(
    buf: io.BufferedReader, source: str | None
) -> Iterator[tuple[int, Row] | FormatError]:
    """Yield ``(first line of the row, {header name: stripped cell})`` after the header.

    A row that csv cannot parse (an over-long field) becomes a FormatError.
    """
    line_errors: list[FormatError] = []
    reader = csv.reader(_feed(buf, source, line_errors))
    header: list[str] | None = None
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield FormatError(f"unreadable CSV row: {exc}", f"line {last_line + 1}", source)
            row = []
        yield from line_errors
        line_errors.clear()
        first_line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [name.strip().lower() for name in row]
            continue
        cells: Row = {}
        for index, name in enumerate(header):
            # A short row leaves its last columns empty; extra cells are ignored.
            cells.setdefault(name, row[index].strip() if index < len(row) else "")
        yield first_line, cells
    yield from line_errors


def _feed(buf: io.BufferedReader, source: str | None, errors: list[FormatError]) -> Iterator[str]:
    for _, line in iter_lines(buf, source):
        if isinstance(line, FormatError):
            errors.append(line)
            yield "\n"  # a blank stand-in keeps csv's line numbers aligned with the file's
        else:
            yield line


def read_csv(buf: io.BufferedReader, source: str | None) -> Iterator[HashRecord | FormatError]:
    for item in iter_rows(buf, source):
        if isinstance(item, FormatError):
            yield item
            continue
        lineno, row = item
        if not _has_any(row, VALUE_COLUMNS):
            raise FormatError("CSV header has no 'value' column", "line 1", source)
        yield _record(row, f"line {lineno}", source)


def _record(row: Row, location: str, source: str | None) -> HashRecord | FormatError:
    value = _first(row, VALUE_COLUMNS)
    if not value:
        return FormatError("empty value", location, source)
    signal_type = _first(row, TYPE_COLUMNS) or infer_signal_type(value)
    if signal_type is None:
        return FormatError(cannot_infer(value), location, source)
    return HashRecord(
        signal_type,
        value,
        category=row.get("category") or None,
        source_id=row.get("source_id") or None,
        note=row.get("note") or None,
        location=location,
    )


def _first(row: Row, names: tuple[str, ...]) -> str:
    for name in names:
        if row.get(name):
            return row[name]
    return ""


def _has_any(row: Row, names: tuple[str, ...]) -> bool:
    return any(name in row for name in names)


def write_csv(entries: Iterable[Entry], stream: TextIO) -> int:
    """Write ``entries`` as CSV with a header; return the number of rows written."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for entry in entries:
        writer.writerow(
            (
                entry.signal_type,
                entry.value,
                entry.category or "",
                entry.source_id or "",
                entry.note or "",
                entry.source or "",
                entry.added_at.isoformat(),
                entry.updated_at.isoformat(),
                "true" if entry.enabled else "false",
                "true" if entry.withdrawn else "false",
            )
        )
        count += 1
    return count
