"""Cases, their exhibits and one row per file instance (migration 0006).

A file row is keyed by (exhibit, SHA-256 of its locator): a resumed exhibit skips the
locators it already has, and inserting one twice is a no-op, never a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from brightline.errors import ConflictError, NotFoundError
from brightline.services.store.tables import Id, UtcDateTime, metadata

cases = Table(
    "cases",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("scheme", String(20), nullable=False),
    Column("lists", Text),  # JSON array of list names; NULL: every list
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(300), nullable=False),
    sqlite_autoincrement=True,
)

case_exhibits = Table(
    "case_exhibits",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("exhibit", String(200), nullable=False),
    Column("path", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),  # running | done
    Column("added_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    UniqueConstraint("case_id", "exhibit", name="uq_case_exhibits_case_exhibit"),
    sqlite_autoincrement=True,
)

case_files = Table(
    "case_files",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("exhibit_id", Id, ForeignKey("case_exhibits.id", ondelete="CASCADE"), nullable=False),
    Column("locator", Text, nullable=False),
    Column("locator_key", String(64), nullable=False),
    Column("size", BigInteger),
    Column("deleted", Boolean, nullable=False),
    Column("md5", String(32)),
    Column("sha1", String(40)),
    Column("sha256", String(64)),
    Column("pdq", String(64)),
    Column("pdq_quality", Integer),
    Column("media_type", String(100)),
    Column("status", String(16), nullable=False),
    Column("category", String(200)),
    Column("matches", Text, nullable=False),  # JSON array
    Column("error_code", String(32)),
    Column("error", Text),
    Column("modified", UtcDateTime()),
    Column("created", UtcDateTime()),
    Column("accessed", UtcDateTime()),
    UniqueConstraint("exhibit_id", "locator_key", name="uq_case_files_exhibit_locator"),
    Index("ix_case_files_case_sha1", "case_id", "sha1"),
    sqlite_autoincrement=True,
)

# A file's signals, one row per signal type (migration 0013_pipeline), like the events
# database's item_signals: a plugin type's value reaches the exports.
case_file_signals = Table(
    "case_file_signals",
    metadata,
    Column("file_id", Id, ForeignKey("case_files.id", ondelete="CASCADE"), primary_key=True),
    Column("signal_type", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("quality", Integer),
)

FILE_COLUMNS = [c.name for c in case_files.columns if c.name not in ("id", "case_id", "exhibit_id")]


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    name: str
    scheme: str
    lists: list[str] | None
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class ExhibitRow:
    id: int
    case_id: int
    exhibit: str
    path: str
    kind: str
    state: str
    added_at: datetime
    finished_at: datetime | None


def locator_key(locator: str) -> str:
    return hashlib.sha256(locator.encode("utf-8", "surrogateescape")).hexdigest()


def create_case(
    conn: Connection, name: str, scheme: str, lists: Sequence[str] | None, by: str
) -> CaseRow:
    values = {
        "name": name,
        "scheme": scheme,
        "lists": json.dumps(list(lists)) if lists else None,
        "created_at": datetime.now(UTC),
        "created_by": by,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(cases).values(**values))
    except IntegrityError:
        raise ConflictError(f"a case named {name!r} already exists") from None
    return get_case(conn, name)


def get_case(conn: Connection, name: str) -> CaseRow:
    row = conn.execute(select(cases).where(cases.c.name == name)).one_or_none()
    if row is None:
        raise NotFoundError(f"no case named {name!r}")
    return _case(row)


def all_cases(conn: Connection) -> list[CaseRow]:
    return [_case(r) for r in conn.execute(select(cases).order_by(cases.c.name))]


def _case(row: Any) -> CaseRow:
    lists = json.loads(row.lists) if row.lists else None
    return CaseRow(row.id, row.name, row.scheme, lists, row.created_at, row.created_by)


def set_scheme(conn: Connection, case_id: int, scheme: str) -> None:
    conn.execute(update(cases).where(cases.c.id == case_id).values(scheme=scheme))


def add_exhibit(conn: Connection, case_id: int, exhibit: str, path: str, kind: str) -> ExhibitRow:
    values = {
        "case_id": case_id,
        "exhibit": exhibit,
        "path": path,
        "kind": kind,
        "state": "running",
        "added_at": datetime.now(UTC),
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(case_exhibits).values(**values))
    except IntegrityError:
        raise ConflictError(f"the case already has an exhibit {exhibit!r}") from None
    return get_exhibit(conn, case_id, exhibit)


def get_exhibit(conn: Connection, case_id: int, exhibit: str) -> ExhibitRow:
    row = conn.execute(
        select(case_exhibits).where(
            case_exhibits.c.case_id == case_id, case_exhibits.c.exhibit == exhibit
        )
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"the case has no exhibit {exhibit!r}")
    return ExhibitRow(**row._mapping)


def exhibits(conn: Connection, case_id: int) -> list[ExhibitRow]:
    q = select(case_exhibits).where(case_exhibits.c.case_id == case_id).order_by(case_exhibits.c.id)
    return [ExhibitRow(**r._mapping) for r in conn.execute(q)]


def finish_exhibit(conn: Connection, exhibit_id: int) -> None:
    conn.execute(
        update(case_exhibits)
        .where(case_exhibits.c.id == exhibit_id)
        .values(state="done", finished_at=datetime.now(UTC))
    )


def done_keys(conn: Connection, exhibit_id: int) -> set[str]:
    q = select(case_files.c.locator_key).where(case_files.c.exhibit_id == exhibit_id)
    return {k for (k,) in conn.execute(q)}


def has_files(conn: Connection, case_id: int) -> bool:
    q = select(case_files.c.id).where(case_files.c.case_id == case_id).limit(1)
    return conn.execute(q).first() is not None


def insert_files(
    conn: Connection, case_id: int, exhibit_id: int, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert file rows (each with its ``signals``: ``(type, value, quality)``, stored
    as rows per type); a locator the exhibit already has is left as it is."""
    if not rows:
        return
    signals = {r["locator_key"]: r.get("signals") or () for r in rows}
    values = [
        {
            **{k: v for k, v in r.items() if k != "signals"},
            "case_id": case_id,
            "exhibit_id": exhibit_id,
        }
        for r in rows
    ]
    maker = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = maker(case_files).on_conflict_do_nothing(index_elements=["exhibit_id", "locator_key"])
    conn.execute(stmt, values)
    if not any(signals.values()):
        return
    ids = conn.execute(
        select(case_files.c.id, case_files.c.locator_key)
        .where(case_files.c.exhibit_id == exhibit_id)
        .where(case_files.c.locator_key.in_(list(signals)))
    ).all()
    found = [
        {"file_id": int(file_id), "signal_type": t, "value": v, "quality": q}
        for file_id, key in ids
        for t, v, q in signals[key]
    ]
    if found:  # a locator already there has its signals already: left as they are
        keys = ["file_id", "signal_type"]
        conn.execute(maker(case_file_signals).on_conflict_do_nothing(index_elements=keys), found)


