"""Figures read from the rollups: fixed events whose parts sum to known totals,
period boundaries and time zones, on SQLite (two files) and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from brightline.services.context import Services
from brightline.services.stats import report
from brightline.services.stats.events import duration, emit
from brightline.services.store import Store

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def fixture_events(store: Store) -> None:
    """Items and matches in the events database, review and reports in the main one.

    March 2026: 120 items (30 matched), 40 matches (iwf 25: 20 md5 + 5 pdq; local 15).
    April 2026: 60 items (10 matched), 12 matches on iwf; 9 confirmed, 3 rejected,
    1 escalated; 4 reports filed to ncmec, 2 to nca.
    """
    with store.begin_events() as conn:
        emit(
            conn, "item", source="scan", content_type="photo", outcome="unmatched", count=90, at=T0
        )
        emit(
            conn,
            "item",
            source="upload",
            content_type="photo",
            outcome="matched",
            count=30,
            at=T0 + timedelta(days=10),
        )
        emit(
            conn,
            "match",
            list_name="iwf",
            signal_type="md5",
            category="A",
            method="exact",
            source="scan",
            count=20,
            at=T0 + timedelta(days=3),
        )
        emit(
            conn,
            "match",
            list_name="iwf",
            signal_type="pdq",
            category="B",
            method="perceptual",
            source="upload",
            count=5,
            at=T0 + timedelta(days=30, hours=23),
        )
        emit(
            conn,
            "match",
            list_name="local",
            signal_type="md5",
            category="A",
            method="exact",
            source="scan",
            count=15,
            at=T0 + timedelta(days=20),
        )
        april = datetime(2026, 4, 1, tzinfo=UTC)
        emit(
            conn,
            "item",
            source="case",
            content_type="video",
            outcome="unmatched",
            count=50,
            at=april,
        )
        emit(
            conn,
            "item",
            source="case",
            content_type="video",
            outcome="matched",
            count=10,
            at=april + timedelta(days=29, hours=23, minutes=59),
        )
        emit(
            conn,
            "match",
            list_name="iwf",
            signal_type="md5",
            category="A",
            method="exact",
            source="case",
            count=12,
            at=april + timedelta(days=2),
        )
        emit(conn, "match", list_name="iwf", outcome="suppressed", count=7, at=april)
    with store.begin() as conn:
        for i in range(9):
            emit(
                conn,
                "review",
                list_name="iwf",
                category="A",
                outcome="confirmed",
                at=april + timedelta(days=i),
            )
            duration(conn, "decision", 3600 * (i + 1), list_name="iwf", at=april)
        for _ in range(3):
            emit(conn, "review", list_name="iwf", outcome="rejected", at=april)
        emit(conn, "review", list_name="iwf", outcome="escalated", at=april)
        for dest, n in (("ncmec", 4), ("nca", 2)):
            for _ in range(n):
                emit(
                    conn, "report", destination=dest, outcome="filed", at=april + timedelta(days=5)
                )


def ask(svc: Services, **kw: Any) -> dict[str, Any]:
    q = report.make_query(**kw)
    return report.as_json(report.figures(svc.store, q), hide=False)


def test_totals_and_monthly_rows_add_up(svc: Services) -> None:
    fixture_events(svc.store)
    data = ask(svc, first="2026-03-01", last="2026-04-30", by="month")
    t = data["totals"]
    assert (t["items"], t["matched_items"], t["matches"]) == (180, 40, 52)
    assert (t["review_confirmed"], t["review_rejected"], t["review_escalated"]) == (9, 3, 1)
    assert t["reports_filed"] == 6
    assert t["matches_suppressed"] == 7 and t["matches_quarantined"] == 0  # counted apart
    rows = {r["period"]: r for r in data["rows"]}
    assert rows["2026-03"]["items"] == 120 and rows["2026-03"]["matches"] == 40
    assert rows["2026-04"]["items"] == 60 and rows["2026-04"]["matches"] == 12
    assert data["from"] == "2026-03-01" and data["to"] == "2026-04-30" and data["by"] == "month"
    assert t["time_to_decision_median_s"] == pytest.approx(5 * 3600, rel=0.1)
    assert t["time_to_decision_p90_s"] == pytest.approx(9 * 3600, rel=0.1)


def test_groups_split_the_totals(svc: Services) -> None:
    fixture_events(svc.store)
    data = ask(svc, first="2026-03-01", last="2026-04-30", by="month", group=["list", "method"])
    matches = {(r["period"], r["list"], r["method"]): r["matches"] for r in data["rows"]}
    assert matches[("2026-03", "iwf", "exact")] == 20
    assert matches[("2026-03", "iwf", "perceptual")] == 5
    assert matches[("2026-03", "local", "exact")] == 15
    assert matches[("2026-04", "iwf", "exact")] == 12
    assert sum(r["matches"] for r in data["rows"]) == data["totals"]["matches"] == 52
    by_dest = ask(svc, first="2026-04-01", last="2026-04-30", group=["destination"])
    filed = {r["destination"]: r["reports_filed"] for r in by_dest["rows"] if r["reports_filed"]}
    assert filed == {"ncmec": 4, "nca": 2}


def test_period_edges_and_days(svc: Services) -> None:
    fixture_events(svc.store)
    # 2026-03-31 23:00 UTC: the last hour of March in UTC ...
    utc = ask(svc, first="2026-03-31", last="2026-04-01", by="day")
    assert {r["period"]: r["matches"] for r in utc["rows"]} == {"2026-03-31": 5, "2026-04-01": 0}
    # ... but already 1 April in London (BST), and the April items at 00:00 UTC too
    london = ask(svc, first="2026-03-31", last="2026-04-01", by="day", tz="Europe/London")
    by_day = {r["period"]: r for r in london["rows"]}
    assert by_day["2026-03-31"]["matches"] == 0 and by_day["2026-04-01"]["matches"] == 5
    assert by_day["2026-04-01"]["items"] == 50
    # a range that stops part-way through a month reads days and quarter-hours
    part = ask(svc, first="2026-03-05", last="2026-04-30", by="quarter")
    assert part["totals"]["matches"] == 52 - 20


def test_kolkata_half_hour_offset_is_exact(svc: Services) -> None:
    with svc.store.begin_events() as conn:
        emit(conn, "item", outcome="unmatched", at=datetime(2026, 5, 1, 18, 29, tzinfo=UTC))
        emit(conn, "item", outcome="unmatched", at=datetime(2026, 5, 1, 18, 30, tzinfo=UTC))
    data = ask(svc, first="2026-05-01", last="2026-05-02", by="day", tz="Asia/Kolkata")
    assert {r["period"]: r["items"] for r in data["rows"]} == {"2026-05-01": 1, "2026-05-02": 1}


def test_suppressed_output_hides_small_cells(svc: Services) -> None:
    fixture_events(svc.store)
    q = report.make_query("2026-03-01", "2026-04-30", "month", ["list"], min_cell=10)
    data = report.as_json(report.figures(svc.store, q), hide=True)
    cells = {(r["period"], r["list"]): r["matches"] for r in data["rows"]}
    assert cells[("2026-03", "iwf")] == 25 and cells[("2026-03", "local")] == 15
    assert data["totals"]["reports_filed"] is None  # 6 < 10
    assert data["totals"]["review_rejected"] is None
    assert data["suppressed"] is True


def test_bad_queries_are_input_errors() -> None:
    from brightline.errors import InputError

    for kw in ({"by": "fortnight"}, {"group": ["colour"]}, {"first": "yesterday"}, {"tz": "X/Y"}):
        with pytest.raises(InputError):
            report.make_query(**kw)  # type: ignore[arg-type]
    q = report.make_query(last="2026-06-15", by="month")
    assert q.first == date(2025, 7, 1)
