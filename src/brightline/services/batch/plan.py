"""Partition planning: list a source lazily and keep its partitions in the output folder.

A batch's output folder holds, besides the results (``part-NNNNNN.parquet``, one per
partition, at its top so ``pyarrow.parquet.read_table(out)`` reads them all):

- ``_batch.json``: what the batch scans (source, lists, partition size), written
  first; a resumed run must ask for the same thing;
- ``_plan/part-NNNNNN.jsonl``: the files of each partition, one JSON object a line
  (``locator``, ``size``, and ``error_code``/``error`` for what the listing could not
  read); ``_plan/_complete.json`` once the whole source is listed.

The listing is a generator (a folder walk, a manifest read line by line or batch by
batch, an S3 listing page by page): memory never holds more than one partition.
Every file is written to a temp name and renamed, so a crash never leaves half a
file; a resumed run lists again only when the earlier one had not finished listing,
and refuses to go on if a partition it already scanned came out different.
Names starting with ``_`` or ``.`` are skipped by Parquet dataset readers.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

from brightline.core.sources.files import FileSource
from brightline.errors import UsageError

STATE = "_batch.json"
PLAN = "_plan"
COMPLETE = "_complete.json"
MANIFEST_SUFFIXES = frozenset({".txt", ".lst", ".csv", ".parquet"})
_PATH_COLUMNS = ("path", "uri", "url", "key", "locator")


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One file of a partition: where it is, and why the listing could not read it."""

    locator: str
    size: int | None = None
    error_code: str | None = None
    error: str | None = None

    def as_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None})

    @classmethod
    def from_json(cls, line: str) -> FileRecord:
        d = json.loads(line)
        return cls(d["locator"], d.get("size"), d.get("error_code"), d.get("error"))


@dataclass(frozen=True, slots=True)
class BatchSpec:
    """What a batch scans; kept in ``_batch.json``."""

    source: str
    lists: tuple[str, ...] = ()
    partition_size: int = 500
    s3_endpoint_url: str | None = None

    def same_scan(self, other: BatchSpec) -> bool:
        keys = ("source", "lists", "partition_size", "s3_endpoint_url")
        return all(getattr(self, k) == getattr(other, k) for k in keys)

    def to_json(self) -> str:
        d = asdict(self)
        d["lists"] = list(self.lists)
        return json.dumps(d, indent=2)

    @classmethod
    def from_json(cls, text: str) -> BatchSpec:
        d = json.loads(text)
        return cls(
            d["source"],
            tuple(d.get("lists") or ()),
            int(d["partition_size"]),
            d.get("s3_endpoint_url"),
        )


