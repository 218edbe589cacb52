"""Leases on reports, so two workers (API processes, a CLI ``--wait``) never drive the
same report at once. A lease is an owner (``host:pid:token``) and an expiry, renewed
with every step; an owner on this host whose process is gone (kill -9) is seen at
once, so a restarted worker resumes without waiting for the expiry."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, or_, select, update

from brightline.services.children import owner_gone
from brightline.services.store import Store
from brightline.services.store.reports import reports

LEASE = timedelta(minutes=5)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(store: Store, report_id: int, owner: str) -> bool:
    now = datetime.now(UTC)
    with store.begin() as conn:
        row = conn.execute(
            select(reports.c.lease_owner, reports.c.lease_until).where(reports.c.id == report_id)
        ).first()
        if row is None:
            return False
        free = row.lease_until is None or row.lease_until <= now or _dead(row.lease_owner)
        if not free and row.lease_owner != owner:
            return False
        done = conn.execute(
            update(reports)
            .where(reports.c.id == report_id)
            .where(or_(reports.c.lease_owner.is_(None), reports.c.lease_owner == row.lease_owner))
            .values(lease_owner=owner, lease_until=now + LEASE)
        )
        return done.rowcount == 1


def renew(conn: Connection, owner: str) -> None:
    conn.execute(
        update(reports)
        .where(reports.c.lease_owner == owner)
        .values(lease_until=datetime.now(UTC) + LEASE)
    )


def release(store: Store, report_id: int, owner: str) -> None:
    with store.begin() as conn:
        conn.execute(
            update(reports)
            .where(and_(reports.c.id == report_id, reports.c.lease_owner == owner))
            .values(lease_owner=None, lease_until=None)
        )


def _dead(owner: str | None) -> bool:
    """A lease owner on this host whose process is gone (killed, crashed)."""
    return not owner or owner_gone(owner)
