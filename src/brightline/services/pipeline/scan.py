"""Scan files and folders: the items of a ``FileSource`` through a job.

``scan(paths, job, matcher)`` yields one result per path met (every file, and every
path that cannot be read as a row with its reason), in a stable order, once its
batch is matched, recorded and acted on (``pipeline.job.Job.run``). Stopping:
``pipeline.pool.request_stop`` (Ctrl-C, SIGTERM) kills the hashing processes and the
scan raises ``ScanStopped`` from its own code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from brightline.core.models import ScanResult
from brightline.core.sources import ContentItem
from brightline.core.sources.files import FileSource
from brightline.errors import UsageError
from brightline.services.hashing import HashOptions
from brightline.services.pipeline.pool import (
    ScanStopped,
    check_stop,
    clear_stop,
    hash_results,
    request_stop,
)

if TYPE_CHECKING:  # matching pulls in the store: `brightline hash` never needs it
    from brightline.services.lists.matching import Matcher
    from brightline.services.pipeline.job import Job

__all__ = [
    "ScanStopped",
    "check_paths",
    "check_stop",
    "clear_stop",
    "count_files",
    "hash_files",
    "iter_files",
    "request_stop",
    "scan",
    "scan_items",
]


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


def hash_files(files: Iterable[Path], opts: HashOptions, workers: int = 0) -> Iterator[ScanResult]:
    """Hash files (paths) in order, without matching (``brightline hash``, benchmarks)."""
    return hash_results(FileSource(list(files)).items(), opts, workers)


def scan(
    paths: Sequence[Path],
    job: Job,
    matcher: Matcher,
    *,
    skip: Container[str] = frozenset(),
    on_result: Callable[[ScanResult], None] | None = None,
) -> Generator[ScanResult, None, None]:
    """Hash every path under ``paths`` (but those named in ``skip``, already done),
    match it against the job's lists, record it and run the actions."""
    check_paths(paths)
    items = (i for i in FileSource(paths).items() if str(i.locator) not in skip)
    return scan_items(items, job, matcher, on_result=on_result)


def scan_items(
    items: Iterable[ContentItem],
    job: Job,
    matcher: Matcher,
    *,
    on_result: Callable[[ScanResult], None] | None = None,
) -> Generator[ScanResult, None, None]:
    """``scan`` for the items of any source."""
    batches = job.run(items, matcher)
    try:
        for batch in batches:
            for _, result in batch:
                check_stop()
                if on_result:
                    on_result(result)
                yield result
    finally:
        batches.close()
