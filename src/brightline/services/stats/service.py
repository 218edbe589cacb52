"""Who sees which figures: the one entry point the CLI, API and pages call.

Admins, auditors, the local operator and admin API keys see exact figures unless
they ask for suppression; seniors always see suppressed ones. Everything published
(exports, the stats page) is suppressed whoever asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from brightline.core.actor import Actor
from brightline.errors import ForbiddenError
from brightline.services.stats import report
from brightline.services.store import Store
from brightline.settings import Settings

#: Roles that may read statistics at all (users; API keys need the admin role).
READERS = frozenset({"senior", "admin", "auditor", "operator", "system"})
#: Roles that get exact figures unless they ask otherwise.
EXACT = frozenset({"admin", "auditor", "operator", "system"})


def check_reader(actor: Actor) -> None:
    allowed = actor.role in READERS and not (actor.kind == "key" and actor.role != "admin")
    if not allowed:
        raise ForbiddenError("statistics are for seniors, admins and auditors")


def stats(
    store: Store,
    settings: Settings,
    actor: Actor,
    *,
    first: str | date | None = None,
    last: str | date | None = None,
    by: str = "month",
    group: Sequence[str] = (),
    tz: str = "UTC",
    suppress: bool = False,
) -> dict[str, Any]:
    """``{"from", "to", "by", "totals", "rows", …}`` for ``actor``."""
    check_reader(actor)
    query = report.make_query(first, last, by, group, tz, min_cell=settings.stats_min_cell)
    hide = suppress or actor.role not in EXACT
    return report.as_json(report.figures(store, query), hide=hide)
