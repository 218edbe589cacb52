"""Scan content: hash on every core, match in batches, record, one result per item.

The sequence every path runs (CLI ``match``, API ``/v1/match*``, later cases):
items from a ``Source`` -> ``hash_item`` -> ``attach_matches`` -> ``Recorder.record``.
Work is handed to a process pool in chunks, with a bounded number in flight so a
folder of millions of files never piles up in memory; results come back in order.
The pool's processes end with the scan: on an exception they are stopped; a signal
handler calls ``request_stop`` (it kills them and raises nothing, since an exception
thrown into the pool's own locking could hang the exit), and the scan then raises
``ScanStopped`` from its own code; if the parent is killed outright (``kill -9``)
the kernel kills them (``children.die_with_parent``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Container, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING

from brightline.core.models import ScanResult, suppressed_of
from brightline.core.sources import ContentItem
from brightline.core.sources.files import FileSource, open_regular
from brightline.errors import UsageError
from brightline.services.children import worker_init
from brightline.services.hashing import HashOptions
from brightline.services.items import hash_item

if TYPE_CHECKING:  # matching pulls in the store: `brightline hash` never needs it
    from brightline.services.matching import HashMatcher, Matcher, Query
    from brightline.services.recording import Recorder

CHUNK = 8
MATCH_BATCH = 256
_ACTIVE_POOLS: set[ProcessPoolExecutor] = set()


class ScanStopped(Exception):
    """A stop was requested (``request_stop``: Ctrl-C, SIGTERM); ``signum`` says which."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"stopped by signal {signum}")


class _Stop:
    signum: int | None = None


def request_stop(signum: int) -> None:
    """Stop every scan of this process soon, safely: safe to call from a signal
    handler (it raises nothing there). The hashing processes are killed at once; the
    scan then raises ``ScanStopped`` from its own code, where cleaning up is safe."""
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


#: A batch is matched and recorded at the latest this long after its first result.
MATCH_FLUSH_S = 0.5


def check_paths(paths: Sequence[Path]) -> None:
    """Refuse paths that do not exist at all (a broken link exists: it gets a row)."""
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")


def iter_files(paths: Sequence[Path]) -> Iterator[Path]:
    """Every readable regular file under ``paths``, recursively, in a stable order
    (what ``FileSource`` yields, less the paths it cannot read)."""
    for item in FileSource(paths).items():
        if item.readable and item.path is not None:
            yield item.path


def count_files(paths: Sequence[Path]) -> int:
    """How many rows a scan of ``paths`` gives (every path met, readable or not)."""
    return FileSource(paths).count()


def hash_items(
    items: Iterable[ContentItem], opts: HashOptions, workers: int = 0
) -> Iterator[ScanResult]:
    """Hash items in order, on ``workers`` processes (0 = one per core, 1 = in-process).

    Items on the local file system (``path`` set) and items that cannot be read go to
    the pool; others (an archive member, a stream) are hashed here, in order.
    """
    workers = workers or os.cpu_count() or 1
    items = iter(items)
    head = list(islice(items, CHUNK + 1))
    if workers == 1 or len(head) <= CHUNK:
        # One chunk would go to one worker anyway: hash here, without starting a pool.
        for item in chain(head, items):
            check_stop()
            yield hash_item(item, opts)
        return
    items = chain(head, items)
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=worker_init, initargs=(os.getpid(),)
    )
    _ACTIVE_POOLS.add(pool)
    finished = False
    try:
        pending: list[Future[list[ScanResult]]] = []
        chunks = _chunks(items, CHUNK)
        for chunk in islice(chunks, workers * 4):
            pending.append(_submit(pool, chunk, opts))
        while pending:
            done = _result(pending.pop(0))
            for chunk in islice(chunks, 1):
                pending.append(_submit(pool, chunk, opts))
            yield from done
        finished = True
    finally:
        _ACTIVE_POOLS.discard(pool)
        if finished:
            pool.shutdown(wait=True)
        else:
            stop_pool(pool)


def _result(future: Future[list[ScanResult]]) -> list[ScanResult]:
    """A chunk's results; ``ScanStopped`` when a stop killed the pool under it."""
    check_stop()
    try:
        return future.result()
    except BrokenProcessPool:
        check_stop()
        raise


def hash_files(files: Iterable[Path], opts: HashOptions, workers: int = 0) -> Iterator[ScanResult]:
    """Hash files (paths) in order; see ``hash_items``."""
    return hash_items(FileSource(list(files)).items(), opts, workers)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what is queued, kill its processes, do not wait."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)


