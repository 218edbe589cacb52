"""The Source seam and the content item it yields."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from brightline.errors import BrightlineError


@dataclass(frozen=True, slots=True)
class Locator:
    """Where an item is: a chain of parts, outermost first.

    ``("disk.E01", "p1", "Users/x/a.zip", "b/c.jpg")`` is ``c.jpg`` in folder ``b`` of
    ``a.zip``, found at ``Users/x`` in partition 1 of ``disk.E01``. ``str()`` joins the
    parts with ``/``, which is the ``path`` people and JSON rows see.
    """

    parts: tuple[str, ...]

    @classmethod
    def of(cls, *parts: str) -> Locator:
        return cls(tuple(p for p in parts if p))

    def child(self, *parts: str) -> Locator:
        return Locator(self.parts + tuple(p for p in parts if p))

    @property
    def depth(self) -> int:
        """How many containers deep: 0 for a plain file."""
        return len(self.parts) - 1

    @property
    def name(self) -> str:
        return self.parts[-1].rsplit("/", 1)[-1] if self.parts else ""

    def __str__(self) -> str:
        return "/".join(self.parts)


@dataclass(slots=True)
class ContentItem:
    """One piece of content a source found.

    ``open`` returns a fresh binary stream positioned at the start each time it is
    called; the caller closes it. ``path`` is set when the content is a plain file on
    the local file system, so code that needs a path (native decoders) can skip the
    stream. ``error`` is set, and ``open`` is None, for something the source met but
    cannot read (a FIFO, a broken symlink, an encrypted archive member): it still
    becomes a result row with a reason.
    """

    locator: Locator
    size: int | None
    open: Callable[[], BinaryIO] | None
    path: Path | None = None
    modified: datetime | None = None
    created: datetime | None = None
    accessed: datetime | None = None
    #: A deleted file recovered from a file system (disk images).
    deleted: bool = False
    error: BrightlineError | None = None
    #: Anything else the source knows (inode, partition offset, archive method…).
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def readable(self) -> bool:
        return self.error is None and self.open is not None


class Source(Protocol):
    """Yields content items. Iteration order is stable for the same input, so an
    interrupted job can skip what it has done by locator."""

    def items(self) -> Iterator[ContentItem]: ...


def open_readonly(path: Path) -> int:
    """A read-only descriptor that does not update the access time where allowed."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        return os.open(path, flags | noatime)
    except PermissionError:
        if not noatime:
            raise
        return os.open(path, flags)  # O_NOATIME needs to own the file
