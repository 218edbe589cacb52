"""VICS JSON (Project VIC's OData v4 model, 2.0 and 1.x): the streamed reader.

Two shapes are read, told apart by structure rather than by ``@odata.context`` (which
may come after a multi-GB ``value`` array, or be missing):

* hash set (``…/2.0.xml/<Profile>/$metadata#Media``): ``value`` is an array of Media;
* case export (``…#Cases``; 1.x ``odata.metadata: …/1.x.xml#Cases``): ``value`` is an
  array of cases, each with a ``Media`` array. Any number of cases.

Each Media yields one ``HashRecord`` per hash it carries: ``MD5``, ``SHA1``,
``PhotoDNA`` (2.0 keeps it top-level) and every ``AlternativeHashes`` entry (PDQ,
SHA256, and PhotoDNA in 1.x), all with the Media's ``Category`` (as a string),
``source_id`` = ``MediaID`` (else the MD5) and ``note`` = ``Comments``.
AlternativeHashes names are lower-cased with dashes dropped (``SHA-256`` → ``sha256``).
A hash repeated within one Media (1.x repeats SHA1 there; hex compared in any case) is
read once. The document must be the whole file: anything after it but white space
(garbage, a second document) makes the file unreadable. Property names match in any
case; other properties (``MediaFiles``, ``Exifs``, …) are skipped without being built,
so memory stays bounded by one Media's hashes whatever the file size. Numbers are read
as floats (``Category: 2.0`` → "2"); integers past 64 bits or floats past 1e308 make
the file unreadable (yajl's limits).
"""

from __future__ import annotations

import functools
import io
import itertools
import re
from collections.abc import Iterator
from typing import Any

import ijson

from brightline.core.models import HashRecord
from brightline.errors import FormatError

try:
    _IJSON = ijson.get_backend("yajl2_c")
except ImportError:  # no compiled backend on this platform; the Python one is slower
    _IJSON = ijson

# One Media property may not exceed these; VICS never nests deeper than ~4.
MAX_DEPTH = 16
MAX_FIELD_EVENTS = 20_000

_WANTED = {
    name.lower(): name
    for name in (
        *("MD5", "SHA1", "PhotoDNA", "MediaID", "Category", "Comments", "AlternativeHashes"),
        "Media",  # a case's Media array
    )
}
_HEX_TYPES = frozenset({"md5", "sha1", "sha256", "pdq"})
_TOP_HASHES = (("MD5", "md5"), ("SHA1", "sha1"), ("PhotoDNA", "photodna"))
_STARTS = frozenset({"start_map", "start_array"})
_DEPTH_CHANGE = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}
_CONTEXT = re.compile(rb'"(?:@odata\.context|odata\.metadata)"\s*:\s*"')

Event = tuple[str, Any]


class _Oversized:
    """Stands in for a property too deep or too large to build."""


_OVERSIZED = _Oversized()
_AFTER_END = "after the document"
_TOO_BIG = f"nested deeper than {MAX_DEPTH} or longer than {MAX_FIELD_EVENTS} JSON tokens"


def looks_like_vics(head: bytes) -> bool:
    return _CONTEXT.search(head) is not None or b'"value"' in head


def read_vics(buf: io.BufferedReader, source: str | None) -> Iterator[HashRecord | FormatError]:
    # use_float: yajl then parses numbers itself and reports overflow as a JSON error;
    # ijson 3.6's C backend otherwise leaves Python's int-digit-limit error half-raised
    # (SystemError, then a crash) on integers over 4300 digits.
    parsed = _IJSON.basic_parse(buf, use_float=True)
    events = itertools.chain(parsed, _ends_too_early())
    media_iter = _iter_media(events)
    number = 0
    while True:
        try:
            media = next(media_iter)
        except StopIteration:
            return
        except FormatError as exc:
            where = exc.location or f"record {number + 1}"
            raise FormatError(exc.reason, where, source) from None
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            reason = f"broken JSON: {_first_line(exc)}"
            raise FormatError(reason, f"record {number + 1}", source) from None
        number += 1
        yield from media_records(media, f"record {number}", source)


def _first_line(exc: Exception) -> str:
    # yajl's messages carry a multi-line excerpt of the file, sometimes as bytes.
    detail = exc.args[0] if exc.args else exc
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return str(detail).strip().splitlines()[0] if str(detail).strip() else type(exc).__name__


def _ends_too_early() -> Iterator[Event]:
    """Raised instead of StopIteration, which a generator may not let escape."""
    raise FormatError("JSON ends too early")
    yield  # makes this a generator  # pragma: no cover


def _iter_media(events: Iterator[Event]) -> Iterator[object]:
    if next(events)[0] != "start_map":
        raise FormatError("VICS file is not a JSON object")
    saw_value = False
    while (event := next(events))[0] == "map_key":
        if event[1] == "value":
            saw_value = True
            yield from _iter_value(events)
        else:
            _skip(next(events), events)
    if not saw_value:
        raise FormatError("VICS file has no 'value' array")
    _expect_end(events)


def _expect_end(events: Iterator[Event]) -> None:
    """Nothing but white space may follow the document (not garbage, not a second one)."""
    try:
        next(events)
    except FormatError:  # raised by _ends_too_early: the input ended here, as it should
        return
    except ijson.JSONError as exc:  # yajl refuses what follows: "trailing garbage"
        reason = f"data after the end of the VICS document ({_first_line(exc)})"
        raise FormatError(reason, _AFTER_END) from None
    raise FormatError("data after the end of the VICS document", _AFTER_END)


