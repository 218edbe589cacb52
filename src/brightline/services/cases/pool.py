"""Hash content items on every core, in order, with bounded memory in flight.

Plain files go to the workers as paths (each worker reads them read-only, without
touching their access time); members of archives and files of disk images go as the
bytes the source already holds; members spooled to disk (too big to hold) are hashed
here. Workers die with this process (``PR_SET_PDEATHSIG``), so a ``kill -9`` of the
command leaves no orphans.

Until the pipeline work's ``hash_item`` lands, ``hash_job`` is the thin adapter over
``services.hashing``'s functions.
"""

from __future__ import annotations

import ctypes
import io
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from brightline.core.models import FileSignals, ScanResult
from brightline.core.signals.crypto import digests_of_bytes, digests_of_stream
from brightline.core.sources import ContentItem
from brightline.core.sources.disk import open_readonly
from brightline.core.sources.kinds import HEAD, media_kind
from brightline.errors import BrightlineError, EvidenceError
from brightline.services.hashing import MAX_IMAGE_BYTES, HashOptions, hash_bytes

CHUNK_ITEMS = 8
CHUNK_BYTES = 8 * 1024 * 1024
_PR_SET_PDEATHSIG = 1

#: ("path", path) or ("bytes", data): what a worker hashes.
Job = tuple[str, str | bytes]


@dataclass(slots=True)
class Meta:
    """What the parent keeps about an item while its hash is computed."""

    locator: str
    size: int | None
    deleted: bool
    modified: datetime | None
    created: datetime | None
    accessed: datetime | None
    error: BrightlineError | None


def meta_of(item: ContentItem) -> Meta:
    error = item.error
    container_error = item.extra.get("container_error")
    if error is None and isinstance(container_error, BrightlineError):
        error = container_error
    return Meta(
        str(item.locator),
        item.size,
        item.deleted,
        item.modified,
        item.created,
        item.accessed,
        error,
    )


def die_with_parent() -> None:
    """Pool initializer: the kernel kills this worker when its parent dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: nothing to do
        pass


def hash_job(job: Job, opts: HashOptions) -> ScanResult:
    """Digests always; PDQ for images; never raises for bad content."""
    kind, payload = job
    try:
        if kind == "bytes":
            assert isinstance(payload, bytes)
            return _hash_data(payload, opts)
        assert isinstance(payload, str)
        return _hash_path(Path(payload), opts)
    except EvidenceError as exc:
        return ScanResult("", error=f"{exc.code}: {exc}")
    except Exception as exc:  # hostile evidence: any failure to read is a row
        return ScanResult("", error=f"unreadable: cannot read: {exc}")


def _hash_data(data: bytes, opts: HashOptions) -> ScanResult:
    media_type = media_kind(data[:HEAD])
    if media_type is not None and media_type.startswith("image/") and data:
        return hash_bytes(data, opts)
    md5, sha1, sha256 = digests_of_bytes(data)
    return ScanResult("", FileSignals.of(md5, sha1, sha256, len(data), media_type))


def _hash_path(path: Path, opts: HashOptions) -> ScanResult:
    with os.fdopen(open_readonly(path), "rb") as fh:
        return hash_stream(fh, opts, os.fstat(fh.fileno()).st_size)


def hash_stream(fh: BinaryIO, opts: HashOptions, size: int | None = None) -> ScanResult:
    """Hash a stream: images up to MAX_IMAGE_BYTES are read whole (to decode), the
    rest is streamed, so a huge file never costs its size in memory."""
    head = fh.read(HEAD)
    media_type = media_kind(head)
    image = bool(media_type and media_type.startswith("image/"))
    if image and (size is None or 0 < size <= MAX_IMAGE_BYTES):
        # read(n) allocates n bytes up front: ask for the known size when there is one
        want = (size if size is not None else MAX_IMAGE_BYTES) + 1 - len(head)
        rest = fh.read(max(want, 1))
        if len(head) + len(rest) <= MAX_IMAGE_BYTES:
            return hash_bytes(head + rest, opts)
        md5, sha1, sha256, size = digests_of_stream(_chain(head + rest, fh))
    else:
        md5, sha1, sha256, size = digests_of_stream(_chain(head, fh))
    result = ScanResult("", FileSignals.of(md5, sha1, sha256, size, media_type))
    if media_type and media_type.startswith("image/"):
        result.error = f"image too large to decode ({size:,} bytes)"
    return result


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


def job_of(item: ContentItem) -> Job | None:
    """The job for a readable item, or None when it must be hashed here (spooled)."""
    content = item.extra.get("content")
    if isinstance(content, bytes):
        return ("bytes", content)
    if item.path is not None:
        return ("path", str(item.path))
    return None


def _hash_chunk(jobs: list[Job], opts: HashOptions) -> list[ScanResult]:
    return [hash_job(job, opts) for job in jobs]


class _Chunk:
    def __init__(self) -> None:
        self.metas: list[Meta] = []
        self.jobs: list[Job] = []
        self.bytes = 0


Pending = tuple[list[Meta], "Future[list[ScanResult]] | list[ScanResult | None]"]


def hash_items(
    items: Iterable[ContentItem], opts: HashOptions, workers: int = 0
) -> Iterator[tuple[Meta, ScanResult | None]]:
    """``(meta, result)`` per item in order; ``result`` is None for an item not read."""
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for item in items:
            meta = meta_of(item)
            yield meta, _hash_here(item, opts)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent) as pool:
        pending: deque[Pending] = deque()
        chunk = _Chunk()
        for item in items:
            meta = meta_of(item)
            job = job_of(item) if item.readable else None
            if job is None:  # unreadable or spooled: settled here, in order
                if chunk.jobs:
                    pending.append((chunk.metas, pool.submit(_hash_chunk, chunk.jobs, opts)))
                    chunk = _Chunk()
                pending.append(([meta], [_hash_here(item, opts)]))
            else:
                chunk.metas.append(meta)
                chunk.jobs.append(job)
                chunk.bytes += len(job[1]) if isinstance(job[1], bytes) else 0
                if len(chunk.jobs) >= CHUNK_ITEMS or chunk.bytes >= CHUNK_BYTES:
                    pending.append((chunk.metas, pool.submit(_hash_chunk, chunk.jobs, opts)))
                    chunk = _Chunk()
            while len(pending) > workers * 3:
                yield from _settle(pending.popleft())
        if chunk.jobs:
            pending.append((chunk.metas, pool.submit(_hash_chunk, chunk.jobs, opts)))
        while pending:
            yield from _settle(pending.popleft())


def _settle(entry: Pending) -> Iterator[tuple[Meta, ScanResult | None]]:
    metas, outcome = entry
    results = outcome if isinstance(outcome, list) else outcome.result()
    yield from zip(metas, results, strict=True)


def _hash_here(item: ContentItem, opts: HashOptions) -> ScanResult | None:
    if not item.readable:
        return None
    job = job_of(item)
    if job is not None:
        return hash_job(job, opts)
    spooled = item.extra.get("spooled")
    if isinstance(spooled, Path):
        return hash_job(("path", str(spooled)), opts)
    if item.extra.get("stream") and item.open is not None:
        try:
            with item.open() as stream:
                return hash_stream(stream, opts)
        except EvidenceError as exc:
            return ScanResult("", error=f"{exc.code}: {exc}")
        except Exception as exc:  # hostile evidence: any failure to read is a row
            return ScanResult("", error=f"unreadable: cannot read: {exc}")
    return None
