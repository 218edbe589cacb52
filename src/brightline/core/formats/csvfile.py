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
from brightline.core.formats.streams import MAX_LINE, skip_rest_of_line
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
    """Yield ``(first line of the row, {header name: stripped cell})`` after the header."""
    header: list[str] | None = None
    for item in _raw_rows(buf, source):
        if isinstance(item, FormatError):
            yield item
            continue
        first_line, row = item
        if header is None:
            header = [name.strip().lower() for name in row]
            continue
        cells: Row = {}
        for index, name in enumerate(header):
            # A short row leaves its last columns empty; extra cells are ignored.
            cells.setdefault(name, row[index].strip() if index < len(row) else "")
        yield first_line, cells


def _raw_rows(
    buf: io.BufferedReader, source: str | None
) -> Iterator[tuple[int, list[str]] | FormatError]:
    """``(first line of the row, cells)`` for every non-blank row, header included.

    A row that csv cannot parse (an over-long field) or a line that is not UTF-8
    becomes a FormatError at its line; reading goes on.
    """
    line_errors: list[FormatError] = []
    reader = csv.reader(_feed(buf, source, line_errors))
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield FormatError(f"unreadable CSV row: {exc}", f"line {last_line + 1}", source)
            row = []
        if line_errors:
            yield from line_errors
            line_errors.clear()
        first_line, last_line = last_line + 1, reader.line_num
        if "".join(row).strip():
            yield first_line, row
    yield from line_errors


def _feed(buf: io.BufferedReader, source: str | None, errors: list[FormatError]) -> Iterator[str]:
    """Lines for csv.reader; a bad line becomes an error and a blank stand-in, which
    keeps csv's line numbers aligned with the file's. (``iter_lines`` inlined: this
    runs once per row of million-row imports.)"""
    readline, lineno = buf.readline, 0
    while line := readline(MAX_LINE + 1):
        lineno += 1
        try:
            if len(line) > MAX_LINE:
                raise _TooLong
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"not valid UTF-8 at column {exc.start + 1}"
            errors.append(FormatError(reason, f"line {lineno}", source))
            yield "\n"
        except _TooLong:
            skip_rest_of_line(buf, line)
            errors.append(FormatError("line longer than 1 MiB", f"line {lineno}", source))
            yield "\n"


class _TooLong(Exception):
    pass


def read_csv(buf: io.BufferedReader, source: str | None) -> Iterator[HashRecord | FormatError]:
    """The import hot path: columns resolved once from the header, one tuple a row."""
    columns: tuple[int, int, int, int, int] | None = None
    for item in _raw_rows(buf, source):
        if isinstance(item, FormatError):
            yield item
        elif columns is None:
            columns = _columns([name.strip().lower() for name in item[1]], source)
        else:
            yield _record(item[1], columns, f"line {item[0]}", source)


def _columns(header: list[str], source: str | None) -> tuple[int, int, int, int, int]:
    """Positions of type, value, category, source_id, note (-1 when absent)."""
    if not _has_any(header, VALUE_COLUMNS):
        raise FormatError("CSV header has no 'value' column", "line 1", source)

    def find(names: tuple[str, ...]) -> int:
        return next((header.index(n) for n in names if n in header), -1)

    return (
        find(TYPE_COLUMNS),
        find(VALUE_COLUMNS),
        find(("category",)),
        find(("source_id",)),
        find(("note",)),
    )


def _record(
    row: list[str],
    columns: tuple[int, int, int, int, int],
    location: str,
    source: str | None,
) -> HashRecord | FormatError:
    type_at, value_at, category_at, source_id_at, note_at = columns
    width = len(row)
    value = row[value_at].strip() if value_at < width else ""
    if not value:
        return FormatError("empty value", location, source)
    signal_type = row[type_at].strip() if 0 <= type_at < width else ""
    signal_type = signal_type or infer_signal_type(value) or ""
    if not signal_type:
        return FormatError(cannot_infer(value), location, source)
    return HashRecord(
        signal_type,
        value,
        (row[category_at].strip() or None) if 0 <= category_at < width else None,
        (row[source_id_at].strip() or None) if 0 <= source_id_at < width else None,
        (row[note_at].strip() or None) if 0 <= note_at < width else None,
        location,
    )


def _has_any(row: Row | list[str], names: tuple[str, ...]) -> bool:
    return any(name in row for name in names)


def write_csv(entries: Iterable[Entry], stream: TextIO) -> int:
    """Write ``entries`` as CSV with a header; return the number of rows written.

    Open ``stream`` with ``newline=""``, as for any csv writer.
    """
    writer = csv.writer(stream)  # RFC 4180 CRLF; with "\n" alone csv leaves a bare CR unquoted
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
