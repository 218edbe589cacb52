"""Import hash lists from files, export them back out.

An import is one transaction: a malformed record stops it with the file, location
and reason, and nothing is written. With ``skip_invalid`` the bad records are
counted (by reason) and the rest imported. Hashes of signal types Brightline
cannot use (PhotoDNA without a licensed plugin) are never an error: they are
counted as ignored, and so are hashes their source marks as harmless
(python-threatexchange's NEGATIVE_CLASS / FALSE_POSITIVE opinions).

Each import is one audit record (never one per entry): the file's name and SHA-256,
its size and the counts, written last in the import's transaction.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as MpConnection
from pathlib import Path
from typing import BinaryIO, TextIO, cast

from sqlalchemy import Connection

from brightline.core import formats, signals
from brightline.core.actor import Actor
from brightline.core.categories import normalize_category
from brightline.core.models import HashList, HashRecord
from brightline.core.names import check_text
from brightline.core.signals import SignalType
from brightline.errors import BrightlineError, FormatError, InputError, UsageError, shorten
from brightline.services import audit
from brightline.services.children import die_with_parent
from brightline.services.store import Store
from brightline.services.store import lists as store_lists
from brightline.services.store import video as store_video
from brightline.services.store.db import next_rev
from brightline.services.store.entries import EntryRow, count_entries, iter_entries, upsert_rows

BATCH = 50_000
_EXAMPLES = 5


@dataclass
class ImportReport:
    list_name: str
    read: int = 0
    imported: int = 0
    added: int = 0
    updated: int = 0
    skipped: int = 0
    ignored: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    ignored_reasons: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    #: SHA-256 and size of the file as read (what the audit record names).
    sha256: str = ""
    bytes: int = 0

    def absorb(self, other: ImportReport) -> None:
        """Take the reading side's counts from a report made in another process."""
        self.read += other.read
        self.skipped += other.skipped
        self.ignored += other.ignored
        self.skipped_reasons.update(other.skipped_reasons)
        self.ignored_reasons.update(other.ignored_reasons)
        self.examples.extend(other.examples[: _EXAMPLES - len(self.examples)])
        self.sha256, self.bytes = other.sha256, other.bytes

    def as_dict(self) -> dict[str, object]:
        return {
            "list": self.list_name,
            "read": self.read,
            "imported": self.imported,
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "skipped_reasons": dict(self.skipped_reasons),
            "ignored": self.ignored,
            "ignored_reasons": dict(self.ignored_reasons),
            "examples": self.examples,
            "sha256": self.sha256,
        }

    def audit_details(self, file: str, source: str | None) -> dict[str, object]:
        """What the audit record keeps: the file, its digest and the counts."""
        return {
            "file": file,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "source": source,
            "read": self.read,
            "imported": self.imported,
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "ignored": self.ignored,
        }


def import_file(
    store: Store,
    list_name: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    source: str | None = None,
    actor: Actor | None = None,
    signal_type: str | None = None,
    category: str | None = None,
) -> ImportReport:
    """Import a file into a list (one transaction, one audit record). A folder, a
    picture or a video is hashed (see :mod:`brightline.services.lists.video_ingest`):
    ``category`` is given to the entries made from pictures and videos.
    ``signal_type``: a plain-text file holds values of this type, one a line
    (``keyword`` terms)."""
    if path.is_dir():
        from brightline.services.lists.video_ingest import folder_records

        return import_records(
            store, list_name, folder_records(path, category=category), source_name=str(path),
            skip_invalid=skip_invalid, source=check_text("source", source) or path.name,
            actor=actor,
        )  # fmt: skip
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    if _is_media(path):
        return import_media(
            store, list_name, [path], skip_invalid=skip_invalid, source=source, actor=actor,
            category=category,
        )  # fmt: skip
    source = check_text("source", source)
    if path.stat().st_size < PARALLEL_MIN_BYTES:
        with open(path, "rb") as stream:
            return import_stream(
                store,
                list_name,
                stream,
                source_name=str(path),
                skip_invalid=skip_invalid,
                source=source or path.name,
                actor=actor,
                signal_type=signal_type,
            )
    report = ImportReport(list_name)
    with store.begin(bulk=True) as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
        batches = _parsed_in_child(path, hash_list, skip_invalid, report, signal_type)
        _write(conn, hash_list, batches, source or path.name, report)
        _audit(conn, actor, hash_list, report, str(path), source or path.name)
    return report


