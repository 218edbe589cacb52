"""VICS JSON (Project VIC's OData v4 model, 2.0; and 1.x): streamed reader, writer.

Two shapes are read, told apart by structure rather than by ``@odata.context`` (which
may come after a multi-GB ``value`` array, or be missing):

* hash set (``…/2.0.xml/<Profile>/$metadata#Media``): ``value`` is an array of Media;
* case export (``…#Cases``; 1.x ``odata.metadata: …/1.x.xml#Cases``): ``value`` is an
  array of cases, each with a ``Media`` array. Any number of cases.

Each Media yields one ``HashRecord`` per hash it carries: ``MD5``, ``SHA1``,
``PhotoDNA`` (2.0 keeps it top-level) and every ``AlternativeHashes`` entry (PDQ,
SHA256, and PhotoDNA in 1.x), all with the Media's ``Category`` (as a string),
``source_id`` = ``MediaID`` (else the MD5) and ``note`` = ``Comments``. AlternativeHashes
names are lower-cased with dashes dropped (``SHA-256`` → ``sha256``); a hash repeated
within one Media (1.x repeats SHA1 there) is read once. Property names match in any
case; other properties (``MediaFiles``, ``Exifs``, …) are skipped without being built,
so memory stays bounded by one Media's hashes, whatever the file size.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import ijson

from brightline.core.models import Entry, HashRecord
from brightline.errors import FormatError, UsageError

try:
    _IJSON = ijson.get_backend("yajl2_c")
except ImportError:  # no compiled backend on this platform; the Python one is slower
    _IJSON = ijson

CONTEXT_URL = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/{}/$metadata#Media"
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
_KNOWN_KEYS: dict[str, str | None] = {name: name for name in _WANTED.values()}
_TOP_HASHES = (("MD5", "md5"), ("SHA1", "sha1"), ("PhotoDNA", "photodna"))
_STARTS = frozenset({"start_map", "start_array"})
_DEPTH_CHANGE = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}
_CONTEXT = re.compile(rb'"(?:@odata\.context|odata\.metadata)"\s*:\s*"')

Event = tuple[str, Any]


class _Oversized:
    """Stands in for a property too deep or too large to build."""


_OVERSIZED = _Oversized()


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
            raise FormatError(exc.reason, f"record {number + 1}", source) from None
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


def _property(key: object) -> str | None:
    """The canonical name of a property Brightline reads, matched in any case."""
    try:
        return _KNOWN_KEYS[key]  # type: ignore[index]
    except KeyError:
        name = _WANTED.get(str(key).lower())
        if len(_KNOWN_KEYS) < 1000:  # remembered, up to a bound a hostile file cannot pass
            _KNOWN_KEYS[str(key)] = name
        return name


def _build(first: Event, events: Iterator[Event]) -> object:
    """Build one JSON value, or return _OVERSIZED (having consumed it) past the limits."""
    if first[0] not in _STARTS:
        return first[1]
    builder = ijson.ObjectBuilder()
    builder.event(*first)
    depth, count = 1, 1
    while depth:
        event = next(events)
        count += 1
        depth += _DEPTH_CHANGE.get(event[0], 0)
        if depth > MAX_DEPTH or count > MAX_FIELD_EVENTS:
            _skip_to_depth(depth, events)
            return _OVERSIZED
        builder.event(*event)
    return builder.value


def _skip(first: Event, events: Iterator[Event]) -> None:
    if first[0] in _STARTS:
        _skip_to_depth(1, events)


def _skip_to_depth(depth: int, events: Iterator[Event]) -> None:
    change = _DEPTH_CHANGE.get
    while depth:
        depth += change(next(events)[0], 0)


def media_records(
    media: object, location: str, source: str | None
) -> Iterator[HashRecord | FormatError]:
    if not isinstance(media, dict):
        yield FormatError("Media is not a JSON object", location, source)
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
        elif (kind, value.lower()) not in seen:
            seen.add((kind, value.lower()))
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
        yield "", FormatError("AlternativeHashes is not an array")
        return
    for alt in alternatives:
        name = alt.get("HashName") if isinstance(alt, dict) else None
        if not isinstance(name, str) or not name.strip():
            yield "", FormatError("AlternativeHashes entry has no HashName")
            continue
        value = _hash_value(alt.get("HashValue"), f"{name.strip()} HashValue")
        if value is not None:
            yield name.strip().lower().replace("-", ""), value


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


# Brightline signal type -> (VICS property, AlternativeHashes name); None = top-level.
_TOP_PROPERTIES = {"md5": "MD5", "sha1": "SHA1", "photodna": "PhotoDNA"}
_ALTERNATIVE_NAMES = {"pdq": "PDQ", "sha256": "SHA256"}
_PROFILE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def write_vics(entries: Iterable[Entry], stream: TextIO, *, profile: str = "HashSet") -> int:
    """Write a VICS 2.0 hash set (``#Media``); return the number of Media written.

    Consecutive entries with the same ``source_id``, category and note become one Media
    (``MediaID`` = source_id, integer when it is one). A Media has one MD5, SHA1 and
    PhotoDNA at most; PDQ, SHA256 and any other type go to ``AlternativeHashes``.
    A Media without an MD5 omits the property: VICS keys Media by MD5, so strict
    consumers may refuse such a Media, but dropping the hash would lose it silently.
    """
    if not _PROFILE.fullmatch(profile):
        raise UsageError(f"VICS profile must be letters, digits, '_', '.', '-': {profile!r}")
    context = json.dumps(CONTEXT_URL.format(profile))
    stream.write(f'{{"@odata.context":{context},"value":[')
    count = 0
    for media in _group(entries):
        stream.write(("," if count else "") + "\n" + json.dumps(media, separators=(",", ":")))
        count += 1
    stream.write("\n]}\n")
    return count


def _group(entries: Iterable[Entry]) -> Iterator[dict[str, object]]:
    media: _Media | None = None
    for entry in entries:
        if media is None or not media.accepts(entry):
            if media is not None:
                yield media.as_json()
            media = _Media(entry)
        media.add(entry)
    if media is not None:
        yield media.as_json()


class _Media:
    """One Media being filled from consecutive entries."""

    def __init__(self, first: Entry) -> None:
        self.key = (first.source_id, first.category, first.note)
        self.properties = _new_media(first)
        self.alternatives: list[dict[str, str]] = []
        self.seen: set[tuple[str, str]] = set()

    def accepts(self, entry: Entry) -> bool:
        slot = _TOP_PROPERTIES.get(entry.signal_type)
        return (
            entry.source_id is not None
            and (entry.source_id, entry.category, entry.note) == self.key
            and (slot is None or slot not in self.properties)
            and (entry.signal_type, entry.value) not in self.seen
        )

    def add(self, entry: Entry) -> None:
        self.seen.add((entry.signal_type, entry.value))
        slot = _TOP_PROPERTIES.get(entry.signal_type)
        if slot is not None:
            self.properties[slot] = entry.value
        else:
            name = _ALTERNATIVE_NAMES.get(entry.signal_type, entry.signal_type)
            self.alternatives.append({"HashName": name, "HashValue": entry.value})

    def as_json(self) -> dict[str, object]:
        if self.alternatives:
            return {**self.properties, "AlternativeHashes": self.alternatives}
        return self.properties


def _new_media(entry: Entry) -> dict[str, object]:
    media: dict[str, object] = {}
    if entry.source_id is not None:
        media["MediaID"] = _int_if_integer(entry.source_id)
    if entry.category is not None:
        media["Category"] = _int_if_integer(entry.category)
    if entry.note is not None:
        media["Comments"] = entry.note
    return media


def _int_if_integer(text: str) -> int | str:
    """``"3"`` -> 3, but ``"03"`` and ``"3.0"`` stay text so that they read back the same."""
    if text.isascii() and text.isdigit() and len(text) < 19 and str(int(text)) == text:
        return int(text)
    return text