def _iter_value(events: Iterator[Event]) -> Iterator[object]:
    if next(events)[0] != "start_array":
        raise FormatError("VICS 'value' is not an array")
    while (event := next(events))[0] != "end_array":
        if event[0] == "start_map":
            yield from _iter_object(events, cases=True)
        else:
            yield _build(event, events)


def _iter_object(events: Iterator[Event], *, cases: bool) -> Iterator[object]:
    """Yield a Media's wanted properties, or, for a case, each of its Media."""
    fields: dict[str, object] = {}
    is_case = False
    while (event := next(events))[0] == "map_key":
        name = _property(event[1])
        value_event = next(events)
        kind = value_event[0]
        if name is None:
            if kind in _STARTS:
                _skip_to_depth(1, events)
        elif name == "Media" and cases and kind == "start_array":
            is_case = True
            while (item := next(events))[0] != "end_array":
                if item[0] == "start_map":
                    yield from _iter_object(events, cases=False)
                else:
                    yield _build(item, events)
        elif name not in fields:
            fields[name] = _build(value_event, events) if kind in _STARTS else value_event[1]
        elif kind in _STARTS:
            _skip_to_depth(1, events)
    if not is_case:
        yield fields


@functools.lru_cache(maxsize=1024)  # files repeat a few keys millions of times
def _property(key: str) -> str | None:
    """The canonical name of a property Brightline reads, matched in any case."""
    return _WANTED.get(key.lower())


def _build(first: Event, events: Iterator[Event]) -> object:
    """Build one JSON value, or return _OVERSIZED (having consumed it) past the limits."""
    if first[0] not in _STARTS:
        return first[1]
    # A plain loop rather than ijson.ObjectBuilder: this runs for every Media.
    root: list[object] | dict[str, object] = {} if first[0] == "start_map" else []
    stack = [root]
    key = ""
    for count, (kind, value) in enumerate(events):
        if kind == "map_key":
            key = value
            continue
        if kind == "end_map" or kind == "end_array":
            stack.pop()
            if not stack:
                return root
            continue
        new: object = {} if kind == "start_map" else [] if kind == "start_array" else value
        top = stack[-1]
        if isinstance(top, list):
            top.append(new)
        else:
            top[key] = new
        if new is not value:
            stack.append(new)  # type: ignore[arg-type]
            if len(stack) > MAX_DEPTH or count > MAX_FIELD_EVENTS:
                _skip_to_depth(len(stack), events)
                return _OVERSIZED
        elif count > MAX_FIELD_EVENTS:
            _skip_to_depth(len(stack), events)
            return _OVERSIZED
    raise FormatError("JSON ends too early")  # pragma: no cover - events end by raising


def _skip(first: Event, events: Iterator[Event]) -> None:
    if first[0] in _STARTS:
        _skip_to_depth(1, events)


def _skip_to_depth(depth: int, events: Iterator[Event]) -> None:
    change = _DEPTH_CHANGE.get
    for kind, _ in events:  # a for loop: the hot path when skipping MediaFiles, Exifs
        depth += change(kind, 0)
        if not depth:
            return


def media_records(
    media: object, location: str, source: str | None
) -> Iterator[HashRecord | FormatError]:
    if not isinstance(media, dict):
        shape = _TOO_BIG if isinstance(media, _Oversized) else "not a JSON object"
        yield FormatError(f"Media is {shape}", location, source)
        return
    category = _scalar(media.get("Category"))
    if isinstance(category, _Oversized):
        yield FormatError("Category is not a number or string", location, source)
        return
    hashes = list(_hashes(media))
    md5 = next((value for kind, value in hashes if kind == "md5" and isinstance(value, str)), None)
    media_id = _scalar(media.get("MediaID"))
    source_id = media_id if isinstance(media_id, str) else md5
    comments = media.get("Comments")
    note = (comments.strip() or None) if isinstance(comments, str) else None
    seen: set[tuple[str, str]] = set()
    for kind, value in hashes:
        if isinstance(value, FormatError):
            yield FormatError(value.reason, location, source)
        elif hash_key(kind, value) not in seen:
            seen.add(hash_key(kind, value))
            yield HashRecord(kind, value, category, source_id, note, location)
    if not hashes:
        yield FormatError("Media carries no hash", location, source)


def _hashes(media: dict[str, object]) -> Iterator[tuple[str, str | FormatError]]:
    for field, kind in _TOP_HASHES:
        value = _hash_value(media.get(field), field)
        if value is not None:
            yield kind, value
    alternatives = media.get("AlternativeHashes")
    if alternatives is None:
        return
    if not isinstance(alternatives, list):
        shape = _TOO_BIG if isinstance(alternatives, _Oversized) else "not an array"
        yield "", FormatError(f"AlternativeHashes is {shape}")
        return
    for alt in alternatives:
        name = alt.get("HashName") if isinstance(alt, dict) else None
        if not isinstance(name, str) or not name.strip():
            yield "", FormatError("AlternativeHashes entry has no HashName")
            continue
        value = _hash_value(alt.get("HashValue"), f"{name.strip()} HashValue")
        if value is not None:
            yield name.strip().lower().replace("-", ""), value


def hash_key(kind: str, value: str) -> tuple[str, str]:
    """Hex types are the same hash in either case; base64 (PhotoDNA) and unknown ones not."""
    return kind, value.lower() if kind in _HEX_TYPES else value


def _hash_value(raw: object, field: str) -> str | FormatError | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        return FormatError(f"{field} is not a string")
    return raw.strip() or None


def _scalar(raw: object) -> str | _Oversized | None:
    """A category or id as text: ``3`` and ``"3"`` both give ``"3"``."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return _OVERSIZED
    if isinstance(raw, str):
        return raw.strip() or None
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() and abs(raw) < 1e18 else repr(raw)
    return _OVERSIZED
