"""One partition on one worker: hash, match, and the partition's Parquet file.

``hash_and_match`` is the one place a batch calls the hashing and matching code of
``brightline match``: the pipeline's ``hash_item`` (every registered signal type, its
decode budgets and error codes) and its one match step (``pipeline.match``). A
worker keeps at most one partition's rows in memory (and one file's bytes at a time,
as ``match`` does).
"""

from __future__ import annotations

import io
import json
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from brightline.core import signals
from brightline.core.models import ScanResult
from brightline.core.sources import ContentItem, Locator
from brightline.core.sources.files import FileSource
from brightline.core.video.options import VideoOptions
from brightline.errors import UnreadableContentError
from brightline.services.batch.plan import FileRecord, is_s3
from brightline.services.batch.s3 import S3, S3Config
from brightline.services.hashing import HashOptions
from brightline.services.lists.matching import HashMatcher
from brightline.services.pipeline.hashing import hash_item
from brightline.services.pipeline.match import match_results

if TYPE_CHECKING:
    import pyarrow as pa

#: The fixed columns, in order; one more per other registered signal type.
FIXED = (
    "path",
    "size",
    "md5",
    "sha1",
    "sha256",
    "media_type",
    "pdq",
    "pdq_quality",
    "error_code",
    "error_message",
    "matches",
)
_FIXED_SIGNALS = frozenset({"md5", "sha1", "sha256", "pdq"})
#: Parquet key-value metadata holding the partition's counts.
META_KEY = b"brightline"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """What a worker needs besides the snapshot: hashing budgets, video sampling, the
    object store. No secrets: workers take S3 credentials from their own
    environment."""

    opts: HashOptions
    video: VideoOptions
    s3: S3Config
    list_names: tuple[str, ...] | None = None


@dataclass(slots=True)
class PartitionResult:
    index: int
    parquet: bytes
    files: int
    matched: int
    errors: int
    #: The matched rows (and those whose matches a negative list suppressed), for the
    #: driver's job to record and act on.
    found: list[ScanResult]

    def as_row(self) -> dict[str, Any]:
        return {
            "partition": self.index,
            "parquet": self.parquet,
            "files": self.files,
            "matched": self.matched,
            "errors": self.errors,
            "found": pickle.dumps(self.found),
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PartitionResult:
        return cls(
            int(row["partition"]),
            bytes(row["parquet"]),
            int(row["files"]),
            int(row["matched"]),
            int(row["errors"]),
            pickle.loads(row["found"]),  # our own workers' output
        )


def hash_and_match(
    items: Sequence[ContentItem],
    opts: HashOptions,
    matcher: HashMatcher,
    list_names: Sequence[str] | None,
) -> list[ScanResult]:
    """What ``brightline match`` does to each file, for a partition's items."""
    results = [hash_item(item, opts) for item in items]
    match_results(results, matcher, list_names)
    return results


class PartitionScanner:
    """Scans partitions; one per worker process, holding the snapshot's matcher."""

    def __init__(self, config: WorkerConfig, matcher: HashMatcher):
        from brightline.core.signals.vpdq import VPDQ

        VPDQ.options = config.video  # what ``video_matching.configure`` sets on the driver
        self.config = config
        self.matcher = matcher
        self.s3 = S3(config.s3)

    def scan(self, index: int, records: Sequence[FileRecord]) -> PartitionResult:
        started = time.time()
        items = [self._item(r) for r in records]
        results = hash_and_match(items, self.config.opts, self.matcher, self.config.list_names)
        matched = sum(1 for r in results if r.matches)
        errors = sum(1 for r in results if r.error is not None)
        counts: dict[str, float] = {"files": len(results), "matched": matched, "errors": errors}
        # When the worker scanned it (wall clock): for benchmarks, never for rows.
        counts |= {"started": started, "finished": time.time()}
        data = to_parquet(results, counts)
        found = [r for r in results if r.matches or r.suppressed]
        return PartitionResult(index, data, len(results), matched, errors, found)

    def _item(self, record: FileRecord) -> ContentItem:
        loc = record.locator
        if record.error_code is not None:
            err = UnreadableContentError(record.error_code, record.error or "cannot read")
            path = None if is_s3(loc) else Path(loc)
            return ContentItem(Locator.of(loc), record.size, None, path=path, error=err)
        if is_s3(loc):
            opener: Callable[[], BinaryIO] = partial(self.s3.open, loc)
            return ContentItem(Locator.of(loc), record.size, opener)
        found = next(FileSource([Path(loc)]).items(), None)
        if found is None or str(found.locator) != loc:  # it became a folder since
            err = UnreadableContentError("unreadable", "no longer a file")
            return ContentItem(Locator.of(loc), None, None, path=Path(loc), error=err)
        return found


def other_signal_types() -> list[str]:
    """The registered types with a column of their own (beyond the fixed ones): those
    that hash files (a text-only type such as ``url`` never applies to a file)."""
    return sorted(
        s.name
        for s in signals.all_types()
        if s.name not in _FIXED_SIGNALS and set(s.content_types) - {signals.TEXT}
    )


def schema() -> pa.Schema:
    import pyarrow as pa

    fields = [
        ("path", pa.string()),
        ("size", pa.int64()),
        ("md5", pa.string()),
        ("sha1", pa.string()),
        ("sha256", pa.string()),
        ("media_type", pa.string()),
        ("pdq", pa.string()),
        ("pdq_quality", pa.int32()),
        ("error_code", pa.string()),
        ("error_message", pa.string()),
        ("matches", pa.string()),
    ]
    fields += [(name, pa.string()) for name in other_signal_types()]
    return pa.schema(fields)


def to_row(result: ScanResult) -> dict[str, Any]:
    s = result.signals
    found = s.signals if s is not None else {}
    row: dict[str, Any] = {
        "path": result.path,
        "size": s.size if s is not None else None,
        "media_type": s.media_type if s is not None else None,
        "pdq_quality": s.pdq_quality if s is not None else None,
        "error_code": (result.error_code or "error") if result.error is not None else None,
        "error_message": result.error,
        "matches": json.dumps([m.as_dict() for m in result.matches]),
    }
    for name in ("md5", "sha1", "sha256", "pdq"):
        value = found.get(name)
        row[name] = value.value if value is not None else None
    for name in other_signal_types():
        value = found.get(name)
        row[name] = value.value if value is not None else None
    return row


def to_parquet(results: Sequence[ScanResult], counts: dict[str, float]) -> bytes:
    """The partition's rows as a Parquet file (bytes), its counts in the metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sch = schema().with_metadata({META_KEY: json.dumps(counts).encode()})
    table = pa.Table.from_pylist([to_row(r) for r in results], schema=sch)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()
