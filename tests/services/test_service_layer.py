"""The service layer: every change takes an actor and writes one audit record in its
own transaction; names, NUL characters and long values are refused alike on every
database; concurrent imports count right. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from brightline.core.actor import Actor
from brightline.errors import (
    FormatError,
    InvalidCategoryError,
    InvalidNameError,
    InvalidTextError,
    NotFoundError,
)
from brightline.services import actions, audit, lists
from brightline.services.context import Services
from brightline.services.lists import curation, ingest

ALICE = Actor("key", "ab12cd34", "alice's bot", "curator")
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def md5s(n: int, start: int = 0) -> list[str]:
    return [hashlib.md5(str(i).encode()).hexdigest() for i in range(start, start + n)]


def test_each_change_is_one_record_naming_its_actor(svc: Services, tmp_path: Path) -> None:
    lists.create_list(svc.store, "known", "uk", actor=ALICE)
    lists.update_list(svc.store, "known", pdq_threshold=20, actor=ALICE)
    [entry] = curation.add_entries(
        svc.store, "known", [curation.NewEntry("md5", MD5, "A")], actor=ALICE
    )
    curation.set_entry_state(svc.store, entry.id, enabled=False, withdrawn=None, actor=ALICE)
    big = tmp_path / "big.txt"
    big.write_text("\n".join(md5s(5000)) + "\n")
    report = ingest.import_file(svc.store, "known", big, actor=ALICE)
    curation.delete_entry(svc.store, entry.id, actor=ALICE)
    action, _ = actions.add_action(
        svc.store, "known", "webhook", "https://hooks.example/t0ken-in-path", actor=ALICE
    )
    actions.remove_action(svc.store, "known", action.id, actor=ALICE)
    lists.delete_list(svc.store, "known", actor=ALICE)

    found = audit.records(svc.store, limit=None, newest_first=False)
    assert [r.action for r in found] == [
        "list.create",
        "list.update",
        "entries.add",
        "entry.update",
        "entries.import",
        "entry.delete",
        "action.add",
        "action.remove",
        "list.delete",
    ]
    assert {r.actor for r in found} == {"key:ab12cd34"}
    assert found[0].details["actor"]["name"] == "alice's bot"
    assert found[1].details["changes"] == {"pdq_threshold": {"from": 31, "to": 20}}
    imported = found[4].details
    assert imported["sha256"] == hashlib.sha256(big.read_bytes()).hexdigest() == report.sha256
    assert (imported["file"], imported["imported"], imported["added"]) == (str(big), 5000, 5000)
    assert "t0ken" not in str(found[6].details)  # a webhook URL's path may be a credential
    assert found[-1].details["entries"] == 5000
    assert audit.verify(svc.store).intact


def test_a_failed_change_leaves_no_record(svc: Services, tmp_path: Path) -> None:
    lists.create_list(svc.store, "known", "uk")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"value,category\n{MD5},Z\n")
    with pytest.raises(FormatError):
        ingest.import_file(svc.store, "known", bad)
    with pytest.raises(InvalidCategoryError):
        curation.add_entries(svc.store, "known", [curation.NewEntry("md5", MD5, "Z")])
    assert [r.action for r in audit.records(svc.store)] == ["list.create"]
    assert audit.records(svc.store)[0].actor.startswith("operator:")  # no actor: the operator


@pytest.mark.parametrize(
    "name", ["a/b", "../x", "with space", "-leading", "x" * 201, "ünï", "q?x", "h#x", "p%2F"]
)
def test_list_names_follow_one_rule(svc: Services, name: str) -> None:
    with pytest.raises(InvalidNameError, match="letters"):
        lists.create_list(svc.store, name)


def test_good_list_names(svc: Services) -> None:
    for name in ("iwf", "NCMEC_2024", "demo-known", "v1.2", "9lives", "x" * 200):
        assert lists.create_list(svc.store, name).name == name


@pytest.mark.parametrize("field", ["note", "source_id", "source", "category"])
def test_nul_in_an_entry_is_refused(svc: Services, field: str) -> None:
    lists.create_list(svc.store, "known")
    new = curation.NewEntry("md5", MD5, **{field: "a\x00b"})  # type: ignore[arg-type]
    with pytest.raises(InvalidTextError, match="NUL"):
        curation.add_entries(svc.store, "known", [new])


def test_a_late_nul_in_an_import_is_a_located_error(svc: Services, tmp_path: Path) -> None:
    lists.create_list(svc.store, "known")
    rows = [f"{v},note {i}" for i, v in enumerate(md5s(3000))]
    rows[2500] = f"{md5s(1, 9999)[0]},bad\x00note"
    path = tmp_path / "late.csv"
    path.write_text("value,note\n" + "\n".join(rows) + "\n")
    with pytest.raises(FormatError, match=r"line 2502.*NUL"):
        ingest.import_file(svc.store, "known", path)
    report = ingest.import_file(svc.store, "known", path, skip_invalid=True)
    assert (report.imported, report.skipped) == (2999, 1)
    with pytest.raises(InvalidTextError):
        ingest.import_file(svc.store, "known", path, source="s\x00")


def test_lookups_with_nul_are_not_found(svc: Services) -> None:
    with pytest.raises(NotFoundError):
        lists.get_list(svc.store, "a\x00b")
    with pytest.raises(InvalidTextError):
        actions.match_log(svc.store, "a\x00b")


def test_long_values_are_cut_in_messages(svc: Services) -> None:
    lists.create_list(svc.store, "known", "uk")
    huge = "C" * 1_000_000
    with pytest.raises(InvalidCategoryError) as info:
        curation.add_entries(svc.store, "known", [curation.NewEntry("md5", MD5, huge)])
    assert len(str(info.value)) < 1200
    with pytest.raises(InvalidNameError) as named:
        lists.create_list(svc.store, "/" * 1_000_000)
    assert len(str(named.value)) < 400 and "1,000,000 characters" in str(named.value)


def test_concurrent_imports_into_one_list_count_right(svc: Services, tmp_path: Path) -> None:
    lists.create_list(svc.store, "known")
    path = tmp_path / "same.txt"
    path.write_text("\n".join(md5s(20_000)) + "\n")
    reports: list[ingest.ImportReport] = []
    failures: list[BaseException] = []
    start = threading.Barrier(3)

    def run() -> None:
        start.wait()
        try:
            reports.append(ingest.import_file(svc.store, "known", path))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    counts = sorted((r.added, r.updated) for r in reports)
    assert counts == [(0, 20_000), (0, 20_000), (20_000, 0)]
    assert lists.get_list(svc.store, "known").entry_count == 20_000
