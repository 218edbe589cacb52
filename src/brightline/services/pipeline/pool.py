"""One hashing pool for every source: items in, ``(item, result)`` out, in order.

Work goes to processes on every core in chunks (at most ``CHUNK_ITEMS`` items or
``CHUNK_BYTES`` of held bytes), with a bounded number of chunks in flight so a folder
of millions of files, or an exhibit of terabytes, never piles up in memory. Plain
files go to the workers as paths, members an archive's source holds as bytes; items
that cannot be sent (streams, unreadable items) are settled here, in order.

The processes end with the work: on an exception, or when the caller stops reading,
they are stopped; ``request_stop`` (safe in a signal handler: it kills them and
raises nothing, since an exception thrown into the pool's own locking could hang the
exit) makes the work raise ``ScanStopped`` from its own code; if the parent is killed
outright (``kill -9``) the kernel kills them (``children.worker_init``).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from itertools import chain

from brightline.core.models import ScanResult
from brightline.core.sources import ContentItem
from brightline.services.children import worker_init
from brightline.services.hashing import HashOptions
from brightline.services.pipeline.hashing import Work, hash_item, hash_work, work_of

CHUNK_ITEMS = 8
CHUNK_BYTES = 8 * 1024 * 1024
#: Chunks in flight per worker.
IN_FLIGHT = 3
_ACTIVE_POOLS: set[ProcessPoolExecutor] = set()

Hashed = tuple[ContentItem, ScanResult]


class ScanStopped(Exception):
    """A stop was requested (``request_stop``: Ctrl-C, SIGTERM); ``signum`` says which."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"stopped by signal {signum}")


class _Stop:
    signum: int | None = None


def request_stop(signum: int) -> None:
    """Stop all hashing of this process soon, safely: safe to call from a signal
    handler (it raises nothing there). The hashing processes are killed at once; the
    work then raises ``ScanStopped`` from its own code, where cleaning up is safe."""
    _Stop.signum = signum
    for pool in list(_ACTIVE_POOLS):
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.kill(process.pid, signal.SIGKILL)


def clear_stop() -> None:
    _Stop.signum = None


def check_stop() -> None:
    """Raise ``ScanStopped`` if a stop was requested."""
    if _Stop.signum is not None:
        raise ScanStopped(_Stop.signum)


def hash_items(
    items: Iterable[ContentItem], opts: HashOptions, workers: int = 0, *, evidence: bool = False
) -> Generator[Hashed, None, None]:
    """``(item, result)`` per item in order, on ``workers`` processes (0 = one per core,
    1 = in-process). The item comes back without the bytes it held (``extra["content"]``)."""
    workers = workers or os.cpu_count() or 1
    items = iter(items)
    head: list[ContentItem] = []
    few = False
    if workers > 1:
        # Look ahead past the first chunk (a stream, valid only until the source moves
        # on, ends the look-ahead): if that is all, one worker would get it anyway.
        for item in items:
            head.append(item)
            if len(head) > CHUNK_ITEMS or work_of(item) is None:
                break
        else:
            few = True
    if workers == 1 or few:  # hash here, without starting a pool
        for item in chain(head, items):
            check_stop()
            yield _light(item), hash_item(item, opts, evidence=evidence)
        return
    items = chain(head, items)
    pool = ProcessPoolExecutor(workers, initializer=worker_init, initargs=(os.getpid(),))
    _ACTIVE_POOLS.add(pool)
    finished = False
    try:
        yield from _run(pool, items, opts, workers, evidence)
        finished = True
    finally:
        _ACTIVE_POOLS.discard(pool)
        if finished:
            pool.shutdown(wait=True)
        else:  # Ctrl-C, an error, the caller stopped reading: stop the workers now
            stop_pool(pool)


def hash_results(
    items: Iterable[ContentItem], opts: HashOptions, workers: int = 0
) -> Iterator[ScanResult]:
    """The results alone (``brightline hash``)."""
    for _, result in hash_items(items, opts, workers):
        yield result


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what is queued, kill its processes, do not wait."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)


class _Chunk:
    def __init__(self) -> None:
        self.items: list[ContentItem] = []
        self.work: list[tuple[Work, str]] = []
        self.bytes = 0


_Pending = tuple[list[ContentItem], "Future[list[ScanResult]] | list[ScanResult]"]


def _run(
    pool: ProcessPoolExecutor,
    items: Iterable[ContentItem],
    opts: HashOptions,
    workers: int,
    evidence: bool,
) -> Iterator[Hashed]:
    pending: deque[_Pending] = deque()
    chunk = _Chunk()

    def send() -> None:
        nonlocal chunk
        if chunk.work:
            check_stop()
            future = pool.submit(_hash_chunk, chunk.work, opts, evidence)
            pending.append((chunk.items, future))
            chunk = _Chunk()

    for item in items:
        work = work_of(item) if item.readable else None
        if work is None:  # unreadable, or a stream: settled here, in order
            send()
            pending.append(([_light(item)], [hash_item(item, opts, evidence=evidence)]))
        else:
            chunk.items.append(_light(item))
            chunk.work.append((work, str(item.locator)))
            chunk.bytes += len(work[1]) if isinstance(work[1], bytes) else 0
            if len(chunk.work) >= CHUNK_ITEMS or chunk.bytes >= CHUNK_BYTES:
                send()
        while len(pending) > workers * IN_FLIGHT:
            yield from _settle(pending.popleft())
    send()
    while pending:
        yield from _settle(pending.popleft())


def _settle(entry: _Pending) -> Iterator[Hashed]:
    items, outcome = entry
    check_stop()
    if isinstance(outcome, list):
        results = outcome
    else:
        try:
            results = outcome.result()
        except BrokenProcessPool:
            check_stop()
            raise
    yield from zip(items, results, strict=True)


def _hash_chunk(
    work: list[tuple[Work, str]], opts: HashOptions, evidence: bool
) -> list[ScanResult]:
    return [hash_work(w, opts, name, evidence=evidence) for w, name in work]


def _light(item: ContentItem) -> ContentItem:
    """The item without the bytes it holds (they went to a worker), to keep in order."""
    if isinstance(item.extra.get("content"), bytes):
        extra = {k: v for k, v in item.extra.items() if k != "content"}
        return replace(item, extra=extra)
    return item
