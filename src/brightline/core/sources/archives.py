"""Archive members as content items: zip, tar (plain or gzip/bzip2/xz), 7z.

Nothing is extracted: members are read as streams from the archive, which must be a
seekable binary stream (a file opened read-only, or a member the caller holds). Each
item's ``open()`` is valid while the iteration is on it (a compressed tar is read
front to back once). Hostile members become items with ``error`` set and are not
read: unsafe names (``../``, absolute paths), symbolic links and special files,
encrypted members, members that expand more than ``max_ratio`` times or past the
exhibit's total budget. A damaged archive raises :class:`EvidenceError` before its
first item, or ends its members with an error item where the damage is met.

Every member is its own item whatever its name: a second member stored under a name
already used in the same archive is located as ``name (#2)`` (see :class:`MemberNames`),
so a known file hidden behind a benign file's name is still hashed, counted and
exported.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO

import py7zr
import py7zr.io

from brightline.core.sources import containers
from brightline.core.sources.base import ContentItem, Locator
from brightline.core.sources.containers import MIB, ArchiveLimits, Budget
from brightline.errors import EvidenceError, OverlappingMembersError, shorten

#: Members smaller than this are never refused for their ratio (tiny text compresses well).
RATIO_FLOOR = MIB
_DRIVE = re.compile(r"^[A-Za-z]:")


class MemberNames:
    """Unique locator names for the members of one archive, in archive order.

    The first member of a name keeps it; a later one becomes ``name (#2)``,
    ``name (#3)``… (skipping any such name a member really has), so the names are
    the same on every read of the same archive and a resumed case skips the same items.
    """

    def __init__(self) -> None:
        self.used: set[str] = set()

    def unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.used:
            n += 1
            candidate = f"{name} (#{n})"
        self.used.add(candidate)
        return candidate


def unsafe_name(name: str) -> str | None:
    """Why a member name is unsafe to use as a path, or None."""
    if "\x00" in name:
        return "member name holds a NUL byte"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return f"absolute member path {name!r}"
    if ".." in re.split(r"[/\\]", name):
        return f"member path escapes the archive ({name!r})"
    return None


def archive_items(
    stream: BinaryIO,
    kind: str,
    where: Locator,
    size: int,
    limits: ArchiveLimits,
    budget: Budget,
) -> Iterator[ContentItem]:
    """The members of the archive ``stream`` (``kind`` from ``container_kind``: any
    registered format, ``containers``)."""
    return containers.archive_format(kind).read(stream, where, size, limits, budget)


def builtin_items(
    stream: BinaryIO,
    kind: str,
    where: Locator,
    size: int,
    limits: ArchiveLimits,
    budget: Budget,
) -> Iterator[ContentItem]:
    """The members of a built-in format's archive."""
    if kind == "zip":
        yield from _zip_items(stream, where, limits, budget)
    elif kind == "7z":
        yield from _7z_items(stream, where, size, limits, budget)
    else:
        yield from _tar_items(stream, kind, where, size, limits, budget)


def _error(
    where: Locator, name: str, code: str, message: str, size: int | None = None
) -> ContentItem:
    return ContentItem(where.child(name), size, None, error=EvidenceError(code, message))


# -- zip ------------------------------------------------------------------------


def _zip_items(
    stream: BinaryIO, where: Locator, limits: ArchiveLimits, budget: Budget
) -> Iterator[ContentItem]:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise EvidenceError("corrupt_archive", f"corrupt zip archive: {exc}") from None
    names = MemberNames()
    with archive:
        if problem := overlapping_members(archive.infolist()):
            raise OverlappingMembersError(problem)
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = names.unique(info.filename)
            mode = info.external_attr >> 16
            if reason := unsafe_name(info.filename):
                yield _error(where, name.replace("\x00", "?"), "unsafe_path", reason)
            elif stat.S_ISLNK(mode):
                yield _error(where, name, "symlink", "symbolic link in the archive (not followed)")
            elif stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                yield _error(where, name, "special_file", "special file in the archive")
            elif info.flag_bits & 0x1:
                yield _error(where, name, "encrypted", "encrypted member", info.file_size)
            elif problem := _expansion(info.file_size, info.compress_size, limits, budget):
                yield _error(where, name, "archive_bomb", problem, info.file_size)
            else:
                yield ContentItem(
                    where.child(name),
                    info.file_size,
                    _opener(archive, info),
                    extra={
                        "archive": "zip",
                        "compressed": info.compress_size,
                        "member": info.filename,
                    },
                )


#: A zip local file header without its name and extra field.
_LOCAL_HEADER = 30


def overlapping_members(infos: list[zipfile.ZipInfo]) -> str | None:
    """Why the members of a zip share bytes, or None.

    Each member's local header and data take at least ``30 + compress_size`` bytes
    from its ``header_offset``; two members whose spans cross read the same
    compressed stream (the "overlapping files" zip bomb: each member under the ratio
    limit, together thousands of times the archive). Checked from the central
    directory alone, before anything is decompressed.
    """
    spans = sorted(
        (
            (info.header_offset, info.header_offset + _LOCAL_HEADER + info.compress_size, info)
            for info in infos
            if not info.is_dir() or info.compress_size
        ),
        key=lambda span: span[0],
    )
    for (start, end, info), (next_start, _, other) in pairwise(spans):
        if next_start < end:
            return (
                f"members {shorten(info.filename)} (byte {start:,}) and "
                f"{shorten(other.filename)} (byte {next_start:,}) share compressed data "
                "(overlapping members: a zip bomb)"
            )
    return None


def _opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    def open_member() -> BinaryIO:
        return archive.open(info)  # type: ignore[return-value]

    return open_member


def _expansion(size: int, compressed: int, limits: ArchiveLimits, budget: Budget) -> str | None:
    if size > RATIO_FLOOR and size > limits.max_ratio * max(compressed, 1):
        return f"expands {size // max(compressed, 1):,} times (limit {limits.max_ratio})"
    if not budget.take(size):
        return f"the exhibit's archives would expand past {limits.max_total_bytes:,} bytes"
    return None


# -- tar (plain or compressed) -----------------------------------------------------


class _Capped(io.RawIOBase):
    """A decompressed stream that refuses to give more than ``cap`` bytes."""

    def __init__(self, inner: BinaryIO, cap: int):
        self.inner, self.cap, self.pos = inner, cap, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def readinto(self, buf: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buf))
        self._advance(len(data))
        buf[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        target = self.pos + offset if whence == io.SEEK_CUR else offset
        if whence == io.SEEK_END:
            raise OSError("cannot seek from the end of a compressed stream")
        if target < self.pos:
            self.inner.seek(target)
            self.pos = target
        while self.pos < target:
            chunk = self.inner.read(min(MIB, target - self.pos))
            if not chunk:
                break
            self._advance(len(chunk))
        return self.pos

    def _advance(self, n: int) -> None:
        self.pos += n
        if self.pos > self.cap:
            raise EvidenceError("archive_bomb", f"the archive expands past {self.cap:,} bytes")


def _decompressor(kind: str, raw: BinaryIO) -> BinaryIO:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if kind == "bzip2":
        return bz2.BZ2File(raw)  # type: ignore[return-value]
    return lzma.LZMAFile(raw)  # type: ignore[return-value]


_COMPRESSED = frozenset({"gzip", "bzip2", "xz"})


def _tar_items(
    stream: BinaryIO, kind: str, where: Locator, size: int, limits: ArchiveLimits, budget: Budget
) -> Iterator[ContentItem]:
    data: BinaryIO = stream
    if kind in _COMPRESSED:
        cap = min(limits.max_ratio * max(size, 1), budget.remaining)
        data = io.BufferedReader(_Capped(_decompressor(kind, stream), cap), 256 * 1024)
    try:
        archive = tarfile.open(fileobj=data, mode="r:")  # noqa: SIM115 - closed below
    except EvidenceError:
        raise
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError) as exc:
        if kind == "tar":
            raise EvidenceError("corrupt_archive", f"corrupt tar archive: {exc}") from None
        yield from _single_stream(stream, kind, where, size, limits, budget)
        return
    with archive:
        yield from _tar_members(archive, where, limits, budget)


def _tar_members(
    archive: tarfile.TarFile, where: Locator, limits: ArchiveLimits, budget: Budget
) -> Iterator[ContentItem]:
    names = MemberNames()
    while True:
        try:
            member = archive.next()
        except EvidenceError as exc:
            yield _error(where, "(rest of the archive)", exc.code, str(exc))
            return
        except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, ValueError) as exc:
            yield _error(where, "(rest of the archive)", "corrupt_archive", f"corrupt tar: {exc}")
            return
        if member is None:
            return
        name = member.name
        if member.isdir():
            continue
        reason = unsafe_name(name)
        while name.startswith("./"):
            name = name[2:]
        stored, name = name, names.unique(name)
        if reason:
            yield _error(where, name.replace("\x00", "?"), "unsafe_path", reason)
        elif member.issym() or member.islnk():
            yield _error(where, name, "symlink", "link in the archive (not followed)")
        elif not member.isreg():
            yield _error(where, name, "special_file", "special file in the archive")
        elif not budget.take(member.size):
            msg = f"the exhibit's archives would expand past {limits.max_total_bytes:,} bytes"
            yield _error(where, name, "archive_bomb", msg, member.size)
        else:
            yield ContentItem(
                where.child(name),
                member.size,
                _tar_opener(archive, member),
                extra={"archive": "tar", "member": stored},
            )