def is_s3(locator: str) -> bool:
    return locator.startswith("s3://")


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``("bucket", "key")``."""
    rest = uri[len("s3://") :]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise UsageError(f"{uri}: no bucket named (s3://bucket/prefix)")
    return bucket, key


# -- listing ----------------------------------------------------------------------


#: ``s3://bucket/prefix`` -> its objects, page by page (``services.batch.s3.S3.list``).
S3Lister = Callable[[str], Iterator["FileRecord"]]


def list_source(source: str, s3_lister: S3Lister | None = None) -> Iterator[FileRecord]:
    """Every file of ``source``, lazily: a folder (or a single file), a manifest
    (``.txt``/``.lst``/``.csv``/``.parquet`` of paths or ``s3://`` URIs) or an
    ``s3://bucket/prefix``."""
    if is_s3(source):
        if s3_lister is None:
            raise UsageError("an s3:// source needs an S3 client")
        yield from s3_lister(source)
        return
    path = Path(source)
    if not os.path.lexists(path):
        raise UsageError(f"no such file or folder: {source}")
    if path.is_file() and path.suffix.lower() in MANIFEST_SUFFIXES:
        yield from _manifest(path, s3_lister)
        return
    yield from _local([path])


def _local(paths: list[Path]) -> Iterator[FileRecord]:
    for item in FileSource(paths).items():
        err = item.error
        yield FileRecord(
            str(item.locator),
            item.size,
            getattr(err, "code", "unreadable") if err is not None else None,
            str(err) if err is not None else None,
        )


def _manifest(path: Path, s3_lister: S3Lister | None) -> Iterator[FileRecord]:
    for entry in manifest_entries(path):
        if is_s3(entry):
            # One object named: listed as is (its size is learnt when it is read).
            yield FileRecord(entry)
        else:
            yield from _local([Path(entry)])


def manifest_entries(path: Path) -> Iterator[str]:
    """The paths or URIs a manifest names, read lazily: a Parquet file's ``path``
    (or ``uri``, ``key``…, else first) column batch by batch, a CSV file's likewise
    (a header row is recognised by those names), a text file one a line."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1":
        yield from _parquet_entries(path)
    elif path.suffix.lower() == ".csv":
        yield from _csv_entries(path)
    else:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line and not line.startswith("#"):
                    yield line


def _parquet_entries(path: Path) -> Iterator[str]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as pf:
        names = pf.schema_arrow.names
        column = next((c for c in _PATH_COLUMNS if c in names), names[0] if names else None)
        if column is None:
            return
        for batch in pf.iter_batches(columns=[column], batch_size=10_000):
            for value in batch.column(0).to_pylist():
                if value:
                    yield str(value)


def _csv_entries(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        first = next(reader, None)
        if first is None:
            return
        lowered = [c.strip().lower() for c in first]
        column = next((lowered.index(c) for c in _PATH_COLUMNS if c in lowered), None)
        rows: Iterable[list[str]] = reader
        if column is None:  # no header: the first column of every row
            column = 0
            rows = _chain_first(first, reader)
        for row in rows:
            if len(row) > column and row[column].strip():
                yield row[column].strip()


def _chain_first(first: list[str], rest: Iterable[list[str]]) -> Iterator[list[str]]:
    yield first
    yield from rest


def partitions(records: Iterable[FileRecord], size: int) -> Iterator[list[FileRecord]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


# -- the plan in the output folder ------------------------------------------------


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees all of it or nothing."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def part_name(index: int) -> str:
    return f"part-{index:06d}"


def result_path(out: Path, index: int) -> Path:
    return out / f"{part_name(index)}.parquet"


class Plan:
    """The partitions of a batch, in its output folder."""

    def __init__(self, out: Path):
        self.out = out
        self.folder = out / PLAN

    @property
    def complete(self) -> bool:
        return (self.folder / COMPLETE).is_file()

    def count(self) -> int:
        """Partitions planned (the plan must be complete)."""
        return int(json.loads((self.folder / COMPLETE).read_text())["partitions"])

    def files(self) -> int:
        return int(json.loads((self.folder / COMPLETE).read_text())["files"])

    def read(self, index: int) -> list[FileRecord]:
        text = (self.folder / f"{part_name(index)}.jsonl").read_text(encoding="utf-8")
        return [FileRecord.from_json(line) for line in text.splitlines() if line]

    def done(self) -> set[int]:
        """Partitions whose results are written."""
        found = set()
        for path in self.out.glob("part-*.parquet"):
            try:
                found.add(int(path.stem.removeprefix("part-")))
            except ValueError:
                continue
        return found

    def build(self, records: Iterable[FileRecord], size: int) -> int:
        """List the source into partitions; returns how many. A partition whose
        results exist must list as before (the source has not changed under it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        done = self.done()
        count = files = 0
        for index, chunk in enumerate(partitions(records, size)):
            data = "".join(r.as_json() + "\n" for r in chunk).encode()
            path = self.folder / f"{part_name(index)}.jsonl"
            if index in done and path.is_file():
                if path.read_bytes() != data:
                    raise UsageError(
                        f"the source changed since partition {index} was scanned: "
                        "scan it into a new --out folder"
                    )
            else:
                write_atomic(path, data)
            count += 1
            files += len(chunk)
        summary = {"partitions": count, "files": files}
        write_atomic(self.folder / COMPLETE, json.dumps(summary).encode())
        return count


def open_state(out: Path, spec: BatchSpec, resume: bool) -> BatchSpec:
    """Check or write ``_batch.json``; returns the spec the batch runs with."""
    path = out / STATE
    if path.is_file():
        found = BatchSpec.from_json(path.read_text())
        if not resume:
            raise UsageError(
                f"{out} already holds a batch: add --resume to carry it on, "
                "or give another --out folder"
            )
        if not found.same_scan(spec):
            raise UsageError(
                f"{out} holds a batch of {found.source} (lists: "
                f"{', '.join(found.lists) or 'all'}, partitions of {found.partition_size}): "
                "--resume it with the same source, lists and partition size"
            )
        return found
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is not a folder")
    if out.is_dir() and any(out.glob("part-*.parquet")):
        raise UsageError(f"{out} holds Parquet results but no batch: give an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(path, spec.to_json().encode())
    return spec


def save_state(out: Path, spec: BatchSpec) -> None:
    write_atomic(out / STATE, spec.to_json().encode())
