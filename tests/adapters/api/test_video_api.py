"""Videos through the HTTP API: /v1/hash, /v1/match (streamed uploads), hash look-ups,
and the HMA-compatible routes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from brightline.core.signals import vpdq
from brightline.services.context import open_services
from brightline.services.lists import ingest
from brightline.services.store import lists


@pytest.fixture(scope="module")
def listed(server: Any, videos: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("listed")
    shutil.copy(videos["known"], folder / "known-1.mp4")
    svc = open_services(server.settings)
    try:
        with svc.store.begin() as conn:
            lists.create_list(conn, "videos", "none", 31)
        ingest.import_file(svc.store, "videos", folder)
    finally:
        svc.close()


def _eventually_match(client: Any, path: Path, **params: Any) -> dict[str, Any]:
    import time

    for _ in range(50):
        r = client.post("/v1/match", content=path.read_bytes(), params=params)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        if body["matched"]:
            return body
        time.sleep(0.2)
    return body


def test_hash_a_video(server: Any, videos: dict[str, Path]) -> None:
    with server.client("scanner") as c:
        r = c.post("/v1/hash", files={"file": ("k.mp4", videos["known"].read_bytes())})
    assert r.status_code == 200, r.text
    s = r.json()["signals"]
    assert s["media_type"] == "video/mp4"
    assert s["vpdq"][0].keys() == {"frame", "quality", "pdq", "timestamp"}
    assert 12 <= len(s["vpdq"]) <= 16 and s["md5"]


def test_match_a_trimmed_copy_with_ranges(
    server: Any, listed: None, videos: dict[str, Path]
) -> None:
    with server.client("scanner") as c:
        body = _eventually_match(c, videos["trimmed"])
    (m,) = [m for m in body["matches"] if m["signal_type"] == "vpdq"]
    assert m["list"] == "videos" and m["source_id"] == "known-1"
    assert m["query_share"] == 1.0 and 0.4 <= m["listed_share"] <= 0.6
    assert m["ranges"][0]["listed"][0] == pytest.approx(4, abs=1.01)


def test_match_by_vpdq_hash(server: Any, listed: None, videos: dict[str, Path]) -> None:
    from brightline.core.video.decode import hash_video

    value = vpdq.to_pytx(hash_video(videos["embedded"]).frames)
    with server.client("scanner") as c:
        r = c.post("/v1/match/hash", json={"signal_type": "vpdq", "value": value})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["matches"] and body["matches"][0]["listed_share"] >= 0.8


def test_unrelated_video_does_not_match(server: Any, listed: None, videos: dict[str, Path]) -> None:
    with server.client("scanner") as c:
        r = c.post("/v1/match", content=videos["unrelated"].read_bytes())
    assert r.status_code == 200 and r.json()["matched"] is False


def test_truncated_video_is_422(server: Any, videos: dict[str, Path]) -> None:
    with server.client("scanner") as c:
        r = c.post("/v1/hash", content=videos["known"].read_bytes()[:4000])
    assert r.status_code == 422, r.text


def test_hma_hash_and_lookup_accept_video(
    server: Any, listed: None, videos: dict[str, Path]
) -> None:
    with server.client("scanner") as c:
        r = c.post("/compat/hma/h/hash", files={"photo": ("k.mp4", videos["known"].read_bytes())})
        assert r.status_code == 200, r.text
        assert "vpdq" in r.json() and len(json.loads(r.json()["vpdq"])) >= 12
        r = c.post(
            "/compat/hma/m/lookup", files={"photo": ("k.mp4", videos["resized"].read_bytes())}
        )
        assert r.status_code == 200, r.text
        assert r.json()["vpdq"]["videos"][0]["bank_content_id"]