def _tar_opener(archive: tarfile.TarFile, member: tarfile.TarInfo) -> Callable[[], BinaryIO]:
    def open_member() -> BinaryIO:
        handle = archive.extractfile(member)
        if handle is None:
            raise EvidenceError("unreadable", "tar member has no content")
        return handle  # type: ignore[return-value]

    return open_member


def _single_stream(
    stream: BinaryIO, kind: str, where: Locator, size: int, limits: ArchiveLimits, budget: Budget
) -> Iterator[ContentItem]:
    """A compressed file that is not a tar (``photo.jpg.gz``): one member."""
    cap = min(limits.max_ratio * max(size, 1), budget.remaining)

    def open_member() -> BinaryIO:
        stream.seek(0)
        return io.BufferedReader(_Capped(_decompressor(kind, stream), cap))

    yield ContentItem(where.child(f"({kind} content)"), None, open_member, extra={"archive": kind})


# -- 7z --------------------------------------------------------------------------------


class _Held(py7zr.io.Py7zIO):
    """One 7z member as it is decompressed: in memory, or spooled in the case folder."""

    def __init__(self, limit: int, memory: int, spool_dir: Path | None):
        folder = str(spool_dir) if spool_dir else None
        # closed by _7z_items once the member has been read
        self.buf = tempfile.SpooledTemporaryFile(max_size=memory, dir=folder)  # noqa: SIM115
        self.limit, self.length, self.overflow = limit, 0, False

    def write(self, s: bytes | bytearray) -> int:
        room = self.limit - self.length
        if len(s) > room:
            self.overflow = True
            s = s[: max(room, 0)]
        self.buf.write(s)
        self.length += len(s)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return self.buf.read(size if size is not None else -1)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.buf.seek(offset, whence)

    def flush(self) -> None:
        self.buf.flush()

    def size(self) -> int:
        return self.length