def scan(
    paths: Sequence[Path],
    matcher: Matcher,
    *,
    list_names: Sequence[str] | None = None,
    opts: HashOptions | None = None,
    workers: int = 0,
    on_result: Callable[[ScanResult], None] | None = None,
    skip: Container[str] = frozenset(),
    recorder: Recorder | None = None,
) -> Generator[ScanResult, None, None]:
    """Hash every path under ``paths`` (but those named in ``skip``, already done),
    match it against the lists and record it."""
    check_paths(paths)
    items = (i for i in FileSource(paths).items() if str(i.locator) not in skip)
    return scan_items(
        items,
        matcher,
        list_names=list_names,
        opts=opts,
        workers=workers,
        on_result=on_result,
        recorder=recorder,
    )


def scan_items(
    items: Iterable[ContentItem],
    matcher: Matcher,
    *,
    list_names: Sequence[str] | None = None,
    opts: HashOptions | None = None,
    workers: int = 0,
    on_result: Callable[[ScanResult], None] | None = None,
    recorder: Recorder | None = None,
) -> Generator[ScanResult, None, None]:
    """``scan`` for the items of any source."""
    opts = opts or HashOptions()
    batch: list[ScanResult] = []
    started = time.monotonic()
    for result in hash_items(items, opts, workers):
        batch.append(result)
        # Full batches for speed; on slow content, results still come out steadily.
        if len(batch) >= MATCH_BATCH or time.monotonic() - started >= MATCH_FLUSH_S:
            yield from _matched(batch, matcher, list_names, on_result, recorder)
            batch = []
            started = time.monotonic()
    yield from _matched(batch, matcher, list_names, on_result, recorder)


def match_and_record(
    results: Sequence[ScanResult],
    matcher: Matcher,
    list_names: Sequence[str] | None,
    recorder: Recorder | None,
) -> None:
    """Attach the matches of hashed results, then record them (the job's items, the
    match log, webhooks when the recorder asks for them)."""
    attach_matches(results, matcher, list_names)
    if recorder is not None:
        recorder.record(results)


def queries_for(result: ScanResult) -> list[Query]:
    """One query per signal of the file (see ``matching.query_of``)."""
    s = result.signals
    if s is None:
        return []
    from brightline.services.matching import query_of

    return [query_of(name, value) for name, value in s.signals.items()]


def attach_matches(
    results: Sequence[ScanResult], matcher: HashMatcher, list_names: Sequence[str] | None
) -> None:
    owners: list[int] = []
    queries: list[Query] = []
    for i, result in enumerate(results):
        for q in queries_for(result):
            owners.append(i)
            queries.append(q)
    found_all = matcher.match(queries, list_names, groups=owners)
    for owner, found in zip(owners, found_all, strict=True):
        results[owner].matches.extend(found)
        results[owner].suppressed.extend(suppressed_of(found))
    from brightline.services.video_matching import attach_frame_matches

    attach_frame_matches(results, matcher, list_names)  # video frames <-> image lists


def _matched(
    batch: list[ScanResult],
    matcher: Matcher,
    list_names: Sequence[str] | None,
    on_result: Callable[[ScanResult], None] | None,
    recorder: Recorder | None,
) -> Iterator[ScanResult]:
    if not batch:
        return
    match_and_record(batch, matcher, list_names, recorder)
    for result in batch:
        check_stop()
        if on_result:
            on_result(result)
        yield result


def _submit(
    pool: ProcessPoolExecutor, chunk: list[ContentItem], opts: HashOptions
) -> Future[list[ScanResult]]:
    check_stop()
    if all(i.path is not None or not i.readable for i in chunk):
        return pool.submit(_hash_chunk, [_portable(i) for i in chunk], opts)
    done: Future[list[ScanResult]] = Future()
    done.set_result([hash_item(i, opts) for i in chunk])
    return done


def _portable(item: ContentItem) -> ContentItem:
    """The item without its (maybe unpicklable) opener; the worker reopens the path."""
    return replace(item, open=None) if item.readable else item


def _hash_chunk(items: list[ContentItem], opts: HashOptions) -> list[ScanResult]:
    out = []
    for item in items:
        if item.open is None and item.error is None and item.path is not None:
            item = replace(item, open=partial(open_regular, item.path))
        out.append(hash_item(item, opts))
    return out


def _chunks(items: Iterable[ContentItem], size: int) -> Iterator[list[ContentItem]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
