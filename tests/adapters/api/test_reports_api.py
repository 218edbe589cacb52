"""``/v1/reports`` on a real server: a senior (curator key for now) sends a draft and
the outbox worker inside the server files it on the local NCMEC server."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[2]))

from brightline.services.reports import _review_port
from brightline.services.store import Store
from fake_ncmec import FakeNcmec, reporting_overrides
from reports_helpers import ReviewDouble


@pytest.fixture(scope="module")
def server_overrides(ncmec: FakeNcmec) -> dict[str, Any]:
    return reporting_overrides(ncmec.url)


@pytest.fixture(scope="module")
def desk(server: Any) -> Iterator[ReviewDouble]:
    store = Store(server.settings.db_url)
    double = ReviewDouble(store)
    saved = _review_port.open_media
    _review_port.open_media = double.open_media
    yield double
    _review_port.open_media = saved
    store.dispose()


def test_reports_over_the_api(
    server: Any,
    desk: ReviewDouble,
    ncmec: FakeNcmec,
    eventually: Callable[..., Any],
    assert_error: Callable[..., Any],
) -> None:
    desk.confirm(1, user="api-user")
    with server.client("scanner") as scanner:
        assert_error(scanner.get("/v1/reports"), 403, "forbidden")
    with server.client("curator") as c:
        listed = c.get("/v1/reports", params={"state": "draft"})
        assert listed.status_code == 200, listed.text
        (draft,) = [r for r in listed.json() if r["reported_user"] == "id:api-user"]
        assert draft["items"][0]["industry"] == "A1"
        sent = c.post(f"/v1/reports/{draft['id']}/send", json={"escalate": "urgent"})
        assert sent.status_code == 202, sent.text
        assert sent.json()["state"] == "sending"
        done = eventually(
            lambda: (r := c.get(f"/v1/reports/{draft['id']}").json())["state"] == "finished" and r
        )
        (filed,) = [r for r in ncmec.finished() if str(r.report_id) == done["report_id"]]
        assert len(filed.files) == 1
        assert any(o["kind"] == "file" for o in done["vault"])
        assert_error(c.post(f"/v1/reports/{draft['id']}/retract"), 409, "conflict")
        assert_error(c.post(f"/v1/reports/{draft['id']}/send"), 409, "conflict")
        assert_error(c.get("/v1/reports/999999"), 404, "not_found")
        assert "esp-secret" not in c.get("/v1/reports").text
    with server.client("admin") as admin:
        shown = admin.get("/v1/settings").json()
        assert shown.get("ncmec_password") in (None, "**********")
        assert "esp-secret" not in json.dumps(shown)
