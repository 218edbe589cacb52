"""Per-list actions, the match log and the webhook outbox (delivery log)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, or_, select, update

from brightline.errors import NotFoundError
from brightline.services.store.tables import hash_lists, list_actions, match_log, webhook_deliveries

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


def insert_action(
    conn: Connection, list_id: int, kind: str, url: str | None, secret: str | None, now: datetime
) -> int:
    result = conn.execute(
        insert(list_actions).values(
            list_id=list_id, kind=kind, url=url, secret=secret, created_at=now
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _actions_query() -> Any:
    return select(list_actions, hash_lists.c.name.label("list_name")).join(
        hash_lists, hash_lists.c.id == list_actions.c.list_id
    )


def actions_for_lists(conn: Connection, list_ids: Iterable[int]) -> list[Row[Any]]:
    ids = sorted(set(list_ids))
    if not ids:
        return []
    query = _actions_query().where(list_actions.c.list_id.in_(ids)).order_by(list_actions.c.id)
    return list(conn.execute(query).all())


def get_action(conn: Connection, action_id: int) -> Row[Any]:
    row = conn.execute(_actions_query().where(list_actions.c.id == action_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no action with id {action_id}")
    return row


def delete_action(conn: Connection, action_id: int) -> None:
    conn.execute(list_actions.delete().where(list_actions.c.id == action_id))


def insert_match_log(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(match_log), list(rows))


def match_log_rows(
    conn: Connection, list_name: str | None, after_id: int, limit: int
) -> list[Row[Any]]:
    query = select(match_log).where(match_log.c.id > after_id)
    if list_name is not None:
        query = query.where(match_log.c.list_name == list_name)
    return list(conn.execute(query.order_by(match_log.c.id).limit(limit)).all())


def insert_deliveries(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(webhook_deliveries), list(rows))


def due_delivery_ids(conn: Connection, now: datetime, limit: int) -> list[int]:
    query = (
        select(webhook_deliveries.c.id)
        .where(
            webhook_deliveries.c.status == PENDING,
            webhook_deliveries.c.next_attempt_at <= now,
            _unleased(now),
        )
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
        .limit(limit)
    )
    return [int(i) for i in conn.execute(query).scalars()]


def claim_delivery(conn: Connection, delivery_id: int, now: datetime, until: datetime) -> bool:
    """Lease a due delivery to the caller; False when another worker got it first."""
    result = conn.execute(
        update(webhook_deliveries)
        .where(
            webhook_deliveries.c.id == delivery_id,
            webhook_deliveries.c.status == PENDING,
            webhook_deliveries.c.next_attempt_at <= now,
            _unleased(now),
        )
        .values(lease_until=until)
    )
    return result.rowcount == 1


def _unleased(now: datetime) -> Any:
    lease = webhook_deliveries.c.lease_until
    return or_(lease.is_(None), lease < now)


def get_delivery(conn: Connection, delivery_id: int) -> Row[Any]:
    query = select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFoundError(f"no webhook delivery with id {delivery_id}")
    return row


def finish_attempt(conn: Connection, delivery_id: int, lease: datetime, **values: Any) -> bool:
    """Record an attempt made under ``lease``; False (nothing written) when the lease
    ran out and another worker has claimed the delivery since."""
    result = conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.lease_until == lease)
        .values(lease_until=None, **values)
    )
    return result.rowcount == 1


def delivery_rows(
    conn: Connection, list_name: str | None, status: str | None, after_id: int, limit: int
) -> list[Row[Any]]:
    conds = [webhook_deliveries.c.id > after_id]
    if list_name is not None:
        conds.append(webhook_deliveries.c.list_name == list_name)
    if status is not None:
        conds.append(webhook_deliveries.c.status == status)
    query = select(webhook_deliveries).where(and_(*conds)).order_by(webhook_deliveries.c.id)
    return list(conn.execute(query.limit(limit)).all())