def _is_media(path: Path) -> bool:
    from brightline.services.lists.video_ingest import is_media

    return is_media(path)


def import_media(
    store: Store,
    list_name: str,
    paths: Sequence[Path],
    *,
    skip_invalid: bool = False,
    source: str | None = None,
    actor: Actor | None = None,
    category: str | None = None,
) -> ImportReport:
    """Import pictures, videos and list files (folders expanded) into a list, in one
    transaction: ``brightline list import L a.jpg b.mp4 more/``."""
    from brightline.services.lists.video_ingest import content_records

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path} is not a file or a folder")
    if not files:
        raise UsageError("no files to import")
    provenance = check_text("source", source) or (paths[0].name if len(paths) == 1 else None)
    return import_records(
        store, list_name, content_records(files, category=category),
        source_name=", ".join(str(p) for p in paths)[:500], skip_invalid=skip_invalid,
        source=provenance or "files", actor=actor,
    )  # fmt: skip


def import_stream(
    store: Store,
    list_name: str,
    stream: BinaryIO,
    *,
    source_name: str,
    skip_invalid: bool = False,
    source: str | None = None,
    actor: Actor | None = None,
    signal_type: str | None = None,
) -> ImportReport:
    """Import from an open stream (an upload); ``source_name`` names it in errors."""
    source = check_text("source", source)
    report = ImportReport(list_name)
    digesting = _Digesting(stream)
    with store.begin(bulk=True) as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
        rows = _rows(
            hash_list, cast(BinaryIO, digesting), source_name, skip_invalid, report, signal_type
        )
        batches = _batches(rows)
        _write(conn, hash_list, batches, source, report)
        digesting.finish(report)
        _audit(conn, actor, hash_list, report, source_name, source)
    return report


def import_records(
    store: Store,
    list_name: str,
    items: Iterable[HashRecord | FormatError],
    *,
    source_name: str,
    skip_invalid: bool = False,
    source: str | None = None,
    actor: Actor | None = None,
) -> ImportReport:
    """Import records already read (a folder of files), as one transaction."""
    report = ImportReport(list_name)
    with store.begin(bulk=True) as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
        rows = _rows_of(hash_list, items, source_name, skip_invalid, report)
        _write(conn, hash_list, _batches(rows), source, report)
        _audit(conn, actor, hash_list, report, source_name, source)
    return report


def _audit(
    conn: Connection,
    actor: Actor | None,
    hash_list: HashList,
    report: ImportReport,
    file: str,
    source: str | None,
) -> None:
    details = report.audit_details(file, source)
    audit.record(conn, audit.who(actor), "entries.import", f"list:{hash_list.name}", details)


