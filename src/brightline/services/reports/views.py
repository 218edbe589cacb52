"""How reports look to people (CLI, API, pages): list and detail views, and the
report document of an evidence export."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from brightline.errors import UsageError
from brightline.services.reports.build import item_rows, report_file, report_row
from brightline.services.store import Store
from brightline.services.store.reports import report_items, report_steps, reports
from brightline.services.store.review import signals_of_item
from brightline.settings import Settings

STATES = ("draft", "sending", "finished", "failed", "retracted")


def list_reports(
    store: Store, settings: Settings, state: str | None = None, destination: str | None = None
) -> list[dict[str, Any]]:
    if state is not None and state not in STATES:
        raise UsageError(f"unknown state {state!r}; choose one of {', '.join(STATES)}")
    query = select(reports).order_by(reports.c.id)
    if state:
        query = query.where(reports.c.state == state)
    if destination:
        query = query.where(reports.c.destination == destination)
    with store.connect() as conn:
        rows = conn.execute(query).all()
        return [_view(conn, r, settings, detail=False) for r in rows]


def show(store: Store, settings: Settings, report_id: int) -> dict[str, Any]:
    with store.connect() as conn:
        return _view(conn, report_row(conn, report_id), settings, detail=True)


def _view(conn: Connection, row: Row[Any], settings: Settings, *, detail: bool) -> dict[str, Any]:
    items = item_rows(conn, int(row.id))
    out: dict[str, Any] = {
        "id": int(row.id),
        "destination": row.destination,
        "state": row.state,
        "report_id": row.remote_id,
        "reported_user": row.user_key,
        "items": [_item_view(conn, i, settings) for i in items],
        "created_at": row.created_at.isoformat(),
        "sent_by": row.sent_by,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "attempts": int(row.attempts),
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "last_error": row.last_error,
        "retract_requested": bool(row.retract_requested),
        "hold_until": row.hold_until.isoformat() if row.hold_until else None,
    }
    if detail:
        out["escalate"] = row.escalate
        out["hold_reason"] = row.hold_reason
        out["generation"] = int(row.generation)
        out["steps"] = [
            {
                "generation": int(s.generation),
                "kind": s.kind,
                "item_id": int(s.item_id) or None,
                "state": s.state,
                "attempts": int(s.attempts),
                "remote_id": s.remote_id,
                "response_code": s.response_code,
                "response": s.response_text,
            }
            for s in conn.execute(
                select(report_steps)
                .where(report_steps.c.report_id == row.id)
                .order_by(report_steps.c.generation, report_steps.c.position)
            )
        ]
    return out


def _item_view(conn: Connection, row: Row[Any], settings: Settings) -> dict[str, Any]:
    f = report_file(row, settings)
    return {
        # The review item's signals by type (a plugin type's too).
        "signals": signals_of_item(conn, int(row.item_id)),
        "item_id": f.item_id,
        "queue": row.queue,
        "list": row.list_name,
        "scheme": row.scheme,
        "category": row.category,
        "industry": f.classification.industry,
        "classification": f.classification.explanation,
        "sha256": f.sha256,
        "md5": f.md5,
        "size": f.size,
        "filename": f.filename,
        "preserved": row.vault_object is not None,
    }


def for_item(store: Store, item_id: int) -> list[dict[str, Any]]:
    """The reports a review item joined: ``id``, ``destination``, ``state``, ``report_id``."""
    query = (
        select(reports.c.id, reports.c.destination, reports.c.state, reports.c.remote_id)
        .join(report_items, report_items.c.report_id == reports.c.id)
        .where(report_items.c.item_id == item_id)
        .order_by(reports.c.id)
    )
    with store.connect() as conn:
        return [
            {
                "id": int(r.id),
                "destination": r.destination,
                "state": r.state,
                "report_id": r.remote_id,
            }
            for r in conn.execute(query)
        ]


def counts(store: Store) -> dict[str, int]:
    with store.connect() as conn:
        rows = conn.execute(select(reports.c.state, func.count()).group_by(reports.c.state))
        return {str(state): int(n) for state, n in rows}


def export_document(store: Store, settings: Settings, report_id: int) -> str:
    """The report as JSON for an evidence export: the report, its items' hashes, its
    steps and NCMEC's ids (the files and archived exchanges are exported beside it)."""
    view = show(store, settings, report_id)
    view["exported_at"] = datetime.now(UTC).isoformat()
    return json.dumps(view, indent=2, default=str) + "\n"
