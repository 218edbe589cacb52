"""Hashing and matching over HTTP: files, hashes, batches, hostile uploads."""

from __future__ import annotations

import io
import zlib
from typing import Any

import pytest
from PIL import Image, ImageOps

from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_bytes

LIMIT = 2 * 1024 * 1024
KNOWN = jpeg(picture(11))
OTHER = jpeg(picture(12))


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"max_upload_bytes": LIMIT, "upload_max_pixels": 4_000_000}


@pytest.fixture(scope="module")
def known(server: Any) -> dict[str, Any]:
    """A list holding KNOWN's PDQ and MD5, with a log action; waits until matchable."""
    signals = hash_bytes(KNOWN, HashOptions()).signals
    assert signals and signals.pdq
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "known", "scheme": "uk", "pdq_threshold": 31})
        c.post("/v1/lists", json={"name": "other-list"})
        pdq = c.post(
            "/v1/lists/known/entries",
            json={"signal_type": "pdq", "value": signals.pdq, "category": "B", "source": "t"},
        ).json()
        md5 = c.post(
            "/v1/lists/known/entries", json={"signal_type": "md5", "value": signals.md5}
        ).json()
        c.post("/v1/lists/known/actions", json={"kind": "log"})
    return {"pdq": signals.pdq, "md5": signals.md5, "pdq_id": pdq["id"], "md5_id": md5["id"]}


def _matched(server: Any, data: bytes, **params: Any) -> dict[str, Any] | None:
    with server.client("scanner") as c:
        body: dict[str, Any] = c.post("/v1/match", content=data, params=params).json()
    return body if body.get("matched") else None


def _pdq_matched(server: Any, data: bytes, **params: Any) -> dict[str, Any] | None:
    """Exact digests match at once (database); PDQ once the index has refreshed."""
    body = _matched(server, data, **params)
    return body if body and any(m["signal_type"] == "pdq" for m in body["matches"]) else None


def test_hash_raw_body_and_multipart_agree(server: Any) -> None:
    expected = hash_bytes(KNOWN, HashOptions()).signals
    assert expected
    with server.client("scanner") as c:
        raw = c.post("/v1/hash", content=KNOWN).json()
        form = c.post("/v1/hash", files={"file": ("k.jpg", KNOWN, "image/jpeg")}).json()
    assert raw["signals"] == form["signals"]
    assert raw["signals"]["pdq"] == expected.pdq and raw["signals"]["md5"] == expected.md5
    assert form["name"] == "k.jpg" and raw["name"] is None
    assert raw["request_id"]


def test_match_a_file_with_provenance(server: Any, known: dict[str, Any], eventually: Any) -> None:
    body = eventually(lambda: _pdq_matched(server, KNOWN, ref="upload-1"))
    by_type = {m["signal_type"]: m for m in body["matches"]}
    assert set(by_type) == {"md5", "pdq"}
    pdq = by_type["pdq"]
    assert pdq == {
        "list": "known",
        "entry_id": known["pdq_id"],
        "signal_type": "pdq",
        "value": known["pdq"],
        "distance": 0,
        "category": "B",
        "scheme": "uk",
        "source": "t",
        "source_id": None,
    }
    assert body["error"] is None and body["signals"]["pdq"] == known["pdq"]
    with server.client("curator") as c:
        log = c.get("/v1/match-log", params={"list": "known"}).json()
    assert any(r["ref"] == "upload-1" and r["request_id"] == body["request_id"] for r in log)


def test_near_duplicates_and_rotations(server: Any, known: dict[str, Any], eventually: Any) -> None:
    eventually(lambda: _pdq_matched(server, KNOWN))
    resized = jpeg(picture(11).resize((320, 240)), 70)
    body = _matched(server, resized)
    assert body and [m["signal_type"] for m in body["matches"]] == ["pdq"]
    assert 0 < body["matches"][0]["distance"] <= 31
    mirrored = jpeg(ImageOps.mirror(picture(11)))
    assert _matched(server, mirrored) is None
    assert _matched(server, mirrored, dihedral="true")


def test_no_match_and_list_filter(server: Any, known: dict[str, Any], eventually: Any) -> None:
    eventually(lambda: _pdq_matched(server, KNOWN))
    with server.client("scanner") as c:
        miss = c.post("/v1/match", content=OTHER).json()
        assert miss["matched"] is False and miss["matches"] == []
        elsewhere = c.post("/v1/match", content=KNOWN, params={"list": "other-list"}).json()
        assert elsewhere["matched"] is False
        unknown = c.post("/v1/match", content=KNOWN, params={"list": "nope"})
    assert unknown.status_code == 404


def test_match_by_hash(
    server: Any, known: dict[str, Any], eventually: Any, assert_error: Any
) -> None:
    def lookup(value: str, **extra: Any) -> dict[str, Any]:
        with server.client("scanner") as c:
            resp = c.post("/v1/match/hash", json={"signal_type": "pdq", "value": value, **extra})
        body: dict[str, Any] = resp.json()
        return body

    eventually(lambda: lookup(known["pdq"])["matched"])
    flipped = f"{int(known['pdq'], 16) ^ 0b111:064x}"
    hit = lookup(flipped.upper())
    assert hit["value"] == flipped and hit["matches"][0]["distance"] == 3
    assert lookup(flipped, lists=["other-list"])["matched"] is False
    with server.client("scanner") as c:
        md5 = c.post("/v1/match/hash", json={"signal_type": "MD5", "value": known["md5"]}).json()
        assert md5["matches"][0]["entry_id"] == known["md5_id"]
        bad = c.post("/v1/match/hash", json={"signal_type": "pdq", "value": "abc"})
        assert_error(bad, 422, "invalid_hash")
        unknown_type = c.post("/v1/match/hash", json={"signal_type": "crc32", "value": "00"})
        assert_error(unknown_type, 422, "invalid_hash")


