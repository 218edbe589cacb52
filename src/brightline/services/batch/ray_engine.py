"""The Ray glue: a local Ray (or a cluster), the snapshot in its object store, and
the partitions through Ray Data's actor pool.

Each window of partitions is a Ray Data dataset whose rows are partitions (their
file records); ``map_batches`` runs them on a pool of actors, one partition per
call. An actor takes the snapshot from the object store once (``ray.get`` of the
one ``ray.put``: the Arrow table is read in place on its node) and loads the
indexes once; it never rebuilds them. Ray Data restarts a lost actor and retries its
partition (``max_restarts``/``max_task_retries`` are unlimited for actor pools), so a
killed worker costs that partition's time, not its rows. Windows bound the
driver's memory on sources of billions of files: a window's records are all the
driver holds. Ray is imported here only, and only when a batch runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from brightline.errors import UsageError
from brightline.services.batch.plan import FileRecord
from brightline.services.batch.snapshot import Snapshot, SnapshotMatcher
from brightline.services.batch.worker import PartitionResult, PartitionScanner, WorkerConfig

#: Object-store room beyond the snapshot on a local Ray (results in flight).
_STORE_HEADROOM = 256 * 1024 * 1024


def start(address: str | None, workers: int, snapshot_bytes: int = 0) -> bool:
    """Connect to Ray; returns whether this call started it (and must stop it).

    No address: a local Ray with ``workers`` CPUs (0: every core). A Ray already
    started in this process (a test, a notebook) is used as it is.
    """
    import ray

    _quiet()
    if ray.is_initialized():
        return False
    if address:
        try:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise UsageError(f"cannot connect to the Ray cluster at {address}: {exc}") from None
        return True
    ray.init(
        num_cpus=workers or os.cpu_count() or 1,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        object_store_memory=max(2 * snapshot_bytes + _STORE_HEADROOM, 128 * 1024 * 1024),
    )
    return True


def stop() -> None:
    import ray

    ray.shutdown()


def pool_size(workers: int) -> int:
    """Actors to run: ``workers``, else one per CPU Ray has."""
    import ray

    return workers or max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class _Shipped:
    """The snapshot's object reference, kept out of Ray's argument resolution so the
    actor fetches it itself, once."""

    ref: Any


def put_snapshot(snapshot: Snapshot) -> Any:
    import ray

    return _Shipped(ray.put(snapshot))


class RayScanner:
    """A Ray Data actor: one snapshot, one ``PartitionScanner``, many partitions."""

    def __init__(self, config: WorkerConfig, shipped: _Shipped):
        import ray

        snapshot: Snapshot = ray.get(shipped.ref)
        self.scanner = PartitionScanner(config, SnapshotMatcher(snapshot))

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        out = []
        for partition, records in zip(
            batch.column("partition").to_pylist(), batch.column("records").to_pylist(), strict=True
        ):
            parsed = [FileRecord.from_json(line) for line in records.splitlines() if line]
            out.append(self.scanner.scan(int(partition), parsed).as_row())
        return pa.Table.from_pylist(out)


def run(
    windows: Iterable[list[tuple[int, list[FileRecord]]]],
    config: WorkerConfig,
    shipped: Any,
    workers: int,
) -> Iterator[PartitionResult]:
    """Scan the partitions of each window on the actor pool; results as they finish."""
    import ray.data
    from ray.data import ActorPoolStrategy

    size = pool_size(workers)
    for window in windows:
        rows = [
            {"partition": i, "records": "".join(r.as_json() + "\n" for r in recs)}
            for i, recs in window
        ]
        ds: Any = ray.data.from_items(rows, override_num_blocks=len(rows))
        ds = ds.map_batches(
            RayScanner,
            batch_size=1,
            batch_format="pyarrow",
            compute=ActorPoolStrategy(size=min(size, len(rows))),
            num_cpus=1,
            fn_constructor_args=(config, shipped),
        )
        for row in ds.iter_rows():
            yield PartitionResult.from_row(row)


def _quiet() -> None:
    """No Ray Data progress bars or start-up chatter: the CLI draws its own."""
    from ray.data import DataContext

    ctx = DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
