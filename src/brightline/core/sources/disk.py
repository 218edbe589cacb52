"""Disk images through The Sleuth Kit: raw/dd and EnCase E01 (libewf).

The image is opened read-only (``O_NOATIME`` where the OS allows it), never written.
A partition table is read when there is one (each allocated partition is ``pN``,
numbered in table order); otherwise a file system is looked for at the start of the
image. Every file system TSK reads (FAT, exFAT, NTFS, ext2/3/4, HFS+…) is walked;
TSK's virtual entries (``$MBR``, ``$FAT1``, ``$OrphanFiles``) and NTFS system files
are skipped. A name TSK flags unallocated is a deleted file: it is yielded, with
``deleted=True``, when its metadata still points at content that can be read back.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyewf
import pytsk3

from brightline.core.sources import containers
from brightline.core.sources.base import ContentItem, Locator, open_readonly
from brightline.errors import DiskImageError, EvidenceError

CHUNK = 1024 * 1024
_MAX_DIRS = 1_000_000
_NTFS_SYSTEM_INODES = 27


class RawImage(pytsk3.Img_Info):  # type: ignore[misc]
    """A raw image read with ``pread`` on a read-only descriptor."""

    def __init__(self, path: Path):
        self._fd = open_readonly(path)
        self._size = os.fstat(self._fd).st_size
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def read(self, offset: int, size: int) -> bytes:
        return os.pread(self._fd, size, offset)

    def get_size(self) -> int:
        return self._size

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class EwfImage(pytsk3.Img_Info):  # type: ignore[misc]
    """An E01 (and its .E02… segments) read through libewf, from read-only descriptors."""

    def __init__(self, path: Path):
        self._files = [os.fdopen(open_readonly(Path(p)), "rb") for p in pyewf.glob(str(path))]
        self._handle = pyewf.handle()
        self._handle.open_file_objects(self._files)
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    #: Why a read failed (libewf raises RuntimeError on a truncated or damaged image),
    #: so the item that could not be read is said to be a damaged image.
    read_error: str | None = None

    def read(self, offset: int, size: int) -> bytes:
        try:
            self._handle.seek(offset)
            return bytes(self._handle.read(size))
        except (RuntimeError, OSError) as exc:
            # TSK handles an OSError as a failed read; a RuntimeError would escape it
            self.read_error = str(exc)
            raise OSError(f"cannot read the disk image at byte {offset:,}: {exc}") from None

    def get_size(self) -> int:
        return int(self._handle.get_media_size())

    def close(self) -> None:
        self._handle.close()
        for fh in self._files:
            fh.close()


def open_image(path: Path, kind: str) -> Any:
    try:
        return containers.disk_format(kind).open(path)
    except (OSError, RuntimeError) as exc:
        raise EvidenceError("disk_unreadable", f"cannot open the disk image: {exc}") from None


def disk_items(path: Path, kind: str, where: Locator) -> Iterator[ContentItem]:
    """Every file (and recoverable deleted file) of every file system on the image.

    An image that cannot be opened or read through is one error item (code
    ``disk_unreadable`` or ``disk_image_damaged``), never an exception: the case goes on.
    """
    try:
        img = open_image(path, kind)
    except EvidenceError as exc:
        yield ContentItem(where, _size(path), None, error=_damaged(exc))
        return
    try:
        yield from _image_items(img, where)
    except (RuntimeError, OSError, EvidenceError) as exc:  # a damaged image met mid-walk
        yield ContentItem(
            where.child("(rest of the image)"),
            None,
            None,
            error=DiskImageError(f"the disk image could not be read further: {exc}"),
        )
    finally:
        img.close()


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _damaged(exc: EvidenceError) -> EvidenceError:
    """An E01 that libewf cannot open is damaged (cut short, a segment missing)."""
    text = str(exc)
    if "libewf" in text or "pyewf" in text:
        return DiskImageError(f"the E01 image is damaged or cut short: {text}")
    return exc


def _no_file_system(img: Any, message: str) -> EvidenceError:
    read_error = getattr(img, "read_error", None)
    if read_error:
        return DiskImageError(f"the disk image is damaged or cut short: {read_error}")
    return EvidenceError("disk_unreadable", message)


def _image_items(img: Any, where: Locator) -> Iterator[ContentItem]:
    volumes = _partitions(img)
    if volumes is None:
        fs = _file_system(img, 0)
        if fs is None:
            yield ContentItem(
                where,
                img.get_size(),
                None,
                error=_no_file_system(
                    img,
                    "no partition table or file system The Sleuth Kit can read "
                    "(damaged or unsupported)",
                ),
            )
            return
        yield from _walk(fs, where)
        return
    for label, offset in volumes:
        fs = _file_system(img, offset)
        if fs is None:
            yield ContentItem(
                where.child(label),
                None,
                None,
                error=_no_file_system(img, f"{label}: no file system The Sleuth Kit can read"),
            )
            continue
        yield from _walk(fs, where.child(label))


def _partitions(img: Any) -> list[tuple[str, int]] | None:
    try:
        volume = pytsk3.Volume_Info(img)
    except OSError:
        return None
    block = volume.info.block_size
    found: list[tuple[str, int]] = []
    for part in volume:
        if part.flags & pytsk3.TSK_VS_PART_FLAG_ALLOC:
            found.append((f"p{len(found) + 1}", part.start * block))
    return found or None


def _file_system(img: Any, offset: int) -> Any:
    try:
        return pytsk3.FS_Info(img, offset=offset)
    except OSError:
        return None


def _walk(fs: Any, where: Locator) -> Iterator[ContentItem]:
    """Depth first, names sorted. Deleted folders are walked too (what they list is
    deleted), and TSK's ``$OrphanFiles``: deleted files whose name is gone."""
    ntfs = fs.info.ftype in (pytsk3.TSK_FS_TYPE_NTFS, pytsk3.TSK_FS_TYPE_NTFS_DETECT)
    seen: set[int] = set()
    stack: list[tuple[str, Any, bool]] = [("", fs.open_dir(path="/"), False)]
    while stack and len(seen) < _MAX_DIRS:
        prefix, directory, in_deleted = stack.pop()
        subdirs: list[tuple[str, Any, bool]] = []
        for entry in _sorted(directory):
            name = entry.info.name.name.decode("utf-8", "replace")
            meta = entry.info.meta
            if name in (".", "..") or meta is None:
                continue
            full = f"{prefix}{name}"
            if not prefix and name == "$OrphanFiles" and meta.type == _VIRT_DIR:
                subdirs.append((full + "/", _as_dir(entry), True))
                continue
            if _virtual(meta, name, prefix, ntfs):
                continue
            deleted = in_deleted or bool(entry.info.name.flags & pytsk3.TSK_FS_NAME_FLAG_UNALLOC)
            if meta.type == pytsk3.TSK_FS_META_TYPE_DIR:
                reused = deleted and bool(meta.flags & pytsk3.TSK_FS_META_FLAG_ALLOC)
                if meta.addr not in seen and not reused:
                    seen.add(meta.addr)
                    folder = _as_dir(entry)
                    if folder is not None:
                        subdirs.append((full + "/", folder, deleted))
                    elif not deleted:
                        yield _bad(where.child(full), "unreadable", "cannot read folder")
                continue
            item = _file_item(fs, entry, meta, where.child(full), deleted)
            if item is not None:
                yield item
        stack.extend(reversed([d for d in subdirs if d[1] is not None]))