class _Factory(py7zr.io.WriterFactory):
    def __init__(self, sizes: dict[str, int], limits: ArchiveLimits):
        self.sizes, self.limits = sizes, limits
        self.held: dict[str, _Held] = {}
        self.in_memory = 0

    def create(self, filename: str) -> py7zr.io.Py7zIO:
        size = self.sizes.get(filename, 0)
        memory = size + 1 if self.in_memory + size <= self.limits.memory_bytes else 0
        if self.limits.spool_dir is None:
            memory = size + 1
        self.in_memory += size if memory else 0
        held = _Held(size, memory, self.limits.spool_dir)
        self.held[filename] = held
        return held


_7Z_ERRORS = (
    py7zr.exceptions.ArchiveError,
    py7zr.exceptions.Bad7zFile,
    py7zr.exceptions.CrcError,
    py7zr.exceptions.DecompressionError,
    py7zr.exceptions.InternalError,
    py7zr.exceptions.UnsupportedCompressionMethodError,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    lzma.LZMAError,
)


def _7z_items(
    stream: BinaryIO, where: Locator, size: int, limits: ArchiveLimits, budget: Budget
) -> Iterator[ContentItem]:
    try:
        archive = py7zr.SevenZipFile(stream, mode="r")
    except py7zr.exceptions.PasswordRequired:
        raise EvidenceError("encrypted", "encrypted 7z archive (headers)") from None
    except _7Z_ERRORS as exc:
        raise EvidenceError("corrupt_archive", f"corrupt 7z archive: {exc}") from None
    with archive:
        if archive.needs_password():
            raise EvidenceError("encrypted", "encrypted 7z archive")
        wanted: dict[str, int] = {}
        for info in archive.list():
            if info.is_directory:
                continue
            name = info.filename
            if reason := unsafe_name(name):
                yield _error(where, name.replace("\x00", "?"), "unsafe_path", reason)
            elif info.is_symlink:
                yield _error(where, name, "symlink", "symbolic link in the archive (not followed)")
            elif not info.is_file:
                yield _error(where, name, "special_file", "special file in the archive")
            else:
                wanted[name] = info.uncompressed
        total = sum(wanted.values())
        if total > RATIO_FLOOR and total > limits.max_ratio * max(size, 1):
            raise EvidenceError(
                "archive_bomb",
                f"expands {total // max(size, 1):,} times (limit {limits.max_ratio})",
            )
        if not budget.take(total):
            raise EvidenceError(
                "archive_bomb",
                f"the exhibit's archives would expand past {limits.max_total_bytes:,} bytes",
            )
        factory = _Factory(wanted, limits)
        try:
            archive.extract(targets=list(wanted), factory=factory)
        except _7Z_ERRORS as exc:
            raise EvidenceError("corrupt_archive", f"corrupt 7z archive: {exc}") from None
    try:
        for name, declared in wanted.items():
            held = factory.held.get(name)
            if held is None:
                yield _error(where, name, "corrupt_archive", "member missing from the archive")
            elif held.overflow:
                yield _error(where, name, "archive_bomb", "member larger than its header says")
            else:
                yield ContentItem(
                    where.child(name), declared, _held_opener(held), extra={"archive": "7z"}
                )
    finally:
        for held in factory.held.values():
            held.buf.close()


def _held_opener(held: _Held) -> Callable[[], BinaryIO]:
    def open_member() -> BinaryIO:
        held.buf.seek(0)
        return io.BytesIO(held.buf.read())

    return open_member
