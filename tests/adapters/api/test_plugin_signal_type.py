"""A made-up perceptual signal type, defined and registered here, works end to end:
import, hash, CLI match, API match, export, per-list thresholds. Nothing in
Brightline names it; it proves itself with ``brightline.testing``'s contracts.

``ahash`` is a 64-bit average hash of a photo (8x8 grey, each pixel above the
mean or not), matched by Hamming distance, with its own index (a dict) that adds
an extra field to each match.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, UnidentifiedImageError
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.core import signals
from brightline.core.actor import local_operator
from brightline.core.signals import (
    PHOTO,
    Content,
    IndexHit,
    SignalIndex,
    SignalTypeBase,
    SignalValue,
)
from brightline.errors import DecodeError, IndexCorruptError, InvalidHashError
from brightline.services import actions
from brightline.services.context import open_services
from brightline.services.demo import jpeg, picture
from brightline.services.people import users
from brightline.services.review import items
from brightline.testing import IndexContract, SignalTypeContract

# -- the plugin -----------------------------------------------------------------------


class AverageHashIndex:
    """A flat dict: fine for a test, and it follows the SignalIndex contract."""

    def __init__(self) -> None:
        self.rows: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, ids: Sequence[int], values: Sequence[str]) -> None:
        self.rows.update({i: int(v, 16) for i, v in zip(ids, values, strict=True)})

    def remove(self, ids: Sequence[int]) -> None:
        for i in ids:
            self.rows.pop(i, None)

    def search(self, queries: Sequence[Sequence[str]], threshold: int) -> list[list[IndexHit]]:
        out = []
        for group in queries:
            best: dict[int, int] = {}
            for q in (int(v, 16) for v in group):
                for i, v in self.rows.items():
                    d = (q ^ v).bit_count()
                    if d <= threshold and d < best.get(i, 65):
                        best[i] = d
            out.append([IndexHit(i, d, {"ahash_agreeing_bits": 64 - d}) for i, d in best.items()])
        return out

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({str(i): v for i, v in self.rows.items()}))

    def load(self, path: Path) -> None:
        try:
            self.rows = {int(i): int(v) for i, v in json.loads(path.read_text()).items()}
        except (ValueError, AttributeError, UnicodeDecodeError) as exc:
            raise IndexCorruptError(f"bad ahash index: {exc}") from exc


class AverageHash(SignalTypeBase):
    name = "ahash"
    exact = False
    content_types = frozenset({PHOTO})
    default_threshold = 8
    max_threshold = 64

    def normalize(self, value: str) -> str:
        text = value.strip().lower()
        try:
            if len(text) != 16:
                raise ValueError
            int(text, 16)
        except ValueError:
            raise InvalidHashError(f"not a valid ahash hash: {value[:40]!r}") from None
        return text

    def distance(self, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()

    def hash_content(self, content: Content) -> SignalValue | None:
        source = content.source
        try:
            img = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
            grey = img.convert("L").resize((8, 8), Image.Resampling.BOX).tobytes()
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise DecodeError(f"ahash cannot decode: {exc}") from exc
        mean = sum(grey) / 64
        bits = "".join("1" if p > mean else "0" for p in grey)
        return SignalValue(f"{int(bits, 2):016x}", quality=100)

    def build_index(self) -> SignalIndex:
        return AverageHashIndex()


AHASH = AverageHash()
KNOWN = jpeg(picture(21))
NEAR = jpeg(picture(21).crop((10, 10, 630, 470)))  # 4 bits away
OTHER = jpeg(picture(22))  # 30 bits away


def ahash_of(data: bytes) -> str:
    found = AHASH.hash_content(Content(data, "image/jpeg", PHOTO))
    assert found is not None
    return found.value


# -- it proves itself ---------------------------------------------------------------


class TestAverageHashType(SignalTypeContract):
    signal_type = AHASH
    valid_values = ("0000000000000000", "ffffffffffffffff", "0123456789abcdef")
    invalid_values = ("", "123", "g" * 16, "0" * 17)
    sample_content = Content(KNOWN, "image/jpeg", PHOTO)


class TestAverageHashIndex(IndexContract):
    signal_type = AHASH
    thresholds = (0, 4, 8, 32, 64)

    def random_value(self, rng: random.Random) -> str:
        return f"{rng.getrandbits(64):016x}"

    def near_value(self, value: str, rng: random.Random) -> str:
        n = int(value, 16)
        for bit in rng.sample(range(64), rng.randint(1, 10)):
            n ^= 1 << bit
        return f"{n:016x}"


# -- end to end ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def registered() -> Iterator[None]:
    signals.register(AHASH, aliases=("average_hash",))
    yield
    signals.unregister("ahash")


runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_cli_import_hash_match_export(
    registered: None, server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", server.settings.database_url)
    for name, data in (("known.jpg", KNOWN), ("near.jpg", NEAR), ("other.jpg", OTHER)):
        (tmp_path / name).write_bytes(data)
    value = ahash_of(KNOWN)
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(f"average_hash {value}\n")

    code, out = cli("list", "create", "plug-cli", "--threshold-for", "ahash=6", "--json")
    assert code == 0, out
    assert json.loads(out)["thresholds"] == {"pdq": 31, "ahash": 6}
    code, out = cli("list", "import", "plug-cli", str(hashes), "--json")
    assert code == 0 and json.loads(out)["imported"] == 1 and json.loads(out)["ignored"] == 0

    code, out = cli("hash", str(tmp_path / "known.jpg"), "--json", "--workers", "1")
    [row] = json_lines(out)
    assert row["signals"]["ahash"] == value and row["signals"]["ahash_quality"] == 100
    assert row["signals"]["pdq"]  # the built-in types are all still there
    code, out = cli("hash", str(tmp_path / "known.jpg"))
    assert f"ahash   {value}  (quality 100)" in out

    code, out = cli(
        "match", str(tmp_path / "near.jpg"), "-l", "plug-cli", "--json", "--workers", "1"
    )
    assert code == 1, out
    [row] = json_lines(out)
    [m] = row["matches"]
    assert (m["signal_type"], m["value"], m["distance"]) == ("ahash", value, 4)
    assert m["ahash_agreeing_bits"] == 60  # the index's extra field reaches the row
    code, out = cli("match", str(tmp_path / "near.jpg"), "-l", "plug-cli", "--workers", "1")
    assert "ahash distance 4" in out
    assert cli("match", str(tmp_path / "other.jpg"), "-l", "plug-cli", "--workers", "1")[0] == 0
    code, out = cli("match", "--hashes", str(hashes), "-l", "plug-cli", "--json")
    assert code == 1 and json_lines(out)[0]["matches"][0]["signal_type"] == "ahash"

    code, out = cli("list", "thresholds", "plug-cli", "ahash=2", "--json")
    assert code == 0 and json.loads(out)["thresholds"]["ahash"] == 2
    assert cli("match", str(tmp_path / "near.jpg"), "-l", "plug-cli", "--workers", "1")[0] == 0
    assert cli("list", "thresholds", "plug-cli", "md5=2")[0] == 2  # exact: no threshold

    exported = tmp_path / "out.csv"
    assert cli("list", "export", "plug-cli", "-o", str(exported))[0] == 0
    assert f"ahash,{value}" in exported.read_text()


def test_api_hash_match_thresholds(registered: None, server: Any, eventually: Any) -> None:
    value = ahash_of(KNOWN)
    with server.client("curator") as c:
        made = c.post("/v1/lists", json={"name": "plug-api", "thresholds": {"ahash": 6}})
        assert made.status_code == 201, made.text
        assert made.json()["thresholds"] == {"pdq": 31, "ahash": 6}
        added = c.post("/v1/lists/plug-api/entries", json={"signal_type": "ahash", "value": value})
        assert added.status_code == 201, added.text
        bad = c.patch("/v1/lists/plug-api", json={"thresholds": {"md5": 3}})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_threshold"

    def near_matches() -> list[dict[str, Any]]:
        with server.client("scanner") as c:
            body = c.post("/v1/match", content=NEAR, params={"list": "plug-api"}).json()
        return [m for m in body["matches"] if m["signal_type"] == "ahash"]

    with server.client("scanner") as c:
        hashed = c.post("/v1/hash", content=KNOWN).json()
        assert hashed["signals"]["ahash"] == value
        [m] = eventually(near_matches)
        assert m["distance"] == 4 and m["ahash_agreeing_bits"] == 60
        by_hash = c.post(
            "/v1/match/hash", json={"signal_type": "ahash", "value": value, "lists": ["plug-api"]}
        ).json()
        assert by_hash["matched"] and by_hash["matches"][0]["distance"] == 0
        batch = c.post("/v1/match/batch", files=[("file", ("near.jpg", NEAR))]).json()
        assert any(m.get("ahash_agreeing_bits") == 60 for m in batch["results"][0]["matches"])
        hma = c.post("/compat/hma/h/hash", files={"photo": ("k.jpg", KNOWN)}).json()
        assert hma["ahash"] == value

    with server.client("curator") as c:
        patched = c.patch("/v1/lists/plug-api", json={"thresholds": {"ahash": 2}})
        assert patched.status_code == 200 and patched.json()["thresholds"]["ahash"] == 2
    eventually(lambda: not near_matches())


def test_a_case_and_a_review_item_carry_the_plugin_type(
    registered: None, server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signals are stored by type everywhere: the plugin's value is in every case
    export (CSV, VICS ``AlternativeHashes``, HTML) and on the review item."""
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", server.settings.database_url)
    monkeypatch.setenv("BRIGHTLINE_WORKERS", "1")
    value = ahash_of(KNOWN)
    (tmp_path / "hashes.txt").write_text(f"ahash {value}\n")
    assert cli("list", "create", "plug-case", "--scheme", "uk")[0] == 0
    assert cli("list", "import", "plug-case", str(tmp_path / "hashes.txt"))[0] == 0
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "near.jpg").write_bytes(NEAR)
    assert cli("case", "create", "plug-op", "--scheme", "uk", "--list", "plug-case")[0] == 0
    code, out = cli("case", "add-exhibit", "plug-op", str(evidence), "--id", "EX1")
    assert code == 1, out  # suggested: a perceptual (plugin) match
    near = ahash_of(NEAR)
    out_dir = tmp_path / "exports"
    for fmt in ("csv", "vics", "html"):
        assert (
            cli("case", "export", "plug-op", "--format", fmt, "-o", str(out_dir), "--no-pdf")[0]
            == 0
        )
    assert f"ahash:{near}" in (out_dir / "plug-op.csv").read_text()
    vics = json.loads((out_dir / "plug-op.vics.json").read_text())
    [media] = vics["value"][0]["Media"]
    assert {"HashName": "AHASH", "HashValue": near} in media["AlternativeHashes"]
    assert f"ahash {near}" in (out_dir / "plug-op-report.html").read_text()

    svc = open_services(server.settings.model_copy(update={"home": tmp_path / "home"}))
    try:
        actions.add_action(svc.store, "plug-case", "review")
        code, out = cli("match", str(evidence / "near.jpg"), "--actions", "--workers", "1")
        assert code == 1, out
        users.create_user(svc.store, local_operator(), "plug-ana", "analyst", "x" * 16)
        ana = users.get_user(svc.store, "plug-ana").actor
        [item] = [i for i in items.list_items(svc.review_env(), ana) if i["list"] == "plug-case"]
        assert item["signals"]["ahash"] == near
    finally:
        svc.close()
