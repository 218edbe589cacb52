"""Hash content items on every core, in order, with bounded memory in flight.

Plain files go to the workers as paths (each worker reads them read-only, without
touching their access time); members of archives and files of disk images go as the
bytes the source already holds; members spooled to disk (too big to hold) and
streamed ones are hashed here; all through ``cases.hashing`` (the shared hashing).
Workers end with this process (``children.worker_init``): a ``kill -9`` of the
command leaves no orphans; Ctrl-C reaches only this process, which stops them.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from brightline.core.models import ScanResult
from brightline.core.sources import ContentItem
from brightline.errors import BrightlineError
from brightline.services.cases.hashing import Job, failed, hash_job, hash_open
from brightline.services.children import worker_init
from brightline.services.hashing import HashOptions
from brightline.services.scan import stop_pool

CHUNK_ITEMS = 8
CHUNK_BYTES = 8 * 1024 * 1024


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
) -> Generator[tuple[Meta, ScanResult | None], None, None]:
    """``(meta, result)`` per item in order; ``result`` is None for an item not read."""
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for item in items:
            meta = meta_of(item)
            yield meta, _hash_here(item, opts)
        return
    pool = ProcessPoolExecutor(workers, initializer=worker_init, initargs=(os.getpid(),))
    finished = False
    try:
        yield from _run(pool, items, opts, workers)
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # Ctrl-C, an error, the caller stopped reading: stop the workers now
            stop_pool(pool)


def _run(
    pool: ProcessPoolExecutor, items: Iterable[ContentItem], opts: HashOptions, workers: int
) -> Iterator[tuple[Meta, ScanResult | None]]:
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
                return hash_open(stream, opts, "", item.size)
        except Exception as exc:  # hostile evidence: any failure to open is a row
            return failed("", exc)
    return None
