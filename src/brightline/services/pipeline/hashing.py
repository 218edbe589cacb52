"""Hash one content item: the one function every source's items go through.

``hash_item(item, opts) -> ScanResult`` never raises for bad content. An item the
source could not read (``item.error``) comes back as a row with that reason and its
code. An image up to ``MAX_IMAGE_BYTES`` is read once (digests and PDQ from the same
bytes); anything else, a 4 GB video included, is hashed in 1 MiB chunks and never
held in memory whole. Every error row carries ``{code, message}`` from where the
problem was met (``services.hashing`` sets both).

``evidence=True`` is a case's mode: files are opened without touching their access
time, any failure to read is a row (never an exception: evidence may be hostile), an
empty file keeps its digests, and a video no registered sniffer knows keeps its media
type (from the case's own container sniffing), so a case can tell media from other
files. Members an exhibit's source holds as bytes (``extra["content"]``), spooled to
disk (``extra["spooled"]``) or streams (``extra["stream"]``) are hashed the same way.
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from brightline.core import signals as signal_types
from brightline.core.models import FileSignals, ScanResult
from brightline.core.signals import VIDEO, SignalValue
from brightline.core.signals.content import content_type_of
from brightline.core.sources import ContentItem
from brightline.core.sources.base import open_readonly
from brightline.core.sources.kinds import HEAD, media_kind
from brightline.errors import BrightlineError, error_dict
from brightline.services.hashing import (
    MAX_IMAGE_BYTES,
    HashOptions,
    hash_bytes,
    hash_path,
    hash_stream,
)

#: ("path", path) or ("bytes", data): what a hashing worker is handed for an item.
Work = tuple[str, str | bytes]


def hash_item(item: ContentItem, opts: HashOptions, *, evidence: bool = False) -> ScanResult:
    """Digests always, every content signal that applies; a problem as
    ``error`` + ``error_code``."""
    name = str(item.locator)
    if item.error is not None or not item.readable:
        return unreadable(name, item.error)
    if evidence:
        work = work_of(item)
        if work is not None:
            return hash_work(work, opts, name, evidence=True)
        return _hash_held(item, opts, name)
    if item.open is None:
        return unreadable(name, None)
    try:
        return _hash_stream(item, opts, name)
    except OSError as exc:
        return ScanResult(
            name, error=f"cannot read file: {exc.strerror or exc}", error_code="unreadable"
        )


def unreadable(name: str, error: BaseException | None) -> ScanResult:
    """The row of an item its source could not open."""
    err = error or BrightlineError("the source could not open this item")
    return ScanResult(name, error=str(err), error_code=getattr(err, "code", "unreadable"))


def work_of(item: ContentItem) -> Work | None:
    """What a worker process hashes for a readable item (bytes an archive's source holds,
    or a path), or None when it must be hashed where the item is (a stream, a spool
    file that lasts only until the source moves on)."""
    content = item.extra.get("content")
    if isinstance(content, bytes):
        return ("bytes", content)
    if item.path is not None:
        return ("path", str(item.path))
    return None


def hash_work(work: Work, opts: HashOptions, name: str = "", *, evidence: bool) -> ScanResult:
    """Hash what ``work_of`` gave (in a worker process or here)."""
    kind, payload = work
    if not evidence:
        if isinstance(payload, bytes):
            return hash_bytes(payload, opts, name)
        result = hash_path(Path(payload), opts)
        result.path = name or payload
        return result
    try:
        if kind == "bytes":
            assert isinstance(payload, bytes)
            return _for_case(hash_bytes(payload, opts, name), payload[:HEAD])
        assert isinstance(payload, str)
        with os.fdopen(open_readonly(Path(payload)), "rb") as fh:
            head = fh.peek(HEAD)[:HEAD]  # buffered: read once, by the hashing too
            size = os.fstat(fh.fileno()).st_size
            return _for_case(hash_stream(fh, opts, name, size), head)
    except Exception as exc:  # hostile evidence: any failure to read is a row
        return failed(name, exc)


def _hash_stream(item: ContentItem, opts: HashOptions, name: str) -> ScanResult:
    if item.path is not None:
        result = hash_path(item.path, opts)
        result.path = name
        return result
    assert item.open is not None
    with item.open() as fh:
        if isinstance(fh, io.BytesIO) and fh.getbuffer().nbytes <= MAX_IMAGE_BYTES:
            return hash_bytes(fh.getvalue(), opts, name)  # in memory already: no copy
        return hash_stream(fh, opts, name, item.size)


def _hash_held(item: ContentItem, opts: HashOptions, name: str) -> ScanResult:
    """Evidence hashed where it is: a member spooled to disk (the source removes the
    file once iteration moves on), or a stream (a big member of a disk image)."""
    spooled = item.extra.get("spooled")
    if isinstance(spooled, Path):
        return hash_work(("path", str(spooled)), opts, name, evidence=True)
    if item.extra.get("stream") and item.open is not None:
        try:
            with item.open() as fh:
                head = fh.read(HEAD)
                result = hash_stream(_chain(head, fh), opts, name, item.size)
                return _for_case(result, head)
        except Exception as exc:  # hostile evidence: any failure to open is a row
            return failed(name, exc)
    return ScanResult(name, error="could not be read", error_code="unreadable")


def failed(name: str, exc: BaseException) -> ScanResult:
    """The row of content that could not be read: a reason and a stable code."""
    if isinstance(exc, BrightlineError):
        found = error_dict(exc)
        return ScanResult(name, error=found["message"], error_code=found["code"])
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:  # a library failing on hostile bytes: its text says what, not the content
        reason = f"{type(exc).__name__}: {exc}"[:300]
    return ScanResult(name, error=f"cannot read: {reason}", error_code="unreadable")


def _for_case(result: ScanResult, head: bytes) -> ScanResult:
    """The digests of an empty file, and the media type of a video no registered
    sniffer knows yet (a case then calls it ``unknown``, not ``other``)."""
    if result.error_code == "empty_file" and result.signals is None:
        result.signals = FileSignals(0, None, _empty_digests())
    signals = result.signals
    if signals is not None and signals.media_type is None:
        found = media_kind(head)
        if found is not None and content_type_of(found) == VIDEO:
            result.signals = replace(signals, media_type=found)
    return result


def _empty_digests() -> dict[str, SignalValue]:
    values = {}
    for signal in signal_types.all_types():
        digest = signal.new_digest()
        if digest is not None:
            values[signal.name] = SignalValue(digest.hexdigest())
    return values


class _Chain(io.RawIOBase):
    """Bytes already read, then the rest of the stream."""

    def __init__(self, first: bytes, rest: BinaryIO):
        self.first, self.rest = memoryview(first), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buf: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.first.nbytes:
            n = min(len(buf), self.first.nbytes)
            buf[:n] = self.first[:n]
            self.first = self.first[n:]
            return n
        data = self.rest.read(len(buf))
        buf[: len(data)] = data
        return len(data)


def _chain(first: bytes, rest: BinaryIO) -> BinaryIO:
    return io.BufferedReader(_Chain(first, rest), 1 << 20)
