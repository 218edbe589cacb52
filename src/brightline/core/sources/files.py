"""Files and folders as a Source: every path met becomes an item, readable or not.

Folders are walked recursively in a stable order (in each folder: its files by name,
then its sub-folders by name), without following symbolic links to folders. What
cannot be hashed is not skipped: a FIFO, a socket, a device, a broken symbolic link,
a link loop, a link to a folder or to a special file (``/dev/zero``), an unreadable
folder, each is an item with ``error`` set and no ``open``, so the scan gives it a
row with a reason. A FIFO is never opened (opening one blocks until a writer comes).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO

from brightline.core.sources.base import ContentItem, Locator
from brightline.errors import UnreadableContentError

_KINDS = (
    (stat.S_ISFIFO, "fifo", "a FIFO (named pipe): not read"),
    (stat.S_ISSOCK, "socket", "a socket: not read"),
    (stat.S_ISCHR, "device", "a character device: not read"),
    (stat.S_ISBLK, "device", "a block device: not read"),
)


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading only if it is (still) a regular file.

    ``O_NONBLOCK`` keeps a path swapped for a FIFO since it was listed from blocking
    the open; the file-type check on the open descriptor refuses it.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@dataclass(frozen=True, slots=True)
class FileSource:
    """Files and folders named by ``paths`` (as given: the locator is the path text)."""

    paths: Sequence[Path]

    def items(self) -> Iterator[ContentItem]:
        for path in self.paths:
            yield from _walk(path)

    def count(self) -> int:
        """How many items ``items()`` yields (walks the folders once)."""
        return sum(1 for _ in self.items())


def _walk(top: Path) -> Iterator[ContentItem]:
    try:
        st = os.lstat(top)
    except OSError as exc:
        yield _failed(top, "unreadable", f"cannot read: {exc.strerror or exc}")
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _walk_folder(top)
    else:
        yield _entry(top, st)


def _walk_folder(top: Path) -> Iterator[ContentItem]:
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield _failed(folder, "unreadable_folder", f"cannot read folder: {_why(exc)}")
            continue
        subfolders: list[Path] = []
        for entry in entries:
            path = folder / entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                yield _failed(path, "unreadable", f"cannot read: {_why(exc)}")
                continue
            if stat.S_ISDIR(st.st_mode):
                subfolders.append(path)
            else:
                yield _entry(path, st)
        stack.extend(reversed(subfolders))


def _entry(path: Path, st: os.stat_result) -> ContentItem:
    """An item for a non-folder path; ``st`` is its ``lstat``."""
    if stat.S_ISLNK(st.st_mode):
        return _link(path)
    if stat.S_ISREG(st.st_mode):
        return _regular(path, st)
    for test, code, message in _KINDS:
        if test(st.st_mode):
            return _failed(path, code, message)
    return _failed(path, "special_file", "not a regular file: not read")


def _link(path: Path) -> ContentItem:
    try:
        target = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _failed(path, "symlink_loop", "symbolic link loop: not followed")
        return _failed(path, "broken_symlink", "broken symbolic link: its target does not exist")
    if stat.S_ISREG(target.st_mode):
        return _regular(path, target)
    if stat.S_ISDIR(target.st_mode):
        return _failed(path, "symlink_folder", "symbolic link to a folder: not followed")
    return _failed(path, "symlink_special", "symbolic link to a special file: refused")


def _regular(path: Path, st: os.stat_result) -> ContentItem:
    return ContentItem(
        locator=Locator.of(str(path)),
        size=st.st_size,
        open=partial(open_regular, path),
        path=path,
        modified=_time(st.st_mtime),
        accessed=_time(st.st_atime),
        extra={"inode": st.st_ino, "device": st.st_dev},
    )


def _failed(path: Path, code: str, message: str) -> ContentItem:
    return ContentItem(
        locator=Locator.of(str(path)),
        size=None,
        open=None,
        path=path,
        error=UnreadableContentError(code, message),
    )


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _time(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
