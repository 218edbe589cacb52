"""Quality figures for seniors: each reviewer's agreement with the known answers of
quality-check items, and with the final outcome of the other items they graded."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from brightline.core.actor import Actor
from brightline.services.review.env import ReviewEnv, require_senior
from brightline.services.review.intake import NOT_ILLEGAL
from brightline.services.store import review as store_review


def figures(env: ReviewEnv, actor: Actor) -> list[dict[str, Any]]:
    require_senior(actor)
    with env.store.connect() as conn:
        rows = store_review.decisions_with_items(conn)
    acc: dict[str, dict[str, int]] = defaultdict(
        lambda: {"decisions": 0, "qc": 0, "qc_right": 0, "peer": 0, "peer_agreed": 0}
    )
    for r in rows:
        a = acc[str(r.user_name)]
        a["decisions"] += 1
        if r.quality:
            a["qc"] += 1
            a["qc_right"] += r.decision == r.known_answer
        elif r.state in ("confirmed", "rejected"):
            outcome = r.category if r.state == "confirmed" else NOT_ILLEGAL
            a["peer"] += 1
            a["peer_agreed"] += r.decision == outcome
    return [
        {
            "user": name,
            "decisions": a["decisions"],
            "quality_checks": a["qc"],
            "quality_agreement": _rate(a["qc_right"], a["qc"]),
            "peer_items": a["peer"],
            "peer_agreement": _rate(a["peer_agreed"], a["peer"]),
        }
        for name, a in sorted(acc.items())
    ]


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None
