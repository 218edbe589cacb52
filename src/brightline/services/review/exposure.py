"""Looking after the people who look: per-analyst, per-day counters of items graded,
reveals and minutes spent, a daily limit and a break prompt. Seniors see the
counters, never what was looked at."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from brightline.core.actor import Actor
from brightline.errors import ForbiddenError
from brightline.services.review.env import ReviewEnv, require_reviewer, require_senior, user_id
from brightline.services.store import review as store_review
from brightline.settings import Settings


def day_of(now: datetime) -> str:
    return now.astimezone(UTC).date().isoformat()


def add(conn: Connection, actor: Actor, now: datetime, **deltas: int) -> None:
    store_review.add_exposure(conn, user_id(actor), actor.name, day_of(now), **deltas)


def today(conn: Connection, actor: Actor, now: datetime) -> dict[str, int]:
    rows = store_review.exposure_rows(conn, day_of(now), user_id(actor))
    if not rows:
        return {"items": 0, "reveals": 0, "seconds": 0}
    r = rows[0]
    return {"items": int(r.items), "reveals": int(r.reveals), "seconds": int(r.seconds)}


def check_limit(conn: Connection, settings: Settings, actor: Actor, now: datetime) -> None:
    if today(conn, actor, now)["items"] >= settings.review_daily_limit:
        raise ForbiddenError(
            f"you have reached today's limit of {settings.review_daily_limit} items; "
            "please stop for today"
        )


def mine(env: ReviewEnv, actor: Actor) -> dict[str, Any]:
    """This reviewer's counters for today, the limit and whether a break is due."""
    require_reviewer(actor)
    now = datetime.now(UTC)
    with env.store.connect() as conn:
        counts = today(conn, actor, now)
    every = max(1, env.settings.review_break_every)
    return {
        "day": day_of(now),
        **counts,
        "minutes": round(counts["seconds"] / 60, 1),
        "daily_limit": env.settings.review_daily_limit,
        "limit_reached": counts["items"] >= env.settings.review_daily_limit,
        "break_due": counts["items"] > 0 and counts["items"] % every == 0,
        "break_every": every,
    }


def counters(env: ReviewEnv, actor: Actor, day: str | None = None) -> list[dict[str, Any]]:
    """Every analyst's counters (one day, or all days): for seniors."""
    require_senior(actor)
    with env.store.connect() as conn:
        rows = store_review.exposure_rows(conn, day, None)
    return [
        {
            "user": r.user_name,
            "day": r.day,
            "items": int(r.items),
            "reveals": int(r.reveals),
            "minutes": round(int(r.seconds) / 60, 1),
        }
        for r in rows
    ]
