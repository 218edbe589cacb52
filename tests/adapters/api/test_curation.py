"""Lists and entries over HTTP; every change reaches matching within seconds."""

from __future__ import annotations

import json
from typing import Any

PDQ = "58a2" * 16
NEAR = f"{int(PDQ, 16) ^ 0xFFFFF:064x}"  # 20 bits away


def _lookup(server: Any, value: str = PDQ, lists: list[str] | None = None) -> dict[str, Any]:
    with server.client("scanner") as c:
        body = {"signal_type": "pdq", "value": value, "lists": lists}
        result: dict[str, Any] = c.post("/v1/match/hash", json=body).json()
        return result


def test_list_lifecycle(server: Any, assert_error: Any) -> None:
    with server.client("curator") as c:
        made = c.post(
            "/v1/lists",
            json={"name": "life", "scheme": "industry", "pdq_threshold": 20, "description": "d"},
        )
        assert made.status_code == 201
        assert made.json()["scheme"] == "industry" and made.json()["entries"] == 0
        assert "life" in [hl["name"] for hl in c.get("/v1/lists").json()]
        changed = c.patch("/v1/lists/life", json={"pdq_threshold": 12}).json()
        assert changed["pdq_threshold"] == 12 and c.get("/v1/lists/life").json() == changed
        assert_error(c.patch("/v1/lists/life", json={"pdq_threshold": 300}), 422, "invalid_request")
        c.post("/v1/lists/life/entries", json={"signal_type": "md5", "value": "a" * 32})
        assert c.delete("/v1/lists/life").json() == {"deleted": "life", "entries": 1}
        assert_error(c.get("/v1/lists/life"), 404, "not_found")


def test_entries_enable_disable_withdraw_delete(
    server: Any, eventually: Any, assert_error: Any
) -> None:
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "curated", "scheme": "uk"})
        entry = c.post(
            "/v1/lists/curated/entries",
            json={
                "signal_type": "pdq",
                "value": PDQ.upper(),
                "category": "a",
                "source": "hotline",
                "source_id": "h-1",
                "note": "n",
            },
        ).json()
        assert entry["value"] == PDQ and entry["category"] == "A"
        assert entry["enabled"] and not entry["withdrawn"] and entry["list"] == "curated"
        assert c.get(f"/v1/entries/{entry['id']}").json() == entry
        bad_category = c.post(
            "/v1/lists/curated/entries",
            json={"signal_type": "md5", "value": "b" * 32, "category": "Z"},
        )
        assert_error(bad_category, 422, "invalid_category")
        bad_hash = c.post("/v1/lists/curated/entries", json={"signal_type": "pdq", "value": "12"})
        assert_error(bad_hash, 422, "invalid_hash")

    eventually(lambda: _lookup(server, lists=["curated"])["matched"])
    with server.client("curator") as c:
        assert (
            c.patch(f"/v1/entries/{entry['id']}", json={"enabled": False}).json()["enabled"]
            is False
        )
    eventually(lambda: not _lookup(server, lists=["curated"])["matched"])
    with server.client("curator") as c:
        c.patch(f"/v1/entries/{entry['id']}", json={"enabled": True})
    eventually(lambda: _lookup(server, lists=["curated"])["matched"])
    with server.client("curator") as c:
        withdrawn = c.patch(f"/v1/entries/{entry['id']}", json={"withdrawn": True}).json()
        assert withdrawn["withdrawn"] is True
    eventually(lambda: not _lookup(server, lists=["curated"])["matched"])
    with server.client("curator") as c:
        assert c.delete(f"/v1/entries/{entry['id']}").status_code == 204
        assert_error(c.get(f"/v1/entries/{entry['id']}"), 404, "not_found")


def test_per_list_threshold(server: Any, eventually: Any) -> None:
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "strict", "pdq_threshold": 10})
        c.post("/v1/lists", json={"name": "loose", "pdq_threshold": 31})
        for name in ("strict", "loose"):
            c.post(f"/v1/lists/{name}/entries", json={"signal_type": "pdq", "value": PDQ})
    both = ["strict", "loose"]
    eventually(lambda: len(_lookup(server, PDQ, both)["matches"]) == 2)
    assert [m["list"] for m in _lookup(server, NEAR, both)["matches"]] == ["loose"]
    with server.client("curator") as c:
        c.patch("/v1/lists/strict", json={"pdq_threshold": 25})
    eventually(lambda: len(_lookup(server, NEAR, both)["matches"]) == 2)


def test_entries_are_paged(server: Any) -> None:
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "paged"})
        for i in range(5):
            c.post("/v1/lists/paged/entries", json={"signal_type": "md5", "value": f"{i:032x}"})
        first = c.get("/v1/lists/paged/entries", params={"limit": 2}).json()
        assert len(first["entries"]) == 2 and first["next_after_id"]
        seen = [e["value"] for e in first["entries"]]
        after = first["next_after_id"]
        while after:
            page = c.get("/v1/lists/paged/entries", params={"limit": 2, "after_id": after}).json()
            seen += [e["value"] for e in page["entries"]]
            after = page["next_after_id"]
    assert seen == [f"{i:032x}" for i in range(5)]


def test_bulk_import_raw_and_multipart(server: Any, eventually: Any, assert_error: Any) -> None:
    csv = "signal_type,value,category,source_id\n" + "".join(
        f"pdq,{i:064x},B,id-{i}\n" for i in range(1, 301)
    )
    vics = {
        "value": [
            {"MediaID": 1, "MD5": "c" * 32, "Category": 1},
            {"MediaID": 2, "MD5": "d" * 32, "Category": 2},
        ]
    }
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "bulk", "scheme": "uk"})
        c.post("/v1/lists", json={"name": "bulk-vics", "scheme": "vic-us"})
        report = c.post("/v1/lists/bulk/import", content=csv.encode()).json()
        assert report["imported"] == 300 and report["added"] == 300 and report["list"] == "bulk"
        again = c.post(
            "/v1/lists/bulk/import",
            files={"file": ("list.csv", csv.encode())},
            params={"source": "nightly"},
        ).json()
        assert again["updated"] == 300 and again["added"] == 0
        assert (
            c.get("/v1/lists/bulk/entries", params={"limit": 1}).json()["entries"][0]["source"]
            == "nightly"
        )
        vics_report = c.post("/v1/lists/bulk-vics/import", content=json.dumps(vics)).json()
        assert vics_report["imported"] == 2

        broken = "pdq 0123\npdq " + "f" * 64 + "\n"
        error = assert_error(c.post("/v1/lists/bulk/import", content=broken), 422, "invalid_file")
        assert "line 1" in error["message"]
        skipped = c.post(
            "/v1/lists/bulk/import", content=broken, params={"skip_invalid": "true"}
        ).json()
        assert skipped["skipped"] == 1 and skipped["imported"] == 1
        assert_error(c.post("/v1/lists/nope/import", content=csv), 404, "not_found")
        assert_error(c.post("/v1/lists/bulk/import", content=b""), 400, "empty_file")
    eventually(lambda: _lookup(server, f"{7:064x}", ["bulk"])["matched"])
