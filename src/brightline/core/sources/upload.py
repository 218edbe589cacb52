"""An upload body as a Source: bytes arriving in chunks, kept in memory while small
and spooled to a temporary file past ``spool_bytes``, so hashing streams it.

::

    with UploadBody("photo.jpg") as body:
        for chunk in chunks:
            body.write(chunk)
        item = body.item()        # a ContentItem; open() gives a fresh stream
        ...                       # the temporary file is removed on exit
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from brightline.core.sources.base import ContentItem, Locator

#: Bodies up to this size stay in memory; larger ones go to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
#: The locator of an upload sent without a file name.
UNNAMED = "<upload>"


class UploadBody:
    """One uploaded file. ``write`` chunks, then ``item()``; ``close()`` (or leaving
    the ``with`` block) removes the temporary file."""

    def __init__(
        self,
        name: str | None = None,
        *,
        spool_bytes: int = SPOOL_BYTES,
        folder: Path | None = None,
    ):
        self.name = name
        self.size = 0
        self._spool_bytes = spool_bytes
        self._folder = folder
        self._memory: io.BytesIO | None = io.BytesIO()
        self._bytes: bytes | None = None  # the body, once written, when it is small
        self._file: BinaryIO | None = None
        self._path: Path | None = None

    @classmethod
    def of(cls, data: bytes, name: str | None = None) -> UploadBody:
        """A body already in memory (a test, a fetched file); not copied."""
        body = cls(name, spool_bytes=max(len(data), 1))
        body.size = len(data)
        body._memory = None
        body._bytes = data
        return body

    def write(self, chunk: bytes) -> None:
        if self._bytes is not None:
            raise ValueError("this upload body is complete")
        self.size += len(chunk)
        if self._memory is not None:
            self._memory.write(chunk)
            if self._memory.tell() > self._spool_bytes:
                self._spill()  # the chunk goes with what was in memory
            return
        assert self._file is not None
        self._file.write(chunk)

    def _spill(self) -> None:
        assert self._memory is not None
        fd, name = tempfile.mkstemp(prefix="brightline-upload-", dir=self._folder)
        self._path = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._file.write(self._memory.getbuffer())
        self._memory = None

    @property
    def spooled(self) -> bool:
        """True once the body went to a temporary file."""
        return self._path is not None

    def data(self) -> bytes | None:
        """The bytes, when they are in memory."""
        if self._memory is not None:
            self._bytes, self._memory = self._memory.getvalue(), None
        return self._bytes

    def item(self) -> ContentItem:
        """The body as a content item; writing is over."""
        if self._file is not None:
            self._file.flush()
        self.data()
        return ContentItem(
            locator=Locator.of(self.name or UNNAMED),
            size=self.size,
            open=self._open,
            path=self._path,
        )

    def _open(self) -> BinaryIO:
        if self._path is not None:
            return open(self._path, "rb")
        assert self._bytes is not None, "the upload body was closed"
        return io.BytesIO(self._bytes)  # shares the bytes until written to

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None
        self._memory = self._bytes = None

    def __enter__(self) -> UploadBody:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class UploadSource:
    """The items of one request's uploads, in order."""

    def __init__(self, bodies: list[UploadBody]):
        self.bodies = bodies

    def items(self) -> Iterator[ContentItem]:
        for body in self.bodies:
            yield body.item()
