"""Telling a hash-list file's format from its first bytes, never from its name."""

from __future__ import annotations

from brightline.core.formats.csvfile import TYPE_COLUMNS, VALUE_COLUMNS, header_names
from brightline.core.formats.infer import PYTX_ONLY_TYPES
from brightline.core.formats.pytx import is_dataset_header
from brightline.core.formats.streams import utf8_head
from brightline.core.formats.vics import looks_like_vics
from brightline.core.formats.vpdqfile import looks_like_vpdq_file
from brightline.errors import FormatError

FORMATS = ("text", "csv", "pytx", "vics", "vpdq")

_ARCHIVES = {
    b"\x1f\x8b": "gzip-compressed",
    b"PK\x03\x04": "a zip archive",
    b"BZh": "bzip2-compressed",
    b"\xfd7zXZ\x00": "xz-compressed",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
}
# Bytes that plain text does not contain (controls other than tab, newlines, FF, ESC).
_CONTROL = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32), 127])
_TEXT_BYTES = bytes(b for b in range(256) if b not in _CONTROL)


def sniff_format(head: bytes) -> str:
    """Return ``"text"``, ``"csv"``, ``"pytx"`` or ``"vics"`` for a file's first 64 KiB.

    An empty file is ``"text"`` (with nothing in it). Raises FormatError for binary
    data, compressed files and JSON that is not VICS.
    """
    for magic, what in _ARCHIVES.items():
        if head.startswith(magic):
            raise FormatError(f"the file is {what}; unpack it first", "byte 0")
    data = utf8_head(head)
    start = data.lstrip()[:1]
    if start == b"{":
        if looks_like_vics(data):
            return "vics"
        raise FormatError("JSON that is not VICS (no @odata.context or 'value' array)", "byte 0")
    if start == b"[":
        raise FormatError("a JSON array is not a hash-list format Brightline reads", "byte 0")
    if _is_binary(data):
        raise FormatError("binary data, not a hash list", "byte 0")
    if looks_like_vpdq_file(data):
        return "vpdq"
    first = next((line for line in data.splitlines() if line.strip()), b"")
    if not first.lstrip().startswith(b"#"):
        names = header_names(first.decode("utf-8", "replace"))
        if is_dataset_header(names):
            return "pytx"
        if any(name in names for name in (*TYPE_COLUMNS[:1], *VALUE_COLUMNS[:1])):
            return "csv"
    return "pytx" if _has_pytx_types(data) else "text"


def _is_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    controls = len(data.translate(None, _TEXT_BYTES))  # what is left once text is deleted
    return controls * 100 > len(data)


def _has_pytx_types(data: bytes) -> bool:
    for line in data.splitlines():
        kind = line.strip().split(b" ", 1)[0].decode("ascii", "replace").lower()
        if kind in PYTX_ONLY_TYPES:
            return True
    return False
