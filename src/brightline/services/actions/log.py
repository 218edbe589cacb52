"""The ``log`` action: every match in the match log (implied for every list), a
quarantined or retroactive one with its state, and the matches a negative list
suppressed (state ``suppressed``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from brightline.core.models import Match, Suppressed
from brightline.services.actions.registry import ActionRun, MatchContext
from brightline.services.store import actions as store_actions
from brightline.services.store.content import clean_text


class LogAction:
    kind = "log"
    phase = "record"

    def run(self, run: ActionRun) -> int:
        assert run.events is not None
        matches = [m for hit in run.hits for m in hit.matches]
        item_ids = [hit.item_id for hit in run.hits for _ in hit.matches]
        log_matches(run.events, matches, run.context, item_ids)
        held = [s for hit in run.hits for s in hit.suppressed]
        held_ids = [hit.item_id for hit in run.hits for _ in hit.suppressed]
        log_suppressed(run.events, held, run.context, held_ids)
        return len(matches)


HANDLER = LogAction()


def log_matches(
    conn: Connection,
    matches: Sequence[Match],
    ctx: MatchContext,
    item_ids: Sequence[int | None] | None = None,
) -> None:
    """Match-log rows, in a transaction the caller holds on the events database."""
    now = datetime.now(UTC)
    ids = item_ids if item_ids is not None else [None] * len(matches)
    rows = [_log_row(m, ctx, now, item) for m, item in zip(matches, ids, strict=True)]
    store_actions.insert_match_log(conn, rows)


def log_suppressed(
    conn: Connection,
    held: Sequence[Suppressed],
    ctx: MatchContext,
    item_ids: Sequence[int | None] | None = None,
) -> None:
    """Match-log rows (state ``suppressed``) for matches a negative list held back."""
    if not held:
        return
    ids = item_ids if item_ids is not None else [None] * len(held)
    now = datetime.now(UTC)
    rows = []
    for s, item in zip(held, ids, strict=True):
        m = Match(
            s.list_name, 0, s.entry_id, s.signal_type, s.value, s.distance, None, "", None, None
        )
        row = _log_row(m, ctx, now, item)
        row["state"] = "suppressed"
        row["source"] = clean_text(f"suppressed by {s.by_list} entry {s.by_entry_id}", 200)
        rows.append(row)
    store_actions.insert_match_log(conn, rows)


def _log_row(m: Match, ctx: MatchContext, now: datetime, item_id: int | None) -> dict[str, Any]:
    return {
        "at": now,
        "list_name": m.list_name,
        "entry_id": m.entry_id,
        "signal_type": m.signal_type,
        "value": m.value,
        "distance": m.distance,
        "category": m.category,
        "source": m.source,
        "key_prefix": ctx.key_prefix,
        "request_id": ctx.request_id,
        "ref": clean_text(ctx.ref, 256),
        "actor": clean_text(ctx.actor, 300),
        "job_id": ctx.job_id,
        "item_id": item_id,
        "state": "quarantined" if m.quarantined else None,
        "retroactive": True if m.retroactive else None,
    }
