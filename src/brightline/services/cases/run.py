"""Create cases, add exhibits, resume them: hash every item, match, write rows.

Rows are written in batches as they finish, each batch its own transaction: after
Ctrl-C, a crash or ``kill -9`` at most the last unfinished batch is hashed again by
``resume``, which skips every locator the exhibit already has (and the unique key
on (exhibit, locator) makes a second insert a no-op).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from os import walk as os_walk
from pathlib import Path

from sqlalchemy import Connection

from brightline.core.actor import Actor
from brightline.core.categories import check_scheme
from brightline.core.sources import ContentItem
from brightline.core.sources.containers import ArchiveLimits
from brightline.core.sources.exhibit import ExhibitSource, exhibit_kind
from brightline.errors import UsageError
from brightline.services import audit
from brightline.services.cases.classify import meta_of, row_of
from brightline.services.cases.spool import hold_spool, release_spool
from brightline.services.cases.views import counts_of
from brightline.services.context import Services
from brightline.services.hashing import HashOptions
from brightline.services.pipeline.job import Job
from brightline.services.pipeline.pool import Hashed
from brightline.services.private_files import private_folder
from brightline.services.store import cases as store
from brightline.services.store import lists as store_lists
from brightline.services.store.cases import CaseRow, ExhibitRow, locator_key

BATCH = 256
#: Rows are also written at least this often (seconds), so a kill loses little.
FLUSH_S = 2.0
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")

#: Called with (files, bytes) done since the last call.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What an exhibit (or a resumed case) holds once the run is over."""

    files: int
    known: int
    suggested: int
    errors: int

    @property
    def exit_code(self) -> int:
        if self.known or self.suggested:
            return 1
        return 3 if self.errors else 0


def check_name(name: str, what: str = "case") -> str:
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"a {what} name is 1-100 letters, digits, '.', '_' or '-', starting with a "
            f"letter or digit: {name[:100]!r}"
        )
    return name


def check_exhibit_id(exhibit: str) -> str:
    """Exhibit references are what officers write (``JB/1``, ``HDD 2``): any printable
    text up to 100 characters, without leading or trailing spaces."""
    if not 0 < len(exhibit) <= 100 or exhibit != exhibit.strip() or not exhibit.isprintable():
        raise UsageError(
            "an exhibit id is 1-100 printable characters without leading or trailing "
            f"spaces: {exhibit[:100]!r}"
        )
    return exhibit


def case_folder(svc: Services, name: str) -> Path:
    return svc.settings.cases_folder / name


def create_case(
    svc: Services, actor: Actor, name: str, scheme: str, lists: Sequence[str] | None = None
) -> CaseRow:
    check_name(name)
    scheme = check_scheme(scheme)
    with svc.store.begin() as conn:
        for list_name in lists or ():
            store_lists.get_list(conn, list_name, count=False)  # NotFoundError names it
        row = store.create_case(conn, name, scheme, lists, actor.label)
        details = {"scheme": scheme, "lists": list(lists) if lists else None}
        audit.record(conn, actor, "case.create", f"case:{name}", details)
    private_folder(case_folder(svc, name))
    return row


