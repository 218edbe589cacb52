"""An exhibit as one source: a folder, a file, an archive or a disk image, with every
archive found inside opened in turn (by its content, not its name), to a set depth.

Plain files keep ``path`` (workers read them themselves, read-only and without
touching their access time). Members of archives and files on disk images are read
once, in order, as the iteration reaches them, and held in memory (``extra["content"]``)
up to ``limits.memory_bytes``. A bigger one is hashed as a stream (``extra["stream"]``)
unless it is itself an archive: then a file on a disk image is opened in place, and an
archive member is spooled into the case's own temporary folder (``extra["spooled"]``,
removed when the iteration moves on). Nothing is ever
written anywhere else, and the evidence is never written to.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from brightline.core.sources.archives import archive_items
from brightline.core.sources.base import ContentItem, Locator, open_readonly
from brightline.core.sources.containers import ArchiveLimits, Budget
from brightline.core.sources.disk import disk_items
from brightline.core.sources.kinds import HEAD, container_kind, disk_kind
from brightline.errors import EvidenceError


def exhibit_kind(path: Path) -> str:
    """``folder``, ``disk``, ``archive`` or ``file``."""
    if path.is_dir():
        return "folder"
    head = read_head(path)
    if disk_kind(head, path.name):
        return "disk"
    return "archive" if container_kind(head) else "file"


def read_head(path: Path) -> bytes:
    fd = open_readonly(path)
    try:
        return os.pread(fd, HEAD, 0)
    finally:
        os.close(fd)


def open_file(path: Path) -> BinaryIO:
    return os.fdopen(open_readonly(path), "rb")


class ExhibitSource:
    """Every content item of one exhibit, in a stable order."""

    def __init__(
        self, path: Path, limits: ArchiveLimits, skip: Callable[[Locator], bool] | None = None
    ):
        """``skip`` names items already done (a resumed job): they are not read whole,
        only far enough to know whether they are archives to open (and they come back
        with ``extra["skipped"]``)."""
        self.path = path
        self.limits = limits
        self.skip = skip
        self.budget = Budget(limits.max_total_bytes)
        self.kind = exhibit_kind(path)

    def items(self) -> Iterator[ContentItem]:
        if self.kind == "folder":
            yield from self._folder(self.path)
        elif self.kind == "disk":
            disk = disk_kind(read_head(self.path), self.path.name) or "raw"
            for item in disk_items(self.path, disk, Locator.of(self.path.name)):
                yield from self._held(item, 0)
        else:
            yield from self._plain(self.path, Locator.of(self.path.name))

    # -- plain files and folders ---------------------------------------------------

    def _folder(self, root: Path) -> Iterator[ContentItem]:
        stack = [root]
        while stack:
            folder = stack.pop()
            rel = folder.relative_to(root)
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                yield _bad(_locate(rel), "unreadable", f"cannot read folder: {exc.strerror or exc}")
                continue
            subfolders = []
            for entry in entries:
                locator = _locate(rel / entry.name)
                try:
                    mode = entry.stat(follow_symlinks=False).st_mode
                except OSError as exc:
                    yield _bad(locator, "unreadable", f"cannot read: {exc.strerror or exc}")
                    continue
                if stat.S_ISLNK(mode):
                    yield _bad(locator, "symlink", "symbolic link (not followed)")
                elif stat.S_ISDIR(mode):
                    subfolders.append(Path(entry.path))
                elif stat.S_ISREG(mode):
                    yield from self._plain(Path(entry.path), locator)
                else:
                    yield _bad(locator, "special_file", "special file (pipe, socket or device)")
            stack.extend(reversed(subfolders))

    def _plain(self, path: Path, locator: Locator) -> Iterator[ContentItem]:
        try:
            st = path.stat()
            head = read_head(path)
        except OSError as exc:
            yield _bad(locator, "unreadable", f"cannot read file: {exc.strerror or exc}")
            return
        item = ContentItem(
            locator,
            st.st_size,
            lambda: open_file(path),
            path=path,
            modified=datetime.fromtimestamp(st.st_mtime, UTC),
            accessed=datetime.fromtimestamp(st.st_atime, UTC),
        )
        yield from self._expand(item, head, 0)

    # -- members of archives and files on disk images ------------------------------

    def _held(self, item: ContentItem, depth: int) -> Iterator[ContentItem]:
        if not item.readable:
            yield item
            return
        if self.skip is not None and self.skip(item.locator):
            head = _peek(item)
            if container_kind(head) is None:
                yield _skipped(item)
                return
        if item.size is not None and item.size > self.limits.memory_bytes:
            head = _peek(item)
            if container_kind(head) is None:  # too big to hold: hashed as a stream
                item.extra["stream"] = True
                yield item
                return
            if item.extra.get("seekable"):  # an archive on a disk image: opened in place
                yield from self._expand(item, head, depth)
                return
        spooled: Path | None = None
        try:
            held = self._hold(item)
            spooled = _spool_path(held)
            yield from self._expand(held, _head_of(held), depth)
        finally:
            if spooled is not None:
                spooled.unlink(missing_ok=True)

    def _hold(self, item: ContentItem) -> ContentItem:
        """Read the item once: into memory, or into a spool file past the memory limit."""
        assert item.open is not None
        cap = self.limits.memory_bytes
        try:
            with item.open() as stream:
                data = stream.read(cap + 1)
                if len(data) <= cap:
                    return _replace(item, content=data)
                if self.limits.spool_dir is None:
                    raise EvidenceError(
                        "unreadable", f"larger than {cap:,} bytes and no spool folder"
                    )
                self.limits.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd, name = tempfile.mkstemp(dir=self.limits.spool_dir, prefix="member-")
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    del data
                    shutil.copyfileobj(stream, out, 1024 * 1024)
                return _replace(item, spooled=Path(name))
        except EvidenceError as exc:
            return _failed(item, exc)
        except Exception as exc:  # hostile evidence: any reader failure is a row
            return _failed(item, EvidenceError("unreadable", f"cannot read: {exc}"))

    def _expand(self, item: ContentItem, head: bytes, depth: int) -> Iterator[ContentItem]:
        kind = container_kind(head) if item.readable else None
        if kind is None:
            yield item
            return
        if depth + 1 > self.limits.max_depth:
            item.extra["container_error"] = EvidenceError(
                "too_deep",
                f"archive nested deeper than {self.limits.max_depth} levels (not opened)",
            )
            yield item
            return
        stream = _seekable(item)
        try:
            members = archive_items(
                stream, kind, item.locator, item.size or 0, self.limits, self.budget
            )
            first = _next(members)
        except EvidenceError as exc:
            stream.close()
            item.extra["container_error"] = exc
            yield item
            return
        item.extra["container"] = kind
        yield item
        try:
            while first is not None:
                yield from self._held(first, depth + 1)
                first = _next_or_error(members, item.locator)
        finally:
            stream.close()


def _peek(item: ContentItem) -> bytes:
    assert item.open is not None
    try:
        with item.open() as stream:
            return stream.read(HEAD)
    except Exception:  # read again in full below, and the failure becomes a row
        return b"PK\x03\x04"


def _skipped(item: ContentItem) -> ContentItem:
    return ContentItem(item.locator, item.size, None, extra={"skipped": True})


def _next(members: Iterator[ContentItem]) -> ContentItem | None:
    try:
        return next(members)
    except StopIteration:
        return None
    except EvidenceError:
        raise
    except Exception as exc:  # a reader failing on hostile input
        raise EvidenceError("corrupt_archive", f"corrupt archive: {exc}") from None


def _next_or_error(members: Iterator[ContentItem], where: Locator) -> ContentItem | None:
    try:
        return _next(members)
    except EvidenceError as exc:
        return ContentItem(where.child("(rest of the archive)"), None, None, error=exc)


def _seekable(item: ContentItem) -> BinaryIO:
    content = item.extra.get("content")
    if isinstance(content, bytes):
        return io.BytesIO(content)
    spooled = item.extra.get("spooled")
    if isinstance(spooled, Path):
        return open(spooled, "rb")
    if item.path is not None:
        return open_file(item.path)
    assert item.open is not None and item.extra.get("seekable")
    return item.open()


def _head_of(item: ContentItem) -> bytes:
    content = item.extra.get("content")
    if isinstance(content, bytes):
        return content[:HEAD]
    spooled = _spool_path(item)
    if spooled is not None:
        with open(spooled, "rb") as fh:
            return fh.read(HEAD)
    return b""


def _spool_path(item: ContentItem) -> Path | None:
    spooled = item.extra.get("spooled")
    return spooled if isinstance(spooled, Path) else None


def _replace(item: ContentItem, **extra: object) -> ContentItem:
    content = extra.get("content")
    spooled = extra.get("spooled")
    if isinstance(content, bytes):

        def opener() -> BinaryIO:
            return io.BytesIO(content)

        size = len(content)
    else:
        assert isinstance(spooled, Path)

        def opener() -> BinaryIO:
            return open(spooled, "rb")

        size = spooled.stat().st_size
    return ContentItem(
        item.locator,
        size,
        opener,
        modified=item.modified,
        created=item.created,
        accessed=item.accessed,
        deleted=item.deleted,
        extra={**item.extra, **extra},
    )


def _failed(item: ContentItem, error: EvidenceError) -> ContentItem:
    code = error.code
    if item.deleted and code == "unreadable":
        code = "deleted_unrecoverable"
    return ContentItem(
        item.locator,
        item.size,
        None,
        deleted=item.deleted,
        error=EvidenceError(code, str(error)),
        extra=item.extra,
    )


def _bad(locator: Locator, code: str, message: str) -> ContentItem:
    return ContentItem(locator, None, None, error=EvidenceError(code, message))


def _locate(rel: Path) -> Locator:
    return Locator.of(str(rel)) if str(rel) != "." else Locator.of(".")
