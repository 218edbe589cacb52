"""The ``webhook`` action: one signed delivery per action and batch, queued in the
outbox with the matches (``services.actions.delivery`` sends them in the background)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from brightline.core.models import Match, match_json
from brightline.services.actions.registry import Action, ActionRun, MatchContext
from brightline.services.stats import hooks as stats_hooks
from brightline.services.store import actions as store_actions


class WebhookAction:
    kind = "webhook"
    phase = "record"

    def run(self, run: ActionRun) -> int:
        assert run.events is not None
        now = datetime.now(UTC)
        rows = []
        for action in run.actions:
            found = [m for _, on in run.hits_on(action) for m in on]
            if found:
                rows.append(_delivery_row(action, found, run.context, now))
        store_actions.insert_deliveries(run.events, rows)
        stats_hooks.webhooks(run.events, run.context.actor, rows, run.context.job_id)
        return len(rows)


HANDLER = WebhookAction()


def _delivery_row(
    action: Action, found: Sequence[Match], ctx: MatchContext, now: datetime
) -> dict[str, Any]:
    payload: dict[str, object] = {
        "event": "match",
        "list": action.list_name,
        "at": now.isoformat(),
        "request_id": ctx.request_id,
        "ref": ctx.ref,
        "matches": [match_json(m) for m in found],
    }
    if any(m.retroactive for m in found):
        payload["retroactive"] = True
    return {
        "action_id": action.id,
        "list_name": action.list_name,
        "url": action.url,
        "payload": json.dumps(payload, separators=(",", ":")),
        "status": store_actions.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