_VIRT_DIR = pytsk3.TSK_FS_META_TYPE_VIRT_DIR


def _as_dir(entry: Any) -> Any:
    try:
        return entry.as_directory()
    except OSError:
        return None


def _sorted(directory: Any) -> list[Any]:
    try:
        entries = list(directory)
    except OSError:
        return []
    return sorted(entries, key=lambda e: e.info.name.name)


def _virtual(meta: Any, name: str, prefix: str, ntfs: bool) -> bool:
    if meta.type in (pytsk3.TSK_FS_META_TYPE_VIRT, pytsk3.TSK_FS_META_TYPE_VIRT_DIR):
        return True
    if name.endswith("(Volume Label Entry)"):  # FAT's label, shown by TSK as a file
        return True
    return ntfs and not prefix and name.startswith("$") and meta.addr < _NTFS_SYSTEM_INODES


def _file_item(
    fs: Any, entry: Any, meta: Any, locator: Locator, deleted: bool
) -> ContentItem | None:
    modified, accessed = _time(meta.mtime), _time(meta.atime)
    created = _time(getattr(meta, "crtime", 0))
    # "seekable": open() gives a seekable stream at any time (archives on the image
    # are opened in place, big files streamed, nothing spooled).
    extra: dict[str, object] = {"inode": int(meta.addr), "seekable": True}
    if meta.type != pytsk3.TSK_FS_META_TYPE_REG:
        if deleted:
            return None
        code = "symlink" if meta.type == pytsk3.TSK_FS_META_TYPE_LNK else "special_file"
        return ContentItem(
            locator,
            None,
            None,
            deleted=deleted,
            error=EvidenceError(code, "not a regular file (link, device, pipe…)"),
            extra=extra,
            modified=modified,
            created=created,
            accessed=accessed,
        )
    if deleted and (meta.flags & pytsk3.TSK_FS_META_FLAG_ALLOC or meta.size <= 0):
        return None  # its metadata now belongs to another file, or nothing is left
    size = int(meta.size)
    addr = int(meta.addr)

    def open_file() -> BinaryIO:
        return io.BufferedReader(TskStream(fs.open_meta(inode=addr), size), CHUNK)

    return ContentItem(
        locator,
        size,
        open_file,
        deleted=deleted,
        extra=extra,
        modified=modified,
        created=created,
        accessed=accessed,
    )


def _bad(locator: Locator, code: str, message: str) -> ContentItem:
    return ContentItem(locator, None, None, error=EvidenceError(code, message))


def _time(value: int) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value and value > 0 else None


class TskStream(io.RawIOBase):
    """A TSK file's content as a stream."""

    def __init__(self, handle: Any, size: int):
        self.handle, self.size, self.pos = handle, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buf: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buf), self.size - self.pos)
        if n <= 0:
            return 0
        try:
            data = self.handle.read_random(self.pos, n)
        except OSError as exc:
            raise EvidenceError(
                "deleted_unrecoverable", f"cannot read the content: {exc}"
            ) from None
        if not data:
            return 0
        buf[: len(data)] = data
        self.pos += len(data)
        return len(data)