def test_batches(server: Any, known: dict[str, Any], eventually: Any, assert_error: Any) -> None:
    eventually(lambda: _pdq_matched(server, KNOWN))
    with server.client("scanner") as c:
        hashes = [
            {"signal_type": "pdq", "value": known["pdq"]},
            {"signal_type": "pdq", "value": "not-a-hash"},
            {"signal_type": "md5", "value": "0" * 32},
        ]
        rows = c.post("/v1/match/hash/batch", json={"hashes": hashes}).json()["results"]
        assert [r["matched"] for r in rows] == [True, False, False]
        assert rows[1]["error"] and rows[0]["error"] is None
        too_many = c.post("/v1/match/hash/batch", json={"hashes": [hashes[0]] * 101})
        assert_error(too_many, 422, "invalid_request")

        files = [("file", ("a.jpg", KNOWN)), ("file", ("b.jpg", OTHER)), ("file", ("c", b"x"))]
        matched = c.post("/v1/match/batch", files=files).json()["results"]
        assert [(r["name"], r["matched"]) for r in matched] == [
            ("a.jpg", True),
            ("b.jpg", False),
            ("c", False),
        ]
        assert matched[2]["error"] == {
            "code": "not_an_image",
            "message": "not a recognised image format",
        }
        assert rows[1]["error"]["code"] == "invalid_hash"
        hashed = c.post("/v1/hash/batch", files=files).json()["results"]
        assert hashed[0]["signals"]["pdq"] == known["pdq"] and hashed[2]["error"]
        many = [("file", (f"{i}.bin", b"x")) for i in range(101)]
        assert_error(c.post("/v1/hash/batch", files=many), 400, "bad_request")


def _bomb_png(side: int) -> bytes:
    """A valid PNG of side x side grey pixels, a few KB on disk (a decompression bomb)."""
    raw = zlib.compress(b"".join(b"\x00" + bytes(side) for _ in range(side)), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return len(data).to_bytes(4, "big") + kind + data + crc.to_bytes(4, "big")

    header = side.to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 400, "empty_file"),
        (b"%PDF-1.4 not a picture", 422, "not_an_image"),
        (OTHER[: len(OTHER) // 3], 422, "undecodable"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, 422, "undecodable"),
        (_bomb_png(5000), 422, "undecodable"),
    ],
)
@pytest.mark.parametrize("route", ["/v1/hash", "/v1/match"])
def test_hostile_uploads_get_a_4xx_with_a_reason(
    server: Any, assert_error: Any, route: str, data: bytes, status: int, code: str
) -> None:
    with server.client("scanner") as c:
        error = assert_error(c.post(route, content=data), status, code)
    assert len(error["message"]) > 5


def test_the_bomb_is_refused_for_its_pixels(server: Any, assert_error: Any) -> None:
    bomb = _bomb_png(5000)
    assert len(bomb) < 100_000
    with server.client("scanner") as c:
        error = assert_error(c.post("/v1/hash", content=bomb), 422, "undecodable")
    assert "pixels" in error["message"]


def test_too_large_uploads_are_refused_early_and_when_streamed(
    server: Any, assert_error: Any
) -> None:
    big = b"\xff\xd8\xff" + b"\x00" * LIMIT

    def chunks() -> Any:
        for i in range(0, len(big), 65536):
            yield big[i : i + 65536]

    with server.client("scanner") as c:
        assert_error(c.post("/v1/match", content=big), 413, "too_large")
        assert_error(c.post("/v1/match", content=chunks()), 413, "too_large")
        assert_error(c.post("/v1/hash", files={"file": ("x", big)}), 413, "too_large")
        streamed_json = c.post(
            "/v1/match/hash/batch",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        assert_error(streamed_json, 413, "too_large")
        # The worker is still fine.
        assert c.post("/v1/hash", content=OTHER).status_code == 200


def test_an_undecodable_file_whose_digest_is_listed_still_matches(
    server: Any, eventually: Any
) -> None:
    broken = OTHER[:5000]
    signals = hash_bytes(broken, HashOptions()).signals
    assert signals
    with server.client("curator") as c:
        c.post("/v1/lists", json={"name": "broken-files"})
        c.post("/v1/lists/broken-files/entries", json={"signal_type": "md5", "value": signals.md5})
    body = eventually(lambda: _matched(server, broken))
    assert body["error"] and body["matches"][0]["signal_type"] == "md5"


def test_exif_rotation_is_applied(server: Any) -> None:
    img = picture(11)
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned; a viewer rotates it upright
    img.rotate(90, expand=True).save(buf, "JPEG", quality=90, exif=exif)
    with server.client("scanner") as c:
        upright = c.post("/v1/hash", content=jpeg(img)).json()["signals"]["pdq"]
        turned = c.post("/v1/hash", content=buf.getvalue()).json()["signals"]["pdq"]
    distance = bin(int(upright, 16) ^ int(turned, 16)).count("1")
    assert distance <= 31
