"""The batch driver: plan, ship the snapshot, run the partitions, keep the results.

For each finished partition the driver first records its matches (the job of kind
``batch``, the match log, the lists' webhooks, review items for lists with a review
action), then writes its Parquet file atomically: the file is the mark that the
partition is done. A driver killed between the two records that partition's
matches again when resumed (at least once, never lost); its rows are written once.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from brightline.core.actor import Actor
from brightline.core.sources.files import open_regular
from brightline.core.video.options import VideoOptions
from brightline.services.batch import plan as batch_plan
from brightline.services.batch.plan import BatchSpec, FileRecord, Plan, is_s3, list_source
from brightline.services.batch.s3 import S3, S3Config
from brightline.services.batch.snapshot import build_snapshot, index_folder
from brightline.services.batch.worker import META_KEY, PartitionResult, WorkerConfig
from brightline.services.context import Services
from brightline.services.hashing import HashOptions
from brightline.services.pipeline.job import Job
from brightline.services.review.env import ReviewEnv

log = logging.getLogger(__name__)

#: Partitions handed to Ray at once: what bounds the driver's memory on huge sources.
WINDOW = 2000


@dataclass(frozen=True, slots=True)
class BatchRequest:
    source: str
    out: Path
    lists: tuple[str, ...] = ()
    address: str | None = None
    workers: int = 0
    resume: bool = False
    s3_endpoint_url: str | None = None
    partition_size: int = 500
    actions: bool = True


@dataclass(slots=True)
class BatchSummary:
    files: int = 0
    matched: int = 0
    errors: int = 0
    partitions: int = 0
    seconds: float = 0.0
    #: Partitions a resumed run found done (included in the counts above).
    resumed: int = 0
    job_id: int | None = None
    snapshot_bytes: int = 0
    snapshot_entries: int = 0

    def add(self, files: int, matched: int, errors: int) -> None:
        self.files += files
        self.matched += matched
        self.errors += errors
        self.partitions += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "matched": self.matched,
            "errors": self.errors,
            "partitions": self.partitions,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Progress:
    """Callbacks for the terminal: the total once known, then each partition."""

    total: Callable[[int, int], None] = field(default=lambda files, done: None)
    partition: Callable[[PartitionResult], None] = field(default=lambda result: None)
    stage: Callable[[str], None] = field(default=lambda text: None)


def run_batch(
    svc: Services, req: BatchRequest, actor: Actor, progress: Progress | None = None
) -> BatchSummary:
    """Scan ``req.source`` into ``req.out``; see the module docstring."""
    started = time.monotonic()
    progress = progress or Progress()
    spec = BatchSpec(req.source, req.lists, req.partition_size, req.s3_endpoint_url)
    spec = batch_plan.open_state(req.out, spec, req.resume)
    s3 = S3(S3Config(spec.s3_endpoint_url))
    plan = Plan(req.out)
    if not plan.complete:
        progress.stage("Listing")
        plan.build(list_source(spec.source, s3.list), spec.partition_size)
    summary = _done_so_far(plan)
    pending = [i for i in range(plan.count()) if i not in plan.done()]
    progress.total(plan.files(), summary.files)
    if pending:
        _scan(svc, req, spec, plan, pending, actor, progress, summary, s3)
    summary.seconds = time.monotonic() - started
    return summary


def _scan(
    svc: Services,
    req: BatchRequest,
    spec: BatchSpec,
    plan: Plan,
    pending: list[int],
    actor: Actor,
    progress: Progress,
    summary: BatchSummary,
    s3: S3,
) -> None:
    from brightline.services.batch import ray_engine

    progress.stage("Snapshot")
    snapshot = build_snapshot(svc.store, spec.lists or None)
    key = snapshot.key
    summary.snapshot_bytes, summary.snapshot_entries = snapshot.nbytes, len(snapshot)
    job = Job(
        ReviewEnv(svc.store, svc.settings),
        actor,
        "batch",
        lists=spec.lists or None,
        ref=spec.source,
        run_actions=req.actions,
        items="matched",
    )
    config = _worker_config(svc, spec)
    progress.stage("Starting Ray")
    started_here = ray_engine.start(req.address, req.workers, snapshot.nbytes)
    status = "failed"
    try:
        shipped = ray_engine.put_snapshot(snapshot)
        del snapshot  # the object store has it now
        progress.stage("Scanning")
        windows = _windows(plan, pending)
        for result in ray_engine.run(windows, config, shipped, req.workers):
            # Recorded and acted on as any job's batch: review reads a file again.
            job.record(
                result.found,
                media=[_opener(s3, r.path) for r in result.found],
                names=[Path(r.path).name for r in result.found],
            )
            batch_plan.write_atomic(batch_plan.result_path(plan.out, result.index), result.parquet)
            summary.add(result.files, result.matched, result.errors)
            progress.partition(result)
        status = "done"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        job.finish(status)
        summary.job_id = job.id
        if started_here:
            ray_engine.stop()
        # This node's copy of the index files (other nodes' go with their /tmp).
        shutil.rmtree(index_folder(key), ignore_errors=True)


def _worker_config(svc: Services, spec: BatchSpec) -> WorkerConfig:
    s = svc.settings
    opts = HashOptions(s.max_image_pixels, False, s.max_decode_bytes)
    video = VideoOptions(
        rate=s.video_rate,
        max_pixels=s.video_max_pixels,
        max_frames=s.video_max_frames,
        max_seconds=s.video_max_seconds,
    )
    lists = tuple(spec.lists) or None
    return WorkerConfig(opts, video, S3Config(spec.s3_endpoint_url), lists)


def _windows(plan: Plan, pending: list[int]) -> Iterator[list[tuple[int, list[FileRecord]]]]:
    it = iter(pending)
    while window := list(islice(it, WINDOW)):
        yield [(i, plan.read(i)) for i in window]


def _done_so_far(plan: Plan) -> BatchSummary:
    """The counts of partitions already written (kept in each file's metadata)."""
    import pyarrow.parquet as pq

    summary = BatchSummary()
    for index in sorted(plan.done()):
        meta = pq.read_schema(batch_plan.result_path(plan.out, index)).metadata or {}
        counts = json.loads(meta.get(META_KEY, b"{}"))
        summary.add(counts.get("files", 0), counts.get("matched", 0), counts.get("errors", 0))
        summary.resumed += 1
    return summary


def _opener(s3: S3, path: str) -> Callable[[], BinaryIO]:
    """Opens a matched file again (for a review action; matches are few)."""
    if is_s3(path):
        return partial(s3.open, path)
    return partial(open_regular, Path(path))
