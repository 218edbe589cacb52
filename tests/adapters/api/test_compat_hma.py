"""HMA-compatible routes, driven with requests shaped as HMA's API documentation
shows them (its curl examples), the key passed as Basic auth in the base URL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_bytes

PHOTO = jpeg(picture(21))
OTHER = jpeg(picture(22))


@pytest.fixture(scope="module")
def hma(server: Any) -> Any:
    """An HMA client: base URL .../compat/hma, key as the URL's password."""

    def client(role: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{server.url}/compat/hma", auth=("hma", server.tokens[role]), timeout=30
        )

    return client


def test_status_and_hashing(server: Any, hma: Any, assert_error: Any) -> None:
    expected = hash_bytes(PHOTO, HashOptions()).signals
    assert expected
    with httpx.Client(base_url=f"{server.url}/compat/hma") as anonymous:
        assert_error(anonymous.get("/status"), 401, "unauthenticated")
    with hma("scanner") as c:
        assert c.get("/status").json() == {"status": "ok"}
        # curl -s -X POST --form photo='@example.png' http://localhost:5100/h/hash
        hashed = c.post("/h/hash", files={"photo": ("example.jpg", PHOTO, "image/jpeg")})
        assert hashed.status_code == 200
        assert hashed.json()["pdq"] == expected.pdq
        assert hashed.json()["md5"] == expected.md5
        # GET /h/hash?url=... : fetching is off unless the server enables it.
        by_url = c.get("/h/hash", params={"url": "https://example.org/a.png"})
        assert_error(by_url, 403, "forbidden")
        assert_error(c.post("/h/hash", data={"photo": "x"}), 400, "bad_request")
        not_image = c.post("/h/hash", files={"photo": ("a.txt", b"hello")})
        assert_error(not_image, 422, "not_an_image")


def test_banks_content_and_lookups(server: Any, hma: Any, eventually: Any) -> None:
    with hma("curator") as c:
        made = c.post("/c/banks", json={"name": "TEST_BANK"})
        assert made.status_code == 201
        assert made.json() == {"name": "TEST_BANK", "matching_enabled_ratio": 1.0}
        c.post("/c/banks", json={"name": "OTHER_BANK", "enabled_ratio": 1.0})
        assert {"name": "TEST_BANK", "matching_enabled_ratio": 1.0} in c.get("/c/banks").json()
        assert c.get("/c/bank/TEST_BANK").json()["name"] == "TEST_BANK"
        content = c.post("/c/bank/TEST_BANK/content", files={"photo": ("a.jpg", PHOTO)}).json()
        assert set(content) == {"id", "signals"} and set(content["signals"]) == {"pdq", "md5"}
        pdq = content["signals"]["pdq"]
        other_pdq = hash_bytes(OTHER, HashOptions()).signals.pdq  # type: ignore[union-attr]
        signal = c.post("/c/bank/OTHER_BANK/signal", json={"pdq": other_pdq}).json()
        assert signal["signals"] == {"pdq": other_pdq} and signal["id"] != content["id"]

    with hma("scanner") as c:

        def lookup() -> dict[str, Any] | None:
            # curl "http://localhost:5100/m/lookup?signal_type=pdq&signal=<hash>"
            got: dict[str, Any] = c.get(
                "/m/lookup", params={"signal_type": "pdq", "signal": pdq}
            ).json()
            return got or None

        found = eventually(lookup)
        assert found == {"TEST_BANK": [{"bank_content_id": content["id"], "distance": "0"}]}
        # curl -s -X POST --form photo='@example.png' http://localhost:5100/m/lookup
        by_type = c.post("/m/lookup", files={"photo": ("x.jpg", PHOTO)}).json()
        assert by_type["pdq"] == found
        assert [m["bank_content_id"] for m in by_type["md5"]["TEST_BANK"]] != []
        filtered = c.post(
            "/m/lookup", files={"photo": ("x.jpg", PHOTO)}, params={"banks": "OTHER_BANK"}
        ).json()
        assert filtered["pdq"] == {}
        raw = c.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": pdq}).json()
        assert raw == {"matches": [content["id"]]}
        with_distance = c.get(
            "/m/raw_lookup",
            params={"signal_type": "pdq", "signal": pdq, "include_distance": "true"},
        ).json()
        assert with_distance == {"matches": [{"bank_content_id": content["id"], "distance": "0"}]}
        nothing = c.get("/m/lookup", params={"signal_type": "pdq", "signal": "0" * 64}).json()
        assert nothing == {}

    with hma("curator") as c:
        deleted = c.delete(f"/c/bank/TEST_BANK/content/{content['id']}").json()
        assert deleted == {"deleted": 2}  # the PDQ and the MD5 banked together
        assert c.delete("/c/bank/OTHER_BANK").json() == {"message": "Done"}
        assert c.get("/c/bank/OTHER_BANK").status_code == 404


def test_bad_requests(hma: Any, assert_error: Any) -> None:
    with hma("scanner") as c:
        assert_error(c.get("/m/lookup"), 400, "bad_request")
        assert_error(
            c.get("/m/lookup", params={"signal_type": "pdq", "signal": "zz"}), 400, "invalid_hash"
        )
        assert_error(c.get("/m/raw_lookup", params={"signal_type": "pdq"}), 422, "invalid_request")
        assert_error(c.get("/c/banks"), 403, "forbidden")
    with hma("curator") as c:
        assert_error(c.post("/c/banks", json={}), 400, "bad_request")
        assert_error(c.post("/c/bank/NOPE/signal", json={"pdq": "0" * 64}), 404, "not_found")
        assert c.post("/c/banks", json={"name": "TWICE"}).status_code == 201
        assert_error(c.post("/c/banks", json={"name": "TWICE"}), 409, "conflict")
