"""Events from real review decisions, on each backend: queued, confirmed, rejected,
escalated, overturned and undone, and the time to first decision."""

from __future__ import annotations

from typing import Any

import pytest

from brightline.core.actor import Actor, local_operator
from brightline.services.context import Services
from brightline.services.demo import jpeg, picture
from brightline.services.people import users
from brightline.services.review import ReviewEnv, decide, intake, items
from brightline.services.stats import report


@pytest.fixture
def env(svc: Services) -> ReviewEnv:
    return ReviewEnv(svc.store, svc.settings)


@pytest.fixture
def people(svc: Services) -> dict[str, Actor]:
    out = {}
    for name, role in (("al", "analyst"), ("bo", "analyst"), ("se", "senior")):
        out[name] = users.create_user(svc.store, local_operator(), name, role, "x" * 12).actor
    return out


def grade(env: ReviewEnv, who: Actor, item_id: int, decision: str) -> dict[str, Any]:
    items.claim(env, who, item_id)
    return decide.decide(env, who, item_id, decision)


def totals(svc: Services) -> dict[str, Any]:
    q = report.make_query("2020-01-01", "2035-12-31", "year")
    return report.as_json(report.figures(svc.store, q), hide=False)["totals"]


def test_review_outcomes_are_counted(
    svc: Services, env: ReviewEnv, people: dict[str, Actor]
) -> None:
    new = [
        intake.from_upload(env, local_operator(), jpeg(picture(s)), "f.jpg", None)
        for s in range(1, 5)
    ]
    al, bo, se = people["al"], people["bo"], people["se"]
    grade(env, al, new[0], "A1")
    grade(env, bo, new[0], "A1")  # confirmed
    grade(env, al, new[1], "not_illegal")
    grade(env, bo, new[1], "not_illegal")  # rejected
    grade(env, al, new[2], "A1")
    assert grade(env, bo, new[2], "B1")["state"] == "escalated"
    assert grade(env, se, new[2], "B1")["state"] == "confirmed"  # against al: overturned
    grade(env, al, new[3], "skip")  # a skip is no decision
    t = totals(svc)
    assert t["review_queued"] == 4
    assert (t["review_confirmed"], t["review_rejected"], t["review_escalated"]) == (2, 1, 1)
    assert t["review_overturned"] == 1
    assert t["time_to_decision_median_s"] is not None  # three items had a first decision
    items.claim(env, bo, new[3])
    decide.decide(env, bo, new[3], "A1")
    decide.undo(env, bo, new[3])
    assert totals(svc)["review_confirmed"] == 2


def test_time_to_report_runs_from_the_review_item(svc: Services, env: ReviewEnv) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from brightline.services.reports import service
    from brightline.services.review.events import ConfirmedItem
    from brightline.services.stats import hooks
    from brightline.services.store.reports import reports

    item_id = intake.from_upload(env, local_operator(), jpeg(picture(9)), "f.jpg", None)
    now = datetime.now(UTC)
    item = ConfirmedItem(
        item_id=item_id,
        queue="default",
        list_name="iwf",
        report_to=("ncmec",),
        category="A1",
        scheme="industry",
        md5="0" * 32,
        sha1="1" * 40,
        sha256="2" * 64,
        size=10,
        media_type="image/jpeg",
        filename="f.jpg",
        metadata={"user_id": "u-1"},
        decided_by=("al",),
        confirmed_at=now,
    )
    with svc.store.begin() as conn:
        [report_id] = service.add_confirmed(conn, item)
        row = conn.execute(select(reports).where(reports.c.id == report_id)).one()
        hooks.report_filed(conn, row, now + timedelta(hours=6))
    t = totals(svc)
    assert t["reports_filed"] == 1 and t["reports_drafted"] == 1
    assert 6 * 3600 * 0.9 < t["time_to_report_median_s"] < 6 * 3600 * 1.1
