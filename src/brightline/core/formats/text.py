"""Plain-text hash lists, and python-threatexchange's local signal files.

Plain text, one hash a line::

    # comments and blank lines are skipped
    d41d8cd98f00b204e9800998ecf8427e            bare value: type told from its length
    sha256 e3b0c44298fc1c149afbf4c8996fb924...  type, value, optional note
    da39a3ee5e6b4b0d3255bfef95601890afd80709  photo.jpg   md5sum/sha1sum output: note
    # type: sha256                              bare values below are this type

python-threatexchange (``LocalFileSignalExchangeAPI``, and what its
``threatexchange`` CLI appends): ``<signal_type> <signal>``, split at the first space,
the signal being the rest of the line (``raw_text`` signals hold spaces). Type names
are pytx's own (``pdq``, ``video_md5``, ``url``...); they are passed on as written.

A file of one type given by the caller (``list import --type keyword``): each line
that is not blank or a comment is one value, spaces and all (a keyword phrase).
A URL line may carry a note after a space, like a hash line.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from brightline.core.formats.infer import (
    TYPE_NAME,
    cannot_infer,
    infer_signal_type,
    looks_like_hash,
    looks_like_url,
)
from brightline.core.formats.streams import iter_lines
from brightline.core.models import HashRecord
from brightline.errors import FormatError

_DIRECTIVE = re.compile(r"#\s*(?:signal[ _-]?)?type\s*[:=]\s*(\S+)\s*", re.IGNORECASE)


def read_text(
    buf: io.BufferedReader,
    source: str | None,
    *,
    pytx: bool = False,
    signal_type: str | None = None,
) -> Iterator[HashRecord | FormatError]:
    default_type: str | None = None
    for lineno, line in iter_lines(buf, source):
        if isinstance(line, FormatError):
            yield line
            continue
        text = line.strip()
        if not text:
            continue
        if text.startswith("#"):
            directive = _DIRECTIVE.fullmatch(text)
            if directive:
                default_type = directive.group(1)
            continue
        if signal_type is not None:
            yield HashRecord(signal_type, text, location=f"line {lineno}")
            continue
        parse = _parse_pytx if pytx else _parse_text
        yield parse(text, f"line {lineno}", default_type, source)


def _parse_text(
    text: str, location: str, default_type: str | None, source: str | None
) -> HashRecord | FormatError:
    first, *rest = text.split(None, 1)
    if looks_like_hash(first) or not rest or looks_like_url(first):
        return _untyped(first, rest[0] if rest else None, location, default_type, source)
    if not TYPE_NAME.fullmatch(first):
        return FormatError("expected 'value' or 'type value'", location, source)
    value, *after = rest[0].split(None, 1)
    return HashRecord(first, value, note=after[0] if after else None, location=location)


def _parse_pytx(
    text: str, location: str, default_type: str | None, source: str | None
) -> HashRecord | FormatError:
    kind, _, signal = text.partition(" ")
    signal = signal.strip()
    if not signal:
        return _untyped(kind, None, location, default_type, source)
    if not TYPE_NAME.fullmatch(kind):
        return FormatError("expected 'signal_type signal'", location, source)
    return HashRecord(kind, signal, location=location)


def _untyped(
    value: str, note: str | None, location: str, default_type: str | None, source: str | None
) -> HashRecord | FormatError:
    signal_type = default_type or infer_signal_type(value)
    if signal_type is None:
        return FormatError(cannot_infer(value), location, source)
    return HashRecord(signal_type, value, note=note, location=location)
