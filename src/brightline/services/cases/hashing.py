"""The case's use of the shared hashing (``services.hashing``).

Every registered signal type, the decode-memory bound of ``HashOptions``, and the
stable error codes (``ScanResult.error_code``, from ``items.with_error_code``) are
the shared ones: a signal type registered later (the video work's vPDQ) is
computed in cases with no change here. What this adds is evidence handling: files
are opened without touching their access time, any failure to read is a row (never
an exception), an empty file keeps its digests, and a video that no registered
sniffer knows yet keeps its media type (from the case's own container sniffing), so
``classify`` can tell media from other files. The shared result is otherwise left
as it is: ``not_an_image`` still marks a file that is not a picture, and
``classify`` decides that such a file is ``other`` in a case.
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
from brightline.core.sources.disk import open_readonly
from brightline.core.sources.kinds import HEAD, media_kind
from brightline.errors import BrightlineError, error_dict
from brightline.services.hashing import HashOptions, hash_bytes, hash_stream
from brightline.services.items import with_error_code

#: ("path", path) or ("bytes", data): what a worker hashes.
Job = tuple[str, str | bytes]


def hash_job(job: Job, opts: HashOptions, name: str = "") -> ScanResult:
    """The shared hashing of one job; never raises for bad content."""
    kind, payload = job
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


def hash_open(fh: BinaryIO, opts: HashOptions, name: str, size: int | None) -> ScanResult:
    """The shared hashing of an open stream (a big member of a disk image)."""
    try:
        head = fh.read(HEAD)
        return _for_case(hash_stream(_chain(head, fh), opts, name, size), head)
    except Exception as exc:  # hostile evidence: any failure to read is a row
        return failed(name, exc)


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
    """Give the result its error code, the digests of an empty file, and the media
    type of a video no registered sniffer knows yet (``classify`` then calls it
    ``unknown``, not ``other``). Nothing else of the shared result changes."""
    result = with_error_code(result)
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
