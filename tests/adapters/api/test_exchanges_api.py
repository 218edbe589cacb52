"""Exchanges, negative lists, flood quarantine and retroactive matching over HTTP."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from brightline.services.demo import jpeg, picture
from brightline.testing.exchange_servers import NcmecEntry, NcmecHashServer

MD5 = "c0" * 16
PDQ = "3c" * 32


@pytest.fixture(scope="module")
def hashsharing() -> Iterator[NcmecHashServer]:
    entries = [NcmecEntry("n1", "9", 1_600_000_000, {"md5": MD5, "pdq": PDQ, "pdna": "AAAA"})]
    server = NcmecHashServer(entries).start()
    yield server
    server.stop()


def test_exchanges_for_admins_and_curators(
    server: Any, hashsharing: NcmecHashServer, assert_error: Any
) -> None:
    body = {
        "name": "nc",
        "type": "ncmec",
        "list": "ncmec",
        "url": hashsharing.url,
        "credentials": "user:secret",
    }
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "ncmec", "scheme": "industry"})
        assert_error(c.post("/v1/exchanges", json=body), 403, "forbidden")
    with server.client("admin") as c:
        made = c.post("/v1/exchanges", json=body)
        assert made.status_code == 201 and "secret" not in made.text
    with server.client("curator") as c:
        assert [e["name"] for e in c.get("/v1/exchanges").json()] == ["nc"]
        fetched = c.post("/v1/exchanges/nc/fetch").json()
        assert fetched["ok"] and fetched["added"] == 1
        shown = c.get("/v1/exchanges/nc").json()
        assert shown["entries"] == 1 and shown["credentials"] is True and "secret" not in str(shown)
    with server.client("scanner") as c:
        assert_error(c.get("/v1/exchanges"), 403, "forbidden")
        found = c.post("/v1/match/hash", json={"signal_type": "md5", "value": MD5}).json()
    [match] = found["matches"]
    assert match["source"] == "exchange:nc" and match["source_id"] == "n1"
    assert match["category"] == "A1"
    with server.client("curator") as c:
        entry = c.get(f"/v1/entries/{match['entry_id']}").json()
        assert entry["exchange"]["member"] == "9" and entry["exchange"]["opinion"] is None
        assert entry["exchange"]["fingerprints"]["photodna"] == "AAAA"
        gone = c.patch(
            f"/v1/entries/{match['entry_id']}", json={"opinion": "deconfirmed", "reason": "benign"}
        ).json()
        assert gone["exchange"]["opinion"] == "deconfirmed" and not gone["enabled"]
        assert gone["exchange"]["opinion_reason"] == "benign"
        again = c.patch(f"/v1/entries/{match['entry_id']}", json={"opinion": "confirmed"}).json()
        assert again["enabled"] and again["exchange"]["opinion"] == "confirmed"
        assert c.post("/v1/exchanges/nc/push").json()["sent"] == 4  # MD5, PDQ; down then up


def test_negative_list_suppresses(server: Any, eventually: Any) -> None:
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "third"})
        c.post("/v1/lists/third/entries", json={"signal_type": "md5", "value": "d1" * 16})
        made = c.post("/v1/lists", json={"name": "benign", "negative_for": ["third"]}).json()
        assert made["negative_for"] == ["third"]
        c.post("/v1/lists/benign/entries", json={"signal_type": "md5", "value": "d1" * 16})
    with server.client("scanner") as c:

        def suppressed() -> dict[str, Any] | None:
            r = c.post("/v1/match/hash", json={"signal_type": "md5", "value": "d1" * 16}).json()
            return r if r["suppressed"] else None

        found = eventually(suppressed)
        assert found["matches"] == [] and not found["matched"]
        [held] = found["suppressed"]
        assert held["list"] == "third" and held["by_list"] == "benign"
        assert set(held) == {"list", "entry_id", "by_list", "by_entry_id"}
    with server.client("curator") as c:
        log = c.get("/v1/match-log", params={"list": "third"}).json()
        assert log[-1]["state"] == "suppressed"


def test_flood_quarantine_and_release(server: Any, eventually: Any) -> None:
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "flooded", "flood": {"max_matches": 2, "window_s": 3600}})
        entry = c.post(
            "/v1/lists/flooded/entries", json={"signal_type": "md5", "value": "e1" * 16}
        ).json()
        assert c.get("/v1/lists/flooded").json()["flood"] == {"max_matches": 2, "window_s": 3600}
    query = {"signal_type": "md5", "value": "e1" * 16, "lists": ["flooded"]}
    with server.client("scanner") as c:
        eventually(lambda: c.post("/v1/match/hash", json=query).json()["matched"])
        c.post("/v1/match/hash", json=query)
        third = c.post("/v1/match/hash", json=query).json()["matches"][0]
        assert third["quarantined"] is True
    with server.client("curator") as c:
        held = c.get("/v1/lists/flooded/entries", params={"state": "quarantined"}).json()
        [row] = held["entries"]
        assert row["id"] == entry["id"] and row["quarantined"] and row["match_count"] == 3
        assert c.get("/v1/lists/flooded").json()["quarantined"] == 1
        log = c.get("/v1/match-log", params={"list": "flooded"}).json()
        assert log[-1]["state"] == "quarantined"
        released = c.patch(f"/v1/entries/{entry['id']}", json={"quarantined": False}).json()
        assert released["quarantined"] is False and released["match_count"] == 0
    with server.client("scanner") as c:
        assert "quarantined" not in c.post("/v1/match/hash", json=query).json()["matches"][0]


def test_retroactive_match_when_an_entry_arrives(server: Any, eventually: Any) -> None:
    data = jpeg(picture(11))
    with server.client("scanner") as c:
        assert c.post("/v1/match", content=data).json()["matches"] == []
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "late"})
        c.post(
            "/v1/lists/late/entries",
            json={"signal_type": "md5", "value": hashlib.md5(data).hexdigest()},
        )

        def retro() -> list[dict[str, Any]]:
            return [
                r
                for r in c.get("/v1/match-log", params={"list": "late"}).json()
                if r["retroactive"]
            ]

        [row] = eventually(retro)
        assert row["actor"] == "system:retro" and row["item_id"]
