"""Hash lists: create, read, change, delete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, Row, Select, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from brightline.core.categories import check_scheme
from brightline.core.models import HashList
from brightline.core.names import check_list_name, check_text
from brightline.errors import ConflictError, NotFoundError, UsageError, shorten
from brightline.services.store.db import next_rev
from brightline.services.store.tables import entries, hash_lists, tombstones
from brightline.services.store.thresholds import set_thresholds, with_thresholds

DEFAULT_PDQ_THRESHOLD = 31


def check_threshold(threshold: int) -> int:
    if not 0 <= threshold <= 256:
        raise UsageError(f"PDQ threshold must be between 0 and 256, got {threshold:,}")
    return threshold


def create_list(
    conn: Connection,
    name: str,
    scheme: str = "none",
    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD,
    description: str | None = None,
    thresholds: Mapping[str, int] | None = None,
) -> HashList:
    """``thresholds``: by signal type, beside (or overriding) ``pdq_threshold``."""
    name = check_list_name(name)
    check_text("description", description)
    now = datetime.now(UTC)
    values = {
        "name": name,
        "scheme": check_scheme(scheme),
        "pdq_threshold": check_threshold(pdq_threshold),
        "description": description,
        "created_at": now,
        "updated_at": now,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(hash_lists).values(**values))
            if thresholds:
                query = select(hash_lists.c.id).where(hash_lists.c.name == name)
                set_thresholds(conn, int(conn.execute(query).scalar_one()), thresholds)
            next_rev(conn)  # matchers reload list settings when the revision moves
    except IntegrityError:
        raise ConflictError(f"a list named {name!r} already exists") from None
    return get_list(conn, name)


def get_list(conn: Connection, name: str, *, count: bool = True) -> HashList:
    """The list named ``name``. ``count=False`` leaves ``entry_count`` at 0: counting
    reads every entry of the list (seconds at 10 M), so operations that only need the
    list's id and settings (adding entries, importing, matching) skip it."""
    # A NUL cannot be in any name (PostgreSQL would refuse the query itself).
    row = None
    if "\x00" not in name:
        query = _list_query() if count else select(hash_lists, literal(0).label("entry_count"))
        row = conn.execute(query.where(hash_lists.c.name == name)).one_or_none()
    if row is None:
        raise NotFoundError(f"no list named {shorten(name)}")
    return with_thresholds(conn, [_to_list(row)])[0]


def all_lists(conn: Connection) -> list[HashList]:
    rows = conn.execute(_list_query().order_by(hash_lists.c.name)).all()
    return with_thresholds(conn, [_to_list(row) for row in rows])


def list_settings(conn: Connection) -> list[HashList]:
    """Every list without counting entries (cheap: for matchers)."""
    rows = conn.execute(select(hash_lists, literal(0).label("entry_count"))).all()
    return with_thresholds(conn, [_to_list(row) for row in rows])


def update_list(
    conn: Connection,
    name: str,
    *,
    pdq_threshold: int | None = None,
    description: str | None = None,
    thresholds: Mapping[str, int] | None = None,
) -> HashList:
    current = get_list(conn, name)
    values: dict[str, object] = {"updated_at": datetime.now(UTC)}
    if pdq_threshold is not None:
        values["pdq_threshold"] = check_threshold(pdq_threshold)
    if description is not None:
        values["description"] = check_text("description", description)
    conn.execute(update(hash_lists).where(hash_lists.c.id == current.id).values(**values))
    if thresholds:
        set_thresholds(conn, current.id, thresholds)
    next_rev(conn)
    return get_list(conn, name)


def delete_list(conn: Connection, name: str) -> int:
    """Delete a list and its entries; returns how many entries went with it."""
    current = get_list(conn, name)
    rev = next_rev(conn)
    # Tombstones let every index drop the entries without a rebuild.
    conn.execute(
        insert(tombstones).from_select(
            ["entry_id", "signal_type", "rev"],
            select(entries.c.id, entries.c.signal_type, literal(rev, BigInteger)).where(
                entries.c.list_id == current.id
            ),
        )
    )
    gone = conn.execute(entries.delete().where(entries.c.list_id == current.id)).rowcount
    conn.execute(hash_lists.delete().where(hash_lists.c.id == current.id))
    return int(gone)


def _list_query() -> Select[Any]:
    count = (
        select(func.count())
        .where(entries.c.list_id == hash_lists.c.id)
        .scalar_subquery()
        .label("entry_count")
    )
    return select(hash_lists, count)


def _to_list(row: Row[tuple[object, ...]]) -> HashList:
    m = row._mapping
    return HashList(
        id=int(m["id"]),
        name=str(m["name"]),
        scheme=str(m["scheme"]),
        pdq_threshold=int(m["pdq_threshold"]),
        created_at=m["created_at"],
        entry_count=int(m["entry_count"] or 0),
    )
