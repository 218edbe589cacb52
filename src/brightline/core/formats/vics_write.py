"""VICS 2.0 hash-set (``#Media``) writer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from brightline.core.formats.vics import hash_key
from brightline.core.models import Entry
from brightline.errors import UsageError

CONTEXT_URL = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/{}/$metadata#Media"

# Types that are Media properties; the rest go to AlternativeHashes, named as here or
# else as the type itself.
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
            and hash_key(entry.signal_type, entry.value) not in self.seen
        )

    def add(self, entry: Entry) -> None:
        self.seen.add(hash_key(entry.signal_type, entry.value))
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
