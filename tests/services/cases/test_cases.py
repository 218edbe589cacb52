"""Cases end to end on each backend: exact counts, resume, exports, audit, and the
evidence left untouched."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from case_build import KNOWN, build_folder, make_lists  # type: ignore[import-not-found]

from brightline.core.actor import Actor
from brightline.core.formats import read_records
from brightline.core.models import ScanResult
from brightline.errors import ConflictError, NotFoundError, UsageError
from brightline.services import audit, cases
from brightline.services.cases import run
from brightline.services.context import Services, open_services
from brightline.services.hashing import HashOptions
from brightline.services.pipeline import hashing
from brightline.settings import Settings

Z = {"files": 0, "unique": 0}


@pytest.fixture
def tsvc(settings: Settings, tmp_path: Path) -> Any:
    make_lists(settings, tmp_path)
    services = open_services(settings.model_copy(update={"workers": 1}))
    yield services
    services.close()


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    out = {}
    for root, _dirs, names in os.walk(folder):
        for name in names:
            st = os.lstat(Path(root) / name)
            out[str(Path(root) / name)] = (st.st_size, st.st_mtime_ns, st.st_atime_ns)
    return out


def test_folder_exhibit_counts(tsvc: Services, actor: Actor, tmp_path: Path) -> None:
    folder = build_folder(tmp_path / "ev")
    # atime older than mtime, so that a read would move it (relatime)
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.utime(path, ns=(1_000_000_000, 2_000_000_000))
    before = snapshot(folder)
    cases.create_case(tsvc, actor, "op-1", "uk")
    summary = cases.add_exhibit(tsvc, actor, "op-1", folder, "EX1")
    assert (summary.files, summary.known, summary.suggested, summary.errors) == (11, 3, 1, 2)
    assert summary.exit_code == 1
    shown = cases.show(tsvc, "op-1")
    expected = {
        "files": 11,
        "unique": 8,
        "errors": 2,
        "known": {"A": Z, "B": {"files": 3, "unique": 1}, "C": Z},
        "suggested": {"A": {"files": 1, "unique": 1}, "B": Z, "C": Z},
        "unknown": {"files": 2, "unique": 2},
        "other": {"files": 3, "unique": 3},
        "deleted": 0,
    }
    assert {k: shown[k] for k in expected} == expected
    assert {k: shown["exhibits"][0][k] for k in expected} == expected
    rows = {r["path"]: r for r in cases.files(tsvc, "op-1")}
    assert rows["evidence.zip/inside/known.jpg"]["status"] == "known"
    assert rows["evidence.zip/inside/known.jpg"]["category"] == "B"
    assert rows["sub/copy.jpg"]["duplicate_of"] == "EX1:evidence.zip/inside/known.jpg"
    assert rows["known.jpg"]["copies"] == 3
    assert rows["resized.jpg"]["status"] == "suggested"
    assert rows["resized.jpg"]["matches"][0]["signal_type"] == "pdq"
    assert rows["link"]["error"]["code"] == "symlink"
    assert rows["broken.jpg"]["status"] == "error" and rows["broken.jpg"]["md5"]
    assert rows["notes.txt"]["status"] == "other"
    unknown = cases.files(tsvc, "op-1", status="unknown")
    assert [r["rank"] for r in unknown] == [1, 2]
    assert snapshot(folder) == before  # nothing written, no time changed
    assert not (tsvc.settings.cases_folder / "op-1" / "tmp").exists() or not any(
        (tsvc.settings.cases_folder / "op-1" / "tmp").rglob("*")
    )


def test_disk_exhibit_with_deleted_known_file(
    tsvc: Services, actor: Actor, tmp_path: Path, builders: dict[str, Any]
) -> None:
    pack = io.BytesIO()
    with zipfile.ZipFile(pack, "w") as zf:
        zf.writestr("inner/k.jpg", KNOWN)
    files = {
        "DCIM/a.jpg": KNOWN,
        "DCIM/b.txt": b"text",
        "gone.jpg": KNOWN,
        "x/pack.dat": pack.getvalue(),  # an archive, whatever its name
    }
    img = builders["fat"](tmp_path, files, ["gone.jpg"])
    cases.create_case(tsvc, actor, "op-2", "uk", ["police"])
    assert cases.add_exhibit(tsvc, actor, "op-2", img, "SD1").exit_code == 1
    rows = {r["path"]: r for r in cases.files(tsvc, "op-2")}
    assert set(rows) == {
        "fat.img/DCIM/a.jpg",
        "fat.img/DCIM/b.txt",
        "fat.img/_one.jpg",
        "fat.img/x/pack.dat",
        "fat.img/x/pack.dat/inner/k.jpg",
    }
    assert rows["fat.img/_one.jpg"]["deleted"] is True
    assert rows["fat.img/_one.jpg"]["status"] == "known"
    assert rows["fat.img/x/pack.dat/inner/k.jpg"]["status"] == "known"
    shown = cases.show(tsvc, "op-2")
    assert shown["known"]["B"] == {"files": 3, "unique": 1} and shown["deleted"] == 1
    assert shown["files"] == 5 and shown["unique"] == 3


def test_resume_after_interruption(
    tsvc: Services, actor: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = build_folder(tmp_path / "ev")
    monkeypatch.setattr(run, "BATCH", 2)
    calls: list[str] = []
    real = hashing.hash_work

    def counted(work: hashing.Work, opts: HashOptions, name: str = "", **kw: bool) -> ScanResult:
        calls.append("x")
        return real(work, opts, name, **kw)

    monkeypatch.setattr(hashing, "hash_work", counted)
    seen = 0

    def stop_after_five(files: int, _bytes: int) -> None:
        nonlocal seen
        seen += files
        if seen == 5:
            raise KeyboardInterrupt

    cases.create_case(tsvc, actor, "op-3", "uk")
    with pytest.raises(KeyboardInterrupt):
        cases.add_exhibit(tsvc, actor, "op-3", folder, "EX1", stop_after_five)
    done = len(cases.files(tsvc, "op-3"))
    assert done == 4  # two batches of two committed; the fifth was not
    hashed_before = len(calls)
    summary = cases.resume(tsvc, actor, "op-3")
    rows = cases.files(tsvc, "op-3")
    assert summary.files == len(rows) == 11
    assert len({r["path"] for r in rows}) == 11
    readable_left = 11 - done - 1  # the symlink is never hashed
    assert len(calls) - hashed_before == readable_left
    assert cases.show(tsvc, "op-3")["exhibits"][0]["state"] == "done"
    assert cases.resume(tsvc, actor, "op-3").files == 11  # nothing left: a no-op


def test_usage_errors(tsvc: Services, actor: Actor, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        cases.create_case(tsvc, actor, "bad/name", "uk")
    with pytest.raises(UsageError):
        cases.create_case(tsvc, actor, "op", "nope")
    with pytest.raises(NotFoundError):
        cases.create_case(tsvc, actor, "op", "uk", ["no-such-list"])
    cases.create_case(tsvc, actor, "op", "uk")
    with pytest.raises(ConflictError):
        cases.create_case(tsvc, actor, "op", "dhs")
    with pytest.raises(UsageError):
        cases.add_exhibit(tsvc, actor, "op", tmp_path / "missing", "EX1")
    with pytest.raises(NotFoundError):
        cases.add_exhibit(tsvc, actor, "nope", tmp_path, "EX1")
    with pytest.raises(UsageError):
        cases.files(tsvc, "op", status="bogus")
    assert cases.set_scheme(tsvc, actor, "op", "dhs").scheme == "dhs"  # no files yet
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.txt").write_text("a")
    assert cases.add_exhibit(tsvc, actor, "op", empty, "EX1").exit_code == 0
    assert cases.add_exhibit(tsvc, actor, "op", empty, "JB/1 (laptop)").exit_code == 0
    with pytest.raises(UsageError):
        cases.add_exhibit(tsvc, actor, "op", empty, "bad\x00id")
    with pytest.raises(UsageError, match="fixed"):
        cases.set_scheme(tsvc, actor, "op", "uk")
    assert cases.show(tsvc, "op")["scheme"] == "dhs"


def test_exports_and_audit(tsvc: Services, actor: Actor, tmp_path: Path) -> None:
    folder = build_folder(tmp_path / "ev")
    cases.create_case(tsvc, actor, "op-4", "uk")
    cases.add_exhibit(tsvc, actor, "op-4", folder, "EX1")
    out = tmp_path / "out"
    for fmt in ("vics", "csv", "html"):
        cases.export(tsvc, actor, "op-4", fmt, out, pdf=False)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["manifest.sha256", "op-4-report.html", "op-4.csv", "op-4.vics.json"]
    check = subprocess.run(
        ["sha256sum", "-c", "manifest.sha256"], cwd=out, capture_output=True, text=True
    )
    assert check.returncode == 0 and check.stdout.count(": OK") == 3

    table = list(csv.DictReader(io.StringIO((out / "op-4.csv").read_text())))
    assert len(table) == 11 and {r["status"] for r in table} == {
        "known",
        "suggested",
        "unknown",
        "other",
        "error",
    }

    doc = json.loads((out / "op-4.vics.json").read_text())
    assert doc["@odata.context"].endswith("$metadata#Cases")
    media = doc["value"][0]["Media"]
    assert len(media) == 8  # one per distinct SHA-1
    known = next(m for m in media if m.get("Category") == "B")
    assert len(known["MediaFiles"]) == 3 and known["IsPrecategorized"] is True
    with open(out / "op-4.vics.json", "rb") as fh:
        records = [r for r in read_records(fh) if not isinstance(r, Exception)]
    by_sha1 = {r.value: r for r in records if r.signal_type == "sha1"}
    for row in cases.files(tsvc, "op-4"):
        if row["sha1"]:
            rec = by_sha1[row["sha1"]]
            assert rec.category == (row["category"] if row["status"] == "known" else None)

    html = (out / "op-4-report.html").read_text()
    assert "op-4" in html and "police" in html and "grayscale" in html
    assert html.count("data:image/jpeg;base64,") == 2  # the known picture and the suggested one

    actions = [r.action for r in audit.records(tsvc.store, action="case.", newest_first=False)]
    assert actions == ["case.create", "case.add_exhibit", "case.exhibit_done"] + ["case.export"] * 3
    assert audit.verify(tsvc.store).intact


def test_a_list_of_another_scheme_is_not_mapped(
    tsvc: Services, actor: Actor, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from brightline.adapters.cli.main import app
    from brightline.services.hashing import HashOptions, hash_bytes

    other = jpeg_bytes = tmp_path / "ev"
    other.mkdir()
    from brightline.services.demo import jpeg, picture

    jpeg_bytes = jpeg(picture(9))
    (other / "us.jpg").write_bytes(jpeg_bytes)
    signals = hash_bytes(jpeg_bytes, HashOptions()).signals
    assert signals is not None
    listed = tmp_path / "dhs.csv"
    listed.write_text(f"signal_type,value,category\nsha1,{signals.sha1},2\n")
    env = {
        "BRIGHTLINE_HOME": str(tsvc.settings.home),
        "BRIGHTLINE_DATABASE_URL": tsvc.settings.db_url,
    }
    for args in (
        ["list", "create", "us", "--scheme", "dhs"],
        ["list", "import", "us", str(listed)],
    ):
        assert CliRunner().invoke(app, args, env=env).exit_code == 0
    cases.create_case(tsvc, actor, "op-5", "uk")
    cases.add_exhibit(tsvc, actor, "op-5", other, "EX1")
    shown = cases.show(tsvc, "op-5")
    assert shown["known"]["dhs:2"] == {"files": 1, "unique": 1}
    assert all(shown["known"][c]["files"] == 0 for c in ("A", "B", "C"))
    (row,) = cases.files(tsvc, "op-5")
    assert row["category"] == "dhs:2" and row["matches"][0]["list_category"] == "2"


def test_resume_a_disk_image_with_an_archive(
    tsvc: Services,
    actor: Actor,
    tmp_path: Path,
    builders: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pack = io.BytesIO()
    with zipfile.ZipFile(pack, "w") as zf:
        for i in range(4):
            zf.writestr(f"m{i}.txt", f"member {i}")
    files = {"a.txt": b"a", "b/pack.zip": pack.getvalue(), "c.jpg": KNOWN}
    img = builders["ext"](tmp_path, files, [])
    monkeypatch.setattr(run, "BATCH", 1)
    seen = 0

    def stop(files: int, _bytes: int) -> None:
        nonlocal seen
        seen += files
        if seen == 4:
            raise KeyboardInterrupt

    cases.create_case(tsvc, actor, "op-6", "uk")
    with pytest.raises(KeyboardInterrupt):
        cases.add_exhibit(tsvc, actor, "op-6", img, "HD1", stop)
    assert len(cases.files(tsvc, "op-6")) == 3
    assert cases.resume(tsvc, actor, "op-6").exit_code == 1
    paths = [r["path"] for r in cases.files(tsvc, "op-6")]
    assert sorted(paths) == sorted(
        ["ext.img/a.txt", "ext.img/b/pack.zip", "ext.img/c.jpg"]
        + [f"ext.img/b/pack.zip/m{i}.txt" for i in range(4)]
    )
