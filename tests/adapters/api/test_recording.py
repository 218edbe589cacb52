"""Uploads are recorded as content items of an upload job, by the same service the
CLI uses; every match is in the match log, whatever the list's actions; a large
upload is streamed through a temporary file."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from brightline.core.sources.upload import SPOOL_BYTES
from brightline.services import actions
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_bytes
from brightline.services.store import content as store_content

KNOWN = jpeg(picture(31))


def _store_rows(server: Any, request_id: str) -> tuple[Any, list[Any], list[Any]]:
    svc = open_services(server.settings)
    try:
        with svc.store.connect_events() as conn:
            job = conn.execute(
                store_content.jobs.select().where(store_content.jobs.c.request_id == request_id)
            ).one()
            items = store_content.job_items(conn, job.id)
            found = store_content.matches_of(conn, [i.id for i in items])
        return job, items, found
    finally:
        svc.close()


def test_an_upload_is_an_item_of_an_upload_job(server: Any) -> None:
    md5 = hash_bytes(KNOWN, HashOptions()).signals
    assert md5 is not None
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "no-actions"})  # no "log" action
        c.post("/v1/lists/no-actions/entries", json={"signal_type": "md5", "value": md5.md5})
    with server.client("scanner") as s:
        body = s.post("/v1/match", content=KNOWN, params={"ref": "u-9"}).json()
        other = s.post("/v1/match", files={"file": ("x.txt", b"plain text")})
    assert body["matched"]
    job, [item], [hit] = _store_rows(server, body["request_id"])
    assert job.kind == "upload" and job.ref == "u-9" and job.actor.startswith("key:")
    assert item.locator == "<upload>" and item.size == len(KNOWN) and item.error_code is None
    assert hit.list_name == "no-actions" and hit.signal_type == "md5"
    with server.client("curator") as c:
        log = c.get("/v1/match-log", params={"list": "no-actions"}).json()
    assert [(r["ref"], r["item_id"], r["job_id"]) for r in log] == [("u-9", item.id, job.id)]
    assert other.status_code == 422 and other.json()["error"]["code"] == "not_an_image"
    _, [text_item], _ = _store_rows(server, other.headers["x-request-id"])  # still recorded
    assert text_item.locator == "x.txt" and text_item.error_code == "not_an_image"


def test_a_large_upload_streams(server: Any) -> None:
    noise = np.random.default_rng(5).integers(0, 256, (1800, 1800, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "PNG", compress_level=0)
    big = buf.getvalue()
    assert len(big) > SPOOL_BYTES  # goes through a temporary file
    expected = hash_bytes(big, HashOptions()).signals
    assert expected is not None
    with server.client("scanner") as s:
        body = s.post("/v1/hash", content=big).json()
        batch = s.post("/v1/hash/batch", files=[("file", ("a.png", big))]).json()
    assert body["signals"]["size"] == len(big) and body["signals"]["pdq"] == expected.pdq
    assert batch["results"][0]["signals"]["md5"] == expected.md5


def test_a_hash_lookup_match_is_logged(server: Any) -> None:
    value = "ab" * 16
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "lookups"})
        c.post("/v1/lists/lookups/entries", json={"signal_type": "md5", "value": value})
    with server.client("scanner") as s:
        body = s.post("/v1/match/hash", json={"signal_type": "md5", "value": value}).json()
    assert body["matched"]
    svc = open_services(server.settings)
    try:
        [row] = actions.match_log(svc.store, "lookups")
    finally:
        svc.close()
    assert row["request_id"] == body["request_id"] and row["item_id"] is None
