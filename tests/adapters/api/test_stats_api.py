"""``GET /v1/stats`` (who may read it, exact or suppressed) and ``GET /metrics``
(who may scrape it; parsed with prometheus_client's own parser)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from brightline.core.actor import local_operator
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.people import users
from brightline.services.stats.events import emit

PASSWORD = "correct horse battery"
TOKEN = "metrics-token-for-tests-0123456789"
T = datetime(2026, 2, 10, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"metrics_token": TOKEN}


@pytest.fixture(scope="module")
def people(server: Any) -> dict[str, str]:
    """Session tokens of a user in each role, and February 2026's events."""
    svc = open_services(server.settings)
    try:
        for role in ("analyst", "senior", "admin", "auditor"):
            users.create_user(svc.store, local_operator(), f"s-{role}", role, PASSWORD)
        with svc.store.begin_events() as conn:
            emit(
                conn,
                "item",
                source="upload",
                content_type="photo",
                outcome="unmatched",
                count=40,
                at=T,
            )
            emit(conn, "match", list_name="big", signal_type="md5", method="exact", count=30, at=T)
            emit(
                conn,
                "match",
                list_name="small",
                signal_type="pdq",
                method="perceptual",
                count=3,
                at=T,
            )
        with svc.store.begin() as conn:
            emit(conn, "review", outcome="confirmed", count=12, at=T)
            emit(conn, "review", outcome="rejected", count=2, at=T)
    finally:
        svc.close()
    out = {}
    with server.client() as c:
        for role in ("analyst", "senior", "admin", "auditor"):
            body = {"username": f"s-{role}", "password": PASSWORD}
            out[role] = c.post("/v1/auth/login", json=body).json()["token"]
    return out


def get(server: Any, token: str, path: str, **params: Any) -> Any:
    with server.client() as c:
        return c.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


FEB = {"from": "2026-02-01", "to": "2026-02-28", "by": "month", "group": "list"}


def test_admins_and_auditors_get_exact_figures(server: Any, people: dict[str, str]) -> None:
    for token in (people["admin"], people["auditor"], server.tokens["admin"]):
        data = get(server, token, "/v1/stats", **FEB).json()
        assert data["from"] == "2026-02-01" and data["by"] == "month"
        t = data["totals"]
        assert (t["items"], t["matches"], t["review_confirmed"], t["review_rejected"]) == (
            40,
            33,
            12,
            2,
        )
        assert {r["list"]: r["matches"] for r in data["rows"] if r["list"]} == {
            "big": 30,
            "small": 3,
        }
    suppressed = get(server, people["admin"], "/v1/stats", suppress="true", **FEB).json()
    assert suppressed["totals"]["review_rejected"] is None


def test_seniors_always_get_suppressed_figures(server: Any, people: dict[str, str]) -> None:
    data = get(server, people["senior"], "/v1/stats", **FEB).json()
    assert data["suppressed"] is True
    rows = {r["list"]: r["matches"] for r in data["rows"] if r["list"]}
    # "small" (3) is hidden, and so is "big": the total minus it would give it away
    assert rows == {"big": None, "small": None}
    assert data["totals"]["matches"] == 33 and data["totals"]["review_rejected"] is None


def test_scanners_curators_and_analysts_are_refused(
    server: Any, people: dict[str, str], assert_error: Any
) -> None:
    for token in (server.tokens["scanner"], server.tokens["curator"], people["analyst"]):
        assert_error(get(server, token, "/v1/stats"), 403, "forbidden")
    with server.client() as c:
        assert_error(c.get("/v1/stats"), 401, "unauthenticated")


def test_bad_parameters_are_422s(server: Any, people: dict[str, str], assert_error: Any) -> None:
    admin = people["admin"]
    assert_error(get(server, admin, "/v1/stats", by="fortnight"), 422, "invalid_input")
    assert_error(get(server, admin, "/v1/stats", group="colour"), 422, "invalid_input")
    assert_error(get(server, admin, "/v1/stats", tz="Nowhere/Else"), 422, "invalid_input")


def test_csv(server: Any, people: dict[str, str]) -> None:
    resp = get(server, people["admin"], "/v1/stats", format="csv", **FEB)
    assert resp.headers["content-type"].startswith("text/csv")
    lines = resp.text.splitlines()
    assert lines[0].startswith("period,list,jobs,")
    assert any(line.startswith("2026-02,big,") for line in lines)


def test_metrics_parse_and_need_the_token(
    server: Any, people: dict[str, str], assert_error: Any
) -> None:
    with server.client("scanner") as c:  # a real upload: hashed, counted, timed
        assert c.post("/v1/match", content=jpeg(picture(5))).status_code == 200
    with server.client() as c:
        assert_error(c.get("/metrics"), 401, "unauthenticated")
        wrong = c.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
    assert_error(get(server, server.tokens["scanner"], "/metrics"), 403, "forbidden")
    assert get(server, server.tokens["admin"], "/metrics").status_code == 200
    resp = get(server, TOKEN, "/metrics")
    assert resp.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(resp.text)}
    hashed = {
        s.labels["signal_type"]: s.value
        for s in families["brightline_files_hashed"].samples
        if s.name.endswith("_total")
    }
    assert hashed["md5"] >= 1 and hashed["pdq"] >= 1
    matches = {
        (s.labels["list"], s.labels["signal_type"]): s.value
        for s in families["brightline_matches"].samples
    }
    assert matches[("big", "md5")] == 30 and matches[("small", "pdq")] == 3
    latency = families["brightline_request_seconds"]
    routes = {s.labels["route"] for s in latency.samples if s.name.endswith("_count")}
    assert "/v1/match" in routes and "/v1/stats" in routes
    assert {
        "brightline_review_queue_depth",
        "brightline_outbox_pending",
        "brightline_exchange_entries",
        "brightline_index_size",
    } <= set(families)
    pending = {
        s.labels["destination"]: s.value for s in families["brightline_outbox_pending"].samples
    }
    assert pending.get("webhook") == 0
