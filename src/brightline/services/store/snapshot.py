"""Reads for a batch's index snapshot: every active entry of some lists, in id order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, select

from brightline.services.store.tables import entries

#: ``(id, list id, signal type, value, category, source, source id)``
EntryRow = tuple[int, int, str, str, str | None, str | None, str | None]


def active_entry_rows(
    conn: Connection, list_ids: Sequence[int] | None, batch: int = 50_000
) -> Iterator[EntryRow]:
    """Enabled, not withdrawn entries of ``list_ids`` (every list when None)."""
    c = entries.c
    query = (
        select(c.id, c.list_id, c.signal_type, c.value, c.category, c.source, c.source_id)
        .where(c.enabled.is_(True), c.withdrawn.is_(False))
        .order_by(c.id)
        .execution_options(yield_per=batch)
    )
    if list_ids is not None:
        query = query.where(c.list_id.in_(list(list_ids)))
    for row in conn.execute(query):
        yield (int(row[0]), int(row[1]), row[2], row[3], row[4], row[5], row[6])
