"""Cases hash through the shared hashing and record their matches as a ``case`` job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from case_build import KNOWN, build_folder, make_lists  # type: ignore[import-not-found]
from sqlalchemy import select

from brightline.core.actor import Actor
from brightline.services import actions, audit, cases
from brightline.services.cases import run
from brightline.services.cases.classify import Meta, row_of
from brightline.services.context import Services, open_services
from brightline.services.hashing import HashOptions, hash_bytes
from brightline.services.pipeline.hashing import hash_work
from brightline.services.store import content as store_content
from brightline.settings import Settings

#: The first bytes of an MP4 file and nothing after them: a video that cannot be decoded.
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(200)


@pytest.fixture
def tsvc(settings: Settings, tmp_path: Path) -> Any:
    make_lists(settings, tmp_path)
    services = open_services(settings.model_copy(update={"workers": 1}))
    yield services
    services.close()


def _row(data: bytes, opts: HashOptions | None = None) -> dict[str, Any]:
    meta = Meta("x", len(data), False, None, None, None, None)
    return row_of(meta, hash_work(("bytes", data), opts or HashOptions(), evidence=True), "uk")


def test_statuses_from_the_shared_hashing(videos: dict[str, Path]) -> None:
    picture = _row(KNOWN)
    expected = hash_bytes(KNOWN, HashOptions()).signals
    assert expected is not None
    assert (picture["status"], picture["md5"], picture["pdq"]) == (
        "unknown",
        expected.md5,
        expected.pdq,
    )
    text = _row(b"shopping list\n")  # not_an_image in the shared hashing: no error here
    assert (text["status"], text["error_code"], text["error"]) == ("other", None, None)
    video = _row(videos["unrelated"].read_bytes())  # media: unknown when nothing matched
    assert (video["status"], video["media_type"], video["error_code"]) == (
        "unknown",
        "video/mp4",
        None,
    )
    assert video["md5"]
    cut = _row(MP4_HEAD)  # a video that cannot be decoded is an error with a reason
    assert cut["status"] == "error" and cut["media_type"] == "video/mp4" and cut["error"]
    empty = _row(b"")
    # an empty file is empty_file in a case as in `brightline match` (issue 15), digested
    assert empty["status"] == "error" and empty["error_code"] == "empty_file"
    assert empty["md5"] == "d41d8cd98f00b204e9800998ecf8427e"
    broken = _row(b"\xff\xd8\xff\xe0garbage")
    assert broken["status"] == "error" and broken["error_code"] and broken["error"]
    assert broken["md5"]


def test_decode_memory_bound_is_honoured() -> None:
    row = _row(KNOWN, HashOptions(max_decode_bytes=1000))
    assert row["status"] == "error" and "max_decode_bytes" in row["error"]
    assert row["error_code"] and row["md5"]


def test_unreadable_path_is_a_row_with_a_code(tmp_path: Path) -> None:
    result = hash_work(("path", str(tmp_path / "gone")), HashOptions(), evidence=True)
    assert result.error_code == "unreadable" and result.error and result.signals is None


def test_case_matches_are_recorded_as_a_case_job(
    tsvc: Services, actor: Actor, tmp_path: Path
) -> None:
    folder = build_folder(tmp_path / "ev")
    cases.create_case(tsvc, actor, "op-r", "uk")
    cases.add_exhibit(tsvc, actor, "op-r", folder, "JB/1")
    rows = cases.files(tsvc, "op-r")
    matched = {r["path"]: len(r["matches"]) for r in rows if r["matches"]}
    assert set(matched) == {
        "known.jpg",
        "sub/copy.jpg",
        "evidence.zip/inside/known.jpg",
        "resized.jpg",
    }
    logged = actions.match_log(tsvc.store, limit=1000)
    assert len(logged) == sum(matched.values())  # every match, once
    job_ids = {r["job_id"] for r in logged}
    assert len(job_ids) == 1
    job_id = job_ids.pop()
    assert isinstance(job_id, int)
    assert {r["ref"] for r in logged} == {"case:op-r exhibit:JB/1"}
    with tsvc.store.connect_events() as conn:
        job = store_content.get_job(conn, job_id)
        items = store_content.job_items(conn, job_id)
        found = store_content.matches_of(conn, [i.id for i in items])
    assert job is not None and (job.kind, job.status) == ("case", "done")
    assert job.ref == "case:op-r exhibit:JB/1" and job.actor == actor.label
    assert {i.locator for i in items} == set(matched)  # only the matched items
    assert len(found) == sum(matched.values())
    assert {r["item_id"] for r in logged} == {i.id for i in items}
    (done,) = audit.records(tsvc.store, action="case.exhibit_done")
    assert done.details["job"] == job_id


def test_an_interrupted_run_is_an_interrupted_job(
    tsvc: Services, actor: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = build_folder(tmp_path / "ev")
    monkeypatch.setattr(run, "BATCH", 2)
    seen = 0

    def stop_after_five(files: int, _bytes: int) -> None:
        nonlocal seen
        seen += files
        if seen == 5:
            raise KeyboardInterrupt

    cases.create_case(tsvc, actor, "op-i", "uk")
    with pytest.raises(KeyboardInterrupt):
        cases.add_exhibit(tsvc, actor, "op-i", folder, "EX1", stop_after_five)
    cases.resume(tsvc, actor, "op-i")
    with tsvc.store.connect_events() as conn:
        query = select(store_content.jobs).where(store_content.jobs.c.kind == "case")
        jobs = list(conn.execute(query.order_by(store_content.jobs.c.id)))
    assert [j.status for j in jobs] == ["interrupted", "done"]
    assert {j.ref for j in jobs} == {"case:op-i exhibit:EX1"}
    logged = actions.match_log(tsvc.store, limit=1000)
    assert {r["job_id"] for r in logged} <= {j.id for j in jobs}
    found = sum(len(r["matches"]) for r in cases.files(tsvc, "op-i"))
    assert found <= len(logged)  # a batch cut short may be logged by both runs