class _Digesting:
    """A read-only stream that hashes what passes through (SHA-256, size)."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._hash = hashlib.sha256()
        self._size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self._hash.update(data)
        self._size += len(data)
        return data

    def finish(self, report: ImportReport) -> None:
        """Read whatever the parser left, then put the digest in ``report``."""
        while self.read(1 << 20):
            pass
        report.sha256, report.bytes = self._hash.hexdigest(), self._size


def _write(
    conn: Connection,
    hash_list: HashList,
    batches: Iterable[list[EntryRow]],
    source: str | None,
    report: ImportReport,
) -> None:
    """Write every batch in the caller's transaction, under one revision.

    The revision is taken first: its row lock makes concurrent writers of entries wait
    for this import to commit, so the count before is not moved by another import
    (two imports at once into one list would otherwise report negative updates).
    """
    rev = next_rev(conn)
    before = count_entries(conn, hash_list.id)
    for batch in batches:
        upsert_rows(conn, hash_list.id, batch, source=source, rev=rev)
        report.imported += len(batch)
    report.added = count_entries(conn, hash_list.id) - before
    report.updated = report.imported - report.added


#: Files at least this big are parsed in a second process while this one writes:
#: parsing and validating cost about as much as SQLite's inserts, so overlapping
#: them nearly doubles import speed. Smaller files are not worth a process start.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024


def _parsed_in_child(
    path: Path,
    hash_list: HashList,
    skip_invalid: bool,
    report: ImportReport,
    signal_type: str | None = None,
) -> Iterator[list[EntryRow]]:
    """Batches parsed and validated by a child process; its counts land in ``report``.

    The pipe is the back-pressure: the child blocks while this process writes, so
    memory stays at a couple of batches whatever the file size.
    """
    ctx = (
        multiprocessing.get_context("fork")
        if _fork_is_safe()
        else multiprocessing.get_context("spawn")
    )
    receive, send = ctx.Pipe(duplex=False)
    # A spawned child starts from a fresh registry: hand it the types registered here.
    plugins = signals.plugins() if ctx.get_start_method() == "spawn" else []
    child = ctx.Process(
        target=_parse_in_child,
        args=(str(path), hash_list, skip_invalid, send, receive, os.getpid(), plugins, signal_type),
        name="brightline-import-reader",
        daemon=True,
    )
    child.start()
    send.close()
    try:
        while True:
            try:
                kind, payload = receive.recv()
            except EOFError:
                raise BrightlineError("the import's reader process stopped unexpectedly") from None
            if kind == "batch":
                yield payload
            elif kind == "done":
                report.absorb(payload)
                return
            else:
                raise payload
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _fork_is_safe() -> bool:
    """Fork when this process has no other thread (the CLI): quick, and it does not
    re-import the caller's main module, which spawn needs to be import-safe. With
    threads about (a server, a test runner), forking is unsafe: spawn."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def _parse_in_child(
    path: str,
    hash_list: HashList,
    skip_invalid: bool,
    send: MpConnection,
    receive: MpConnection,
    parent_pid: int,
    plugins: list[SignalType],
    signal_type: str | None = None,
) -> None:
    # Die with the parent (kill -9 of the import must not leave this blocked on the
    # pipe forever); and let go of the parent's end, which a fork inherits, so a send
    # fails once the parent is gone instead of filling a pipe nobody reads.
    die_with_parent(parent_pid)
    receive.close()
    gc.freeze()  # what the child inherited is never garbage: keep collections short
    for plugin in plugins:
        signals.register(plugin)
    report = ImportReport(hash_list.name)
    try:
        with open(path, "rb") as raw:
            stream = _Digesting(raw)
            rows = _rows(hash_list, cast(BinaryIO, stream), path, skip_invalid, report, signal_type)
            for batch in _batches(rows):
                send.send(("batch", batch))
            stream.finish(report)
        send.send(("done", report))
    except Exception as exc:
        send.send(("error", exc))
    finally:
        send.close()


def _rows(
    hash_list: HashList,
    stream: BinaryIO,
    source_name: str,
    skip_invalid: bool,
    report: ImportReport,
    signal_type: str | None = None,
) -> Iterator[EntryRow]:
    items = formats.read_records(stream, source=source_name, signal_type=signal_type)
    return _rows_of(hash_list, items, source_name, skip_invalid, report)


def _rows_of(
    hash_list: HashList,
    items: Iterable[HashRecord | FormatError],
    source_name: str,
    skip_invalid: bool,
    report: ImportReport,
) -> Iterator[EntryRow]:
    for item in items:
        report.read += 1
        try:
            if isinstance(item, FormatError):
                raise item
            row = _row(hash_list, item, source_name)
        except _Unsupported as exc:
            report.ignored += 1
            report.ignored_reasons[exc.reason] += 1
            continue
        except InputError as exc:
            if not skip_invalid:
                raise
            _skip(report, exc)
            continue
        yield row


class _Unsupported(Exception):
    """A record that is fine but not for matching here; counted, never an error."""

    def __init__(self, reason: str):
        self.reason = reason


_UNSUPPORTED = {"photodna", "pdna"}
#: python-threatexchange opinions saying a hash is NOT harmful: never import them as known.
_HARMLESS = {"NEGATIVE_CLASS", "FALSE_POSITIVE"}