def add_exhibit(
    svc: Services,
    actor: Actor,
    case: str,
    path: Path,
    exhibit: str,
    progress: Progress | None = None,
    dihedral: bool = False,
) -> RunSummary:
    """Add an exhibit and hash it; ``dihedral`` also matches pictures' 8 rotations and
    flips (PDQ), as ``brightline match --dihedral`` does."""
    check_exhibit_id(exhibit)
    if not path.exists() and not path.is_symlink():
        raise UsageError(f"no such file or folder: {path}")
    if path.is_symlink() or not (path.is_dir() or path.is_file()):
        raise UsageError(f"{path} is not a folder or a regular file")
    path = path.resolve()
    try:
        kind = exhibit_kind(path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    with svc.store.begin() as conn:
        row = store.get_case(conn, case)
        ex = store.add_exhibit(conn, row.id, exhibit, str(path), kind)
        details = {"exhibit": exhibit, "path": str(path), "kind": kind}
        audit.record(conn, actor, "case.add_exhibit", f"case:{case}", details)
    return run_exhibit(svc, actor, row, ex, progress, dihedral)


def set_scheme(svc: Services, actor: Actor, case: str, scheme: str) -> CaseRow:
    """Change a case's scheme: only while it has no files (counts would change meaning)."""
    scheme = check_scheme(scheme)
    with svc.store.begin() as conn:
        row = store.get_case(conn, case)
        if store.has_files(conn, row.id):
            raise UsageError(f"case {case} already has files: its scheme ({row.scheme}) is fixed")
        store.set_scheme(conn, row.id, scheme)
        details = {"from": row.scheme, "to": scheme}
        audit.record(conn, actor, "case.set_scheme", f"case:{case}", details)
        return store.get_case(conn, case)


def resume(
    svc: Services,
    actor: Actor,
    case: str,
    progress: Progress | None = None,
    exhibit: str | None = None,
    dihedral: bool = False,
) -> RunSummary:
    """Carry on every exhibit of the case that did not finish, or only ``exhibit``."""
    with svc.store.begin() as conn:
        row = store.get_case(conn, case)
        todo = unfinished_exhibits(conn, row.id, exhibit)
        details = {"exhibits": [ex.exhibit for ex in todo]}
        audit.record(conn, actor, "case.resume", f"case:{case}", details)
    for ex in todo:
        run_exhibit(svc, actor, row, ex, progress, dihedral)
    with svc.store.connect() as conn:
        rows = list(store.file_rows(conn, row.id))
    return _summary(rows)


def unfinished_exhibits(conn: Connection, case_id: int, exhibit: str | None) -> list[ExhibitRow]:
    """The exhibits a resume carries on: every unfinished one, or the one named
    (NotFoundError if the case has no such exhibit; none if it has finished)."""
    if exhibit is not None:
        ex = store.get_exhibit(conn, case_id, exhibit)
        return [ex] if ex.state != "done" else []
    return [ex for ex in store.exhibits(conn, case_id) if ex.state != "done"]


def pending_exhibits(svc: Services, case: str, exhibit: str | None = None) -> list[ExhibitRow]:
    with svc.store.connect() as conn:
        row = store.get_case(conn, case)
        return unfinished_exhibits(conn, row.id, exhibit)


def limits_for(svc: Services, case: str, exhibit_id: int) -> ArchiveLimits:
    s = svc.settings
    spool = case_folder(svc, case) / "tmp" / str(exhibit_id)
    return ArchiveLimits(
        max_depth=s.archive_max_depth,
        max_ratio=s.archive_max_ratio,
        max_total_bytes=s.archive_max_total_bytes,
        spool_dir=spool,
    )


def run_exhibit(
    svc: Services,
    actor: Actor,
    case: CaseRow,
    ex: ExhibitRow,
    progress: Progress | None = None,
    dihedral: bool = False,
) -> RunSummary:
    path = Path(ex.path)
    if not path.exists():
        raise UsageError(f"exhibit {ex.exhibit}: its source {path} is no longer there")
    limits = limits_for(svc, case.name, ex.id)
    with svc.store.connect() as conn:
        done = store.done_keys(conn, ex.id)
    source = ExhibitSource(path, limits, skip=lambda loc: locator_key(str(loc)) in done)
    items = _todo(source.items(), done, progress)
    _ = svc.matcher  # loaded (and caught up) before the first file is hashed
    job = case_job(svc, actor, case, ex, dihedral)
    status = "failed"
    assert limits.spool_dir is not None
    spool_lock = hold_spool(limits.spool_dir)  # a later sweep leaves a live run's folder
    batches = job.run(items, svc.matcher)
    try:
        for batch in batches:
            _write(svc, case, ex, batch, progress)
        status = "done"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        batches.close()  # its workers stop now, not when the generator is collected
        release_spool(limits.spool_dir, spool_lock)
        _finish_job(job, status)
    with svc.store.begin() as conn:
        rows = list(store.file_rows(conn, case.id, ex.id))
        store.finish_exhibit(conn, ex.id)
        summary = _summary(rows)
        details = {"exhibit": ex.exhibit, "job": job.id, **counts_of(rows, case.scheme)}
        audit.record(conn, actor, "case.exhibit_done", f"case:{case.name}", details)
    return summary


def _todo(
    items: Iterator[ContentItem], done: set[str], progress: Progress | None
) -> Iterator[ContentItem]:
    for item in items:
        if item.extra.get("skipped") or locator_key(str(item.locator)) in done:
            if progress:
                progress(1, item.size or 0)
            continue
        yield item


def case_job(
    svc: Services, actor: Actor, case: CaseRow, ex: ExhibitRow, dihedral: bool = False
) -> Job:
    """The job (kind ``case``) of one run over an exhibit: hashed as evidence, its
    matched items, their matches and the match log recorded, so a match knows which
    case found it. Only matched items are stored there (every file has its case row
    already); no other action runs (a case is a command-line run, like ``brightline
    match`` without --actions)."""
    s = svc.settings
    job = Job(
        svc.review_env(),
        actor,
        "case",
        lists=case.lists,
        opts=HashOptions(s.max_image_pixels, dihedral, max_decode_bytes=s.max_decode_bytes),
        ref=f"case:{case.name} exhibit:{ex.exhibit}",
        run_actions=False,
        items="matched",
        workers=s.workers,
        evidence=True,
        batch=BATCH,
        flush_s=FLUSH_S,
    )
    job.start()
    return job


def _finish_job(job: Job, status: str) -> None:
    try:
        job.finish(status)
    except Exception:  # never hide why the run ended (a Ctrl-C, an error) behind this
        if status == "done":
            raise


def _write(
    svc: Services,
    case: CaseRow,
    ex: ExhibitRow,
    batch: list[Hashed],
    progress: Progress | None,
) -> None:
    """Write a batch's case rows once the job has matched and recorded it (the job's
    items, the match log): a kill in between re-hashes the batch on resume, and the
    resumed run's job records its matches again rather than the log missing them."""
    rows = []
    for item, result in batch:
        meta = meta_of(item)
        result.path = meta.locator
        rows.append(row_of(meta, result, case.scheme))
        if progress:
            progress(1, meta.size or 0)
    with svc.store.begin() as conn:
        store.insert_files(conn, case.id, ex.id, rows)


def _summary(rows: list[dict[str, object]]) -> RunSummary:
    known = sum(r["status"] == "known" for r in rows)
    suggested = sum(r["status"] == "suggested" for r in rows)
    errors = sum(r["status"] == "error" for r in rows)
    return RunSummary(len(rows), known, suggested, errors)


def estimate(path: Path) -> tuple[int, int]:
    """Files and bytes an exhibit holds, for progress and ETA (archives count as one)."""
    if path.is_dir():
        files = size = 0
        for root, _dirs, names in os_walk(path):
            for name in names:
                try:
                    size += (Path(root) / name).lstat().st_size
                    files += 1
                except OSError:
                    continue
        return files, size
    try:
        return 1, path.stat().st_size
    except OSError:
        return 0, 0
