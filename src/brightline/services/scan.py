"""Scan files and folders: hash on every core, match in batches, one result per file.

Work is handed to a process pool in chunks, with a bounded number in flight so a
folder of millions of files never piles up in memory; results come back in order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path

from brightline.core.models import ScanResult
from brightline.errors import UsageError
from brightline.services.hashing import HashOptions, hash_path
from brightline.services.matching import Matcher, Query
from brightline.services.video_matching import attach_video_matches

CHUNK = 8
MATCH_BATCH = 256


def check_paths(paths: Sequence[Path]) -> None:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")


def iter_files(paths: Sequence[Path]) -> Iterator[Path]:
    """Every regular file under ``paths``, recursively, in a stable order.

    Symbolic links to folders are not followed (no loops, no escaping the folder).
    """
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    full = Path(root) / name
                    if full.is_file():
                        yield full
        elif path.is_file():
            yield path


def count_files(paths: Sequence[Path]) -> int:
    return sum(1 for _ in iter_files(paths))


def hash_files(files: Iterable[Path], opts: HashOptions, workers: int = 0) -> Iterator[ScanResult]:
    """Hash files in order, on ``workers`` processes (0 = one per core, 1 = in-process)."""
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for path in files:
            yield hash_path(path, opts)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[list[ScanResult]]] = []
        chunks = _chunks(files, CHUNK)
        for chunk in islice(chunks, workers * 4):
            pending.append(pool.submit(_hash_chunk, chunk, opts))
        while pending:
            done = pending.pop(0).result()
            for chunk in islice(chunks, 1):
                pending.append(pool.submit(_hash_chunk, chunk, opts))
            yield from done


def scan(
    paths: Sequence[Path],
    matcher: Matcher,
    *,
    list_names: Sequence[str] | None = None,
    opts: HashOptions | None = None,
    workers: int = 0,
    on_result: Callable[[ScanResult], None] | None = None,
    skip: Container[str] = frozenset(),
) -> Iterator[ScanResult]:
    """Hash every file under ``paths`` (but those named in ``skip``, already done)
    and match it against the lists."""
    check_paths(paths)
    opts = opts or HashOptions()
    files = (f for f in iter_files(paths) if str(f) not in skip)
    batch: list[ScanResult] = []
    for result in hash_files(files, opts, workers):
        batch.append(result)
        if len(batch) >= MATCH_BATCH:
            yield from _matched(batch, matcher, list_names, on_result)
            batch = []
    yield from _matched(batch, matcher, list_names, on_result)


def queries_for(result: ScanResult) -> list[Query]:
    s = result.signals
    if s is None:
        return []
    out = [Query(t, v) for t, v in (("md5", s.md5), ("sha1", s.sha1), ("sha256", s.sha256))]
    if s.pdq is not None:
        variants = tuple(s.pdq_dihedral[1:]) if s.pdq_dihedral else ()
        out.append(Query("pdq", s.pdq, variants))
    return out


def attach_matches(
    results: Sequence[ScanResult], matcher: Matcher, list_names: Sequence[str] | None
) -> None:
    owners: list[int] = []
    queries: list[Query] = []
    for i, result in enumerate(results):
        for q in queries_for(result):
            owners.append(i)
            queries.append(q)
    for owner, found in zip(owners, matcher.match(queries, list_names), strict=True):
        results[owner].matches.extend(found)
    attach_video_matches(results, matcher, list_names)


def _matched(
    batch: list[ScanResult],
    matcher: Matcher,
    list_names: Sequence[str] | None,
    on_result: Callable[[ScanResult], None] | None,
) -> Iterator[ScanResult]:
    if not batch:
        return
    attach_matches(batch, matcher, list_names)
    for result in batch:
        if on_result:
            on_result(result)
        yield result


def _hash_chunk(paths: list[Path], opts: HashOptions) -> list[ScanResult]:
    return [hash_path(p, opts) for p in paths]


def _chunks(items: Iterable[Path], size: int) -> Iterator[list[Path]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
