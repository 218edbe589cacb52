"""Per-list, per-signal-type match thresholds.

PDQ's threshold stays in ``hash_lists.pdq_threshold`` (where it has always been);
every other non-exact type's is a row here. A type without a row uses its
``default_threshold``. Changing a threshold bumps the revision, so matchers reload
list settings.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from brightline.core.models import HashList
from brightline.core.signals.thresholds import check_thresholds
from brightline.services.store.tables import Id, hash_lists, metadata

list_thresholds = Table(
    "list_thresholds",
    metadata,
    Column(
        "list_id",
        Id,
        ForeignKey("hash_lists.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("signal_type", String(32), primary_key=True),
    Column("threshold", Integer, nullable=False),
)


def set_thresholds(conn: Connection, list_id: int, values: Mapping[str, int]) -> None:
    """Set thresholds (checked with ``check_thresholds``); the caller bumps the revision."""
    for name, threshold in check_thresholds(values).items():
        if name == "pdq":
            query = update(hash_lists).where(hash_lists.c.id == list_id)
            conn.execute(query.values(pdq_threshold=threshold))
            continue
        conn.execute(
            delete(list_thresholds).where(
                list_thresholds.c.list_id == list_id, list_thresholds.c.signal_type == name
            )
        )
        conn.execute(
            insert(list_thresholds).values(list_id=list_id, signal_type=name, threshold=threshold)
        )


def thresholds_by_list(
    conn: Connection, list_ids: Collection[int] | None = None
) -> dict[int, dict[str, int]]:
    """``{list id: {signal type: threshold}}`` of the rows here (PDQ's is not one)."""
    query = select(list_thresholds)
    if list_ids is not None:
        query = query.where(list_thresholds.c.list_id.in_(sorted(list_ids)))
    out: dict[int, dict[str, int]] = {}
    for row in conn.execute(query):
        out.setdefault(int(row.list_id), {})[str(row.signal_type)] = int(row.threshold)
    return out


def with_thresholds(conn: Connection, found: list[HashList]) -> list[HashList]:
    """The lists with their per-type thresholds filled in."""
    if not found:
        return found
    by_list = thresholds_by_list(conn, None if len(found) > 100 else [hl.id for hl in found])
    return [_with(hl, by_list.get(hl.id, {})) for hl in found]


def _with(hl: HashList, thresholds: dict[str, int]) -> HashList:
    return replace(hl, thresholds=thresholds) if thresholds else hl
