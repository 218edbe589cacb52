"""The stats page in Chromium: charts beside tables, always suppressed, for seniors,
admins and auditors only. Its screenshot is ``docs/screenshots/stats.png``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.stats.events import duration, emit

from .conftest import WebServer, start_server

#: Matches per month (Jan..Dec 2026) on three lists; "local" is small some months.
IWF = [120, 135, 150, 148, 160, 172, 181, 176, 190, 204, 215, 230]
NCMEC = [40, 38, 45, 51, 49, 55, 60, 58, 62, 66, 70, 75]
LOCAL = [3, 12, 0, 14, 2, 18, 20, 11, 15, 4, 22, 25]


@pytest.fixture(scope="module")
def stats_web(tmp_path_factory: Any) -> Iterator[WebServer]:
    for server in start_server(tmp_path_factory.mktemp("statshome")):
        seed(server)
        yield server


def seed(server: WebServer) -> None:
    svc = open_services(server.settings)
    try:
        with svc.store.begin_events() as conn:
            for month in range(12):
                at = datetime(2026, month + 1, 10, 9, tzinfo=UTC)
                for name, counts in (("iwf", IWF), ("ncmec-hashes", NCMEC), ("local", LOCAL)):
                    emit(
                        conn,
                        "match",
                        list_name=name,
                        signal_type="md5",
                        method="exact",
                        count=counts[month],
                        at=at,
                    )
                emit(conn, "item", outcome="unmatched", count=5000 + 300 * month, at=at)
        with svc.store.begin() as conn:
            for month in range(12):
                at = datetime(2026, month + 1, 12, tzinfo=UTC)
                emit(conn, "review", outcome="queued", count=60 + 4 * month, at=at)
                emit(conn, "review", outcome="confirmed", count=40 + 3 * month, at=at)
                emit(conn, "review", outcome="rejected", count=12 + month % 4, at=at)
                emit(conn, "review", outcome="escalated", count=3 + month % 3, at=at)
                emit(conn, "review", outcome="overturned", count=month % 2, at=at)
                for i in range(30):
                    wait = timedelta(hours=2 + (i * 7 + month * 3) % 40)
                    duration(conn, "decision", wait.total_seconds(), list_name="iwf", at=at)
                    duration(conn, "report", (wait * 3).total_seconds(), list_name="iwf", at=at)
    finally:
        svc.close()
    with server.client("scanner") as c:  # twelve items waiting in the default queue
        for i in range(12):
            meta = {"user_id": f"user-{i}", "url": "https://p.example/x"}
            resp = c.post(
                "/v1/intake",
                files={"file": (f"r{i}.jpg", jpeg(picture(900 + i)))},
                data={"metadata": json.dumps(meta)},
            )
            assert resp.status_code == 201, resp.text


YEAR = "/ui/stats?from=2026-01-01&to=2026-12-31&by=month"


def cell(page: Any, table: str, row: str, col: int) -> str:
    text: str = page.locator(f"#{table} tbody tr", has_text=row).locator("td").nth(col).inner_text()
    return text.strip()


def test_a_senior_sees_charts_beside_suppressed_tables(
    stats_web: WebServer, sign_in: Any, shots: Any
) -> None:
    page = sign_in(stats_web, "carol")
    page.goto(stats_web.url + YEAR)
    for chart in ("matches", "outcomes", "decision", "report", "queue"):
        assert page.locator(f"svg#chart-{chart}").count() == 1
        assert page.locator(f"svg#chart-{chart} [style]").count() == 0  # CSP: no style attrs
    # columns: period, iwf, ncmec-hashes, local, total, change
    assert cell(page, "matches-table", "2026-02", 1) == "135"
    assert cell(page, "matches-table", "2026-01", 3) == "[c]"  # 3 matches on local
    assert cell(page, "matches-table", "2026-02", 3) == "12"
    # January's other lists are hidden too, or its total would give local away
    assert cell(page, "matches-table", "2026-01", 2) == "[c]"
    assert page.locator("#matches-table tfoot td").nth(2).inner_text() == f"{sum(LOCAL):,}"
    assert cell(page, "matches-table", "2026-12", 5) == "+7%"  # 330 after 307
    assert page.locator("#outcomes-table tbody tr").count() == 12
    assert cell(page, "outcomes-table", "2026-02", 5) == "[c]"  # one overturned
    assert cell(page, "queue-table", "default", 1) == "12"
    assert "h" in cell(page, "decision-table", "2026-03", 2)
    shots(page, "stats")


def test_admins_and_auditors_may_look_and_analysts_may_not(
    stats_web: WebServer, sign_in: Any
) -> None:
    for name in ("root", "audrey"):
        page = sign_in(stats_web, name)
        resp = page.goto(stats_web.url + YEAR)
        assert resp.status == 200 and page.locator("#matches-table").count() == 1
        assert page.locator("nav a", has_text="Statistics").count() == 1
    alice = sign_in(stats_web, "alice")
    resp = alice.goto(stats_web.url + "/ui/stats")
    assert resp.status == 403
    assert alice.locator("nav a", has_text="Statistics").count() == 0


def test_a_bad_time_zone_is_said_not_crashed(stats_web: WebServer, sign_in: Any) -> None:
    page = sign_in(stats_web, "carol")
    resp = page.goto(stats_web.url + "/ui/stats?tz=Nowhere/Else")
    assert resp.status == 403 and "time zone" in page.content()
