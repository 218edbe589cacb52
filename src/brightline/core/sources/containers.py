"""Containers triage opens, as registries: archive formats and disk-image formats.

An ``ArchiveFormat`` tells its content from the first bytes (``sniff``) and yields
its members as content items (``read``: streamed, never extracted; unsafe names,
links, bombs and errors as error items). A ``DiskFormat`` tells an image from its
first bytes or name and opens it as an image The Sleuth Kit reads. Built in: zip,
7z, gzip/bzip2/xz (usually a compressed tar), tar (``archives.py``); E01 and raw
images (``disk.py``), their readers loaded when first used. Adding a format is one
module that calls ``register_archive`` or ``register_disk``; a test registers a
made-up one (``tests/services/cases/test_containers.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from brightline.core.sources.base import ContentItem, Locator

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_depth: int = 5
    max_ratio: int = 200
    max_total_bytes: int = 64 * 1024**3
    #: 7z members are decompressed together; past this many bytes they spool to disk.
    memory_bytes: int = 64 * MIB
    #: The case's own temporary folder: the only place member bytes may be written.
    spool_dir: Path | None = None


class Budget:
    """Bytes the archives of one exhibit may still expand to."""

    def __init__(self, total: int):
        self.remaining = total

    def take(self, size: int) -> bool:
        if size > self.remaining:
            return False
        self.remaining -= size
        return True


#: ``read(stream, where, size, limits, budget)``: the members of an archive.
ArchiveReader = Callable[[BinaryIO, Locator, int, "ArchiveLimits", "Budget"], Iterator[ContentItem]]


@dataclass(frozen=True, slots=True)
class ArchiveFormat:
    name: str
    sniff: Callable[[bytes], bool]
    read: ArchiveReader


@dataclass(frozen=True, slots=True)
class DiskFormat:
    name: str
    #: ``sniff(head, file name)``.
    sniff: Callable[[bytes, str], bool]
    #: An image The Sleuth Kit reads (a ``pytsk3.Img_Info``).
    open: Callable[[Path], Any]


_ARCHIVES: dict[str, ArchiveFormat] = {}
_DISKS: dict[str, DiskFormat] = {}


def register_archive(fmt: ArchiveFormat) -> ArchiveFormat:
    """Add (or replace) an archive format; formats are tried in registration order."""
    _ARCHIVES[fmt.name] = fmt
    return fmt


def register_disk(fmt: DiskFormat) -> DiskFormat:
    _DISKS[fmt.name] = fmt
    return fmt


def unregister(name: str) -> None:
    _ARCHIVES.pop(name, None)
    _DISKS.pop(name, None)


def archive_kind(head: bytes) -> str | None:
    for fmt in _ARCHIVES.values():
        if fmt.sniff(head):
            return fmt.name
    return None


def archive_format(name: str) -> ArchiveFormat:
    return _ARCHIVES[name]


def disk_kind(head: bytes, name: str = "") -> str | None:
    for fmt in _DISKS.values():
        if fmt.sniff(head, name):
            return fmt.name
    return None


def disk_format(name: str) -> DiskFormat:
    return _DISKS[name]


# -- built in ------------------------------------------------------------------------


def _builtin(name: str) -> Any:
    """A built-in reader's module, loaded when first used (py7zr, pyewf and pytsk3 load
    only when an archive or an image is opened; they register nothing themselves)."""
    return importlib.import_module(f"brightline.core.sources.{name}")


def _reader(kind: str) -> ArchiveReader:
    def read(
        stream: BinaryIO, where: Locator, size: int, limits: ArchiveLimits, budget: Budget
    ) -> Iterator[ContentItem]:
        items: Iterator[ContentItem] = _builtin("archives").builtin_items(
            stream, kind, where, size, limits, budget
        )
        return items

    return read


def _magic(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(prefixes)


def _is_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def _is_bzip2(head: bytes) -> bool:
    return head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit()


for _name, _sniff in (
    ("zip", _magic(b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")),
    ("7z", _magic(b"7z\xbc\xaf\x27\x1c")),
    ("gzip", _magic(b"\x1f\x8b")),
    ("bzip2", _is_bzip2),
    ("xz", _magic(b"\xfd7zXZ\x00")),
    ("tar", _is_tar),
):
    register_archive(ArchiveFormat(_name, _sniff, _reader(_name)))


def _open_e01(path: Path) -> Any:
    return _builtin("disk").EwfImage(path)


def _open_raw(path: Path) -> Any:
    return _builtin("disk").RawImage(path)


def _is_e01(head: bytes, name: str) -> bool:
    return head.startswith(b"EVF\x09\x0d\x0a\xff\x00")


_EXT_MAGIC_AT = 1080


def _is_raw(head: bytes, name: str) -> bool:
    """A file system's boot sector or superblock, an MBR boot signature, or (for a
    damaged one, so that it still becomes an error row) the usual extensions."""
    from brightline.core.signals.decode import sniff_media_type

    if len(head) >= 512:
        if (
            head[3:11] in (b"NTFS    ", b"EXFAT   ")
            or head[54:59] == b"FAT12"
            or (head[54:59] == b"FAT16" or head[82:87] == b"FAT32")
        ):
            return True
        if (
            len(head) >= _EXT_MAGIC_AT + 2
            and head[_EXT_MAGIC_AT : _EXT_MAGIC_AT + 2] == b"\x53\xef"
        ):
            return True
        if len(head) >= 1026 and head[1024:1026] in (b"H+", b"HX"):
            return True
        mbr = head[510:512] == b"\x55\xaa"
        if mbr and sniff_media_type(head[:32]) is None and archive_kind(head) is None:
            return True
    return name.lower().endswith((".dd", ".raw", ".img", ".001"))


register_disk(DiskFormat("e01", _is_e01, _open_e01))
register_disk(DiskFormat("raw", _is_raw, _open_raw))
