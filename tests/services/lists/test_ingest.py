"""Importing lists: transactional, validated, idempotent, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from brightline.errors import FormatError, NotFoundError
from brightline.services.context import Services
from brightline.services.lists import ingest
from brightline.services.store import lists
from brightline.services.store.entries import iter_entries

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
PDQ = "f" * 64


def make_list(svc: Services, name: str = "known", scheme: str = "uk") -> None:
    with svc.store.begin() as conn:
        lists.create_list(conn, name, scheme)


def entries_of(svc: Services, name: str = "known") -> list[tuple[str, str, str | None]]:
    with svc.store.connect() as conn:
        hl = lists.get_list(conn, name)
        return sorted((e.signal_type, e.value, e.category) for e in iter_entries(conn, hl.id))


def write(tmp_path: Path, text: str, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_import_then_reimport_updates_in_place(svc: Services, tmp_path: Path) -> None:
    make_list(svc)
    first = write(tmp_path, f"signal_type,value,category\nmd5,{MD5.upper()},A\npdq,{PDQ},b\n")
    report = ingest.import_file(svc.store, "known", first)
    assert (report.imported, report.added, report.updated) == (2, 2, 0)
    assert entries_of(svc) == [("md5", MD5, "A"), ("pdq", PDQ, "B")]

    again = write(tmp_path, f"signal_type,value,category\nmd5,{MD5},C\n", "again.csv")
    report = ingest.import_file(svc.store, "known", again)
    assert (report.added, report.updated) == (0, 1)
    assert entries_of(svc) == [("md5", MD5, "C"), ("pdq", PDQ, "B")]


def test_bad_record_stops_import_and_writes_nothing(svc: Services, tmp_path: Path) -> None:
    make_list(svc)
    path = write(tmp_path, f"signal_type,value\nmd5,{MD5}\nmd5,not-a-hash\npdq,{PDQ}\n")
    with pytest.raises(FormatError) as info:
        ingest.import_file(svc.store, "known", path)
    assert "line 3" in str(info.value)
    assert "md5" in str(info.value)
    assert entries_of(svc) == []


def test_category_outside_scheme_is_an_error(svc: Services, tmp_path: Path) -> None:
    make_list(svc, scheme="industry")
    path = write(tmp_path, f"signal_type,value,category\nmd5,{MD5},C\n")
    with pytest.raises(FormatError, match="not defined by the 'industry' scheme"):
        ingest.import_file(svc.store, "known", path)


def test_skip_invalid_imports_the_rest_and_counts(svc: Services, tmp_path: Path) -> None:
    make_list(svc)
    path = write(tmp_path, f"signal_type,value\nmd5,{MD5}\nmd5,zz\nsha1,short\npdq,{PDQ}\n")
    report = ingest.import_file(svc.store, "known", path, skip_invalid=True)
    assert (report.imported, report.skipped) == (2, 2)
    assert sum(report.skipped_reasons.values()) == 2
    assert len(report.examples) == 2
    assert [v for _, v, _ in entries_of(svc)] == [MD5, PDQ]


def test_missing_category_stays_missing(svc: Services, tmp_path: Path) -> None:
    make_list(svc, scheme="vic-us")
    path = write(tmp_path, f"signal_type,value,category\nmd5,{MD5},\n")
    ingest.import_file(svc.store, "known", path)
    assert entries_of(svc) == [("md5", MD5, None)]


def test_import_into_unknown_list(svc: Services, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        ingest.import_file(svc.store, "nope", write(tmp_path, f"md5 {MD5}\n", "l.txt"))


def test_export_csv_round_trips(svc: Services, tmp_path: Path) -> None:
    make_list(svc)
    ingest.import_file(
        svc.store,
        "known",
        write(tmp_path, f"signal_type,value,category\nmd5,{MD5},A\npdq,{PDQ},\n"),
    )
    out = tmp_path / "out.csv"
    with open(out, "w", newline="") as fh:
        assert ingest.export_list(svc.store, "known", "csv", fh) == 2
    make_list(svc, "copy")
    ingest.import_file(svc.store, "copy", out)
    assert entries_of(svc, "copy") == entries_of(svc, "known")


def test_export_vics_round_trips(svc: Services, tmp_path: Path) -> None:
    make_list(svc, scheme="vic-us")
    ingest.import_file(
        svc.store,
        "known",
        write(tmp_path, f"signal_type,value,category,source_id\nmd5,{MD5},1,m1\npdq,{PDQ},1,m1\n"),
    )
    out = tmp_path / "out.json"
    with open(out, "w") as fh:
        ingest.export_list(svc.store, "known", "vics", fh)
    make_list(svc, "copy", scheme="vic-us")
    ingest.import_file(svc.store, "copy", out)
    assert entries_of(svc, "copy") == entries_of(svc, "known")


def test_unusable_and_harmless_records_are_ignored_not_errors(
    svc: Services, tmp_path: Path
) -> None:
    make_list(svc, scheme="none")
    path = write(
        tmp_path,
        "collab,signal_type,signal_str,category,tags\n"
        f"c,pdq,{PDQ},POSITIVE_CLASS,\n"
        f"c,md5,{MD5},NEGATIVE_CLASS,\n"
        f"c,video_md5,{'1' * 32},POSITIVE_CLASS,\n",
        "dataset.csv",
    )
    report = ingest.import_file(svc.store, "known", path)
    assert (report.imported, report.ignored) == (2, 1)
    assert "marked harmless" in next(iter(report.ignored_reasons))
    assert [v for _, v, _ in entries_of(svc)] == ["1" * 32, PDQ]


@pytest.fixture
def parse_in_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send even small files through the second-process reader big files use."""
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)


@pytest.mark.usefixtures("parse_in_child")
def test_child_reader_imports_and_counts(svc: Services, tmp_path: Path) -> None:
    make_list(svc)
    rows = "".join(f"pdq,{i:064x},A\n" for i in range(1, 120_001))
    path = write(tmp_path, "signal_type,value,category\n" + rows + "md5,bad\n")
    report = ingest.import_file(svc.store, "known", path, skip_invalid=True)
    assert (report.read, report.imported, report.added, report.skipped) == (
        120_001,
        120_000,
        120_000,
        1,
    )
    assert report.examples and "line 120002" in report.examples[0]


@pytest.mark.usefixtures("parse_in_child")
def test_child_reader_error_keeps_location_and_writes_nothing(
    svc: Services, tmp_path: Path
) -> None:
    make_list(svc)
    path = write(tmp_path, f"signal_type,value\nmd5,{MD5}\nmd5,bad\n")
    with pytest.raises(FormatError) as info:
        ingest.import_file(svc.store, "known", path)
    assert info.value.location == "line 3" and info.value.source == str(path)
    assert entries_of(svc) == []