def signals_of_files(
    conn: Connection, case_id: int, exhibit_id: int | None = None
) -> dict[int, dict[str, str]]:
    """``{file id: {signal type: value}}`` of a case's files (or one exhibit's)."""
    q = (
        select(case_file_signals)
        .join(case_files, case_files.c.id == case_file_signals.c.file_id)
        .where(case_files.c.case_id == case_id)
    )
    if exhibit_id is not None:
        q = q.where(case_files.c.exhibit_id == exhibit_id)
    out: dict[int, dict[str, str]] = {}
    for row in conn.execute(q):
        out.setdefault(int(row.file_id), {})[row.signal_type] = row.value
    return out


def file_rows(
    conn: Connection, case_id: int, exhibit_id: int | None = None
) -> Iterator[dict[str, Any]]:
    """Every file row of a case (or of one exhibit), in insertion order, with ``exhibit``."""
    q = (
        select(case_files, case_exhibits.c.exhibit)
        .join(case_exhibits, case_exhibits.c.id == case_files.c.exhibit_id)
        .where(case_files.c.case_id == case_id)
        .order_by(case_files.c.id)
    )
    if exhibit_id is not None:
        q = q.where(case_files.c.exhibit_id == exhibit_id)
    signals = signals_of_files(conn, case_id, exhibit_id)
    for row in conn.execute(q):
        out = dict(row._mapping)
        out["signals"] = signals.get(int(out["id"]), {})
        yield out


def list_revisions(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per list: scheme, PDQ threshold, entries and revision (its newest change)."""
    from sqlalchemy import func

    from brightline.services.store.tables import entries, hash_lists

    q = (
        select(
            hash_lists.c.name,
            hash_lists.c.scheme,
            hash_lists.c.pdq_threshold,
            func.count(entries.c.id),
            func.max(entries.c.rev),
        )
        .select_from(hash_lists.outerjoin(entries, entries.c.list_id == hash_lists.c.id))
        .group_by(hash_lists.c.name, hash_lists.c.scheme, hash_lists.c.pdq_threshold)
        .order_by(hash_lists.c.name)
    )
    return {
        name: {"scheme": scheme, "pdq_threshold": t, "entries": n, "revision": int(rev or 0)}
        for name, scheme, t, n, rev in conn.execute(q)
    }
