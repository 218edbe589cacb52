"""Input streams as the readers want them: the head kept for sniffing, the byte-order
mark gone, UTF-16 recoded to UTF-8, and lines of bounded length."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from brightline.errors import FormatError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

HEAD_SIZE = 64 * 1024
MAX_LINE = 1024 * 1024  # a longer "line" is reported, never held in memory whole

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def read_head(stream: BinaryIO, size: int = HEAD_SIZE) -> bytes:
    """Read up to ``size`` bytes; raw streams may return short reads before EOF."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def utf8_head(head: bytes) -> bytes:
    """The head as BOM-less UTF-8 bytes (UTF-16 with a BOM is recoded)."""
    if head.startswith(UTF8_BOM):
        return head[len(UTF8_BOM) :]
    if head.startswith(UTF16_BOMS):
        decoder = codecs.getincrementaldecoder("utf-16")("strict")
        try:
            # final=False: the head may end inside a surrogate pair.
            return decoder.decode(head, final=False).encode("utf-8")
        except UnicodeError:
            raise FormatError("not valid UTF-16 text", location="byte 0") from None
    return head


def utf8_stream(head: bytes, rest: BinaryIO) -> io.BufferedReader:
    """``head`` followed by ``rest``, as one BOM-less UTF-8 byte stream."""
    if head.startswith(UTF8_BOM):
        head = head[len(UTF8_BOM) :]
    raw: io.RawIOBase = _Prefixed(head, rest)
    if head.startswith(UTF16_BOMS):
        raw = _Utf16ToUtf8(io.BufferedReader(raw))
    return io.BufferedReader(raw, buffer_size=HEAD_SIZE)


def iter_lines(
    buf: io.BufferedReader, source: str | None
) -> Iterator[tuple[int, str | FormatError]]:
    """Yield ``(line number, text with its newline)`` or a FormatError for that line."""
    lineno = 0
    while True:
        line = buf.readline(MAX_LINE + 1)
        if not line:
            return
        lineno += 1
        if len(line) > MAX_LINE:
            skip_rest_of_line(buf, line)
            yield lineno, FormatError("line longer than 1 MiB", f"line {lineno}", source)
            continue
        try:
            yield lineno, line.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"not valid UTF-8 at column {exc.start + 1}"
            yield lineno, FormatError(reason, f"line {lineno}", source)


def skip_rest_of_line(buf: io.BufferedReader, line: bytes) -> None:
    while not line.endswith(b"\n"):
        line = buf.readline(MAX_LINE)
        if not line:
            return


class _Prefixed(io.RawIOBase):
    """Replays ``head``, then reads on from ``rest``."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(view))
        n = len(data)
        view[:n] = data
        return n


class _Utf16ToUtf8(io.RawIOBase):
    """Decodes UTF-16 (BOM first) and serves it as UTF-8 bytes, a chunk at a time."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-16")("strict")
        self._pending = memoryview(b"")
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending and not self._eof:
            chunk = self._raw.read(HEAD_SIZE)
            self._eof = not chunk
            try:
                text = self._decoder.decode(chunk, final=self._eof)
            except UnicodeError:
                raise FormatError("not valid UTF-16 text") from None
            self._pending = memoryview(text.encode("utf-8"))
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n