def _row(hash_list: HashList, rec: HashRecord, source_name: str) -> EntryRow:
    # Runs once per imported hash: what depends only on the type or category text is
    # worked out once per distinct text (cached), not per row.
    try:
        signal = _signal(rec.signal_type)
        value = signal.normalize(rec.value)
        category = _category(hash_list.scheme, rec.category) if rec.category else None
        source_id, note = rec.source_id, rec.note
        if (source_id and "\x00" in source_id) or (note and "\x00" in note):
            check_text("source id" if source_id and "\x00" in source_id else "note", "\x00")
    except InputError as exc:
        raise FormatError(str(exc), location=rec.location, source=source_name) from None
    return (signal.name, value, category, rec.source_id, rec.note)


@functools.lru_cache(maxsize=256)
def _signal_or_reason(raw: str, generation: int) -> SignalType | str:
    # ``generation`` keys the cache to the registry: a type registered later is seen.
    found = signals.find(raw)
    if found is not None:
        return found
    name = raw.strip().lower()
    if name in _UNSUPPORTED:
        return f"signal type {name} not installed"
    return signals.get(raw)


def _signal(raw: str) -> SignalType:
    found = _signal_or_reason(raw, signals.generation())
    if isinstance(found, str):
        raise _Unsupported(found)
    return found


@functools.lru_cache(maxsize=4096)
def _category_or_reason(scheme: str, raw: str) -> tuple[str | None, str | None]:
    if raw.strip().upper() in _HARMLESS:
        return None, f"marked harmless by its source ({raw.strip()})"
    check_text("category", raw)
    return normalize_category(scheme, raw), None


def _category(scheme: str, raw: str) -> str | None:
    category, ignore = _category_or_reason(scheme, raw)
    if ignore:
        raise _Unsupported(ignore)
    return category


def _skip(report: ImportReport, exc: InputError) -> None:
    report.skipped += 1
    reason = exc.reason if isinstance(exc, FormatError) else str(exc)
    report.skipped_reasons[_reason_kind(reason)] += 1
    if len(report.examples) < _EXAMPLES:
        report.examples.append(str(exc))


def _reason_kind(reason: str) -> str:
    """Group reasons so a million bad lines make one row: drop the quoted value."""
    return reason.split(":", 1)[0].split(" got ", 1)[0].strip()


def _batches(rows: Iterable[EntryRow]) -> Iterator[list[EntryRow]]:
    # Deduplicate within a batch: one INSERT may not touch a row twice (PostgreSQL).
    batch: dict[tuple[str, str], EntryRow] = {}
    for row in rows:
        batch[(row[0], row[1])] = row
        if len(batch) >= BATCH:
            yield _in_key_order(batch)
            batch = {}
    if batch:
        yield _in_key_order(batch)


def _in_key_order(batch: dict[tuple[str, str], EntryRow]) -> list[EntryRow]:
    # Inserting in unique-index order turns random B-tree page visits into a sweep.
    return [batch[key] for key in sorted(batch)]


EXPORT_FORMATS = ("csv", "vics", "pytx")


def export_list(
    store: Store, list_name: str, fmt: str, out: TextIO, *, actor: Actor | None = None
) -> int:
    """Write a list as CSV, VICS 2.0 JSON or a python-threatexchange dataset CSV;
    returns rows (CSV) or media (VICS) written. Video entries carry their frames
    (pytx's vPDQ JSON) in place of the digest they are stored under.

    A list leaving the system is audited (``list.export``) once it is written."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(
            f"unknown export format {shorten(fmt)}; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    with store.connect() as conn:
        hash_list = store_lists.get_list(conn, list_name, count=False)
        items = store_video.with_frames(conn, iter_entries(conn, hash_list.id))
        if fmt == "pytx":
            count = formats.write_pytx(items, out)
        elif fmt == "csv":
            count = formats.write_csv(items, out)
        else:
            count = formats.write_vics(items, out)
    with store.begin() as conn:
        details = {"format": fmt, "written": count}
        audit.record(conn, audit.who(actor), "list.export", f"list:{hash_list.name}", details)
    return count
