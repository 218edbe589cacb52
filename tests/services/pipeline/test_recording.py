"""Jobs, items, signals and matches are recorded; every match is logged; recording
never waits behind an import on SQLite (the events database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, text

from brightline.core.actor import local_operator
from brightline.services import actions
from brightline.services.context import Services
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_path
from brightline.services.pipeline.job import Job
from brightline.services.pipeline.scan import scan
from brightline.services.review.env import ReviewEnv
from brightline.services.store import Store, lists
from brightline.services.store import content as store_content
from brightline.services.store.db import next_rev
from brightline.services.store.entries import upsert_entries
from brightline.services.store.events import events_url
from brightline.services.store.tables import match_log, webhook_deliveries
from brightline.settings import Settings


@pytest.fixture
def scanned(svc: Services, tmp_path: Path) -> tuple[Job, Path]:
    known = tmp_path / "known.jpg"
    known.write_bytes(jpeg(picture(1)))
    signals = hash_path(known, HashOptions()).signals
    assert signals is not None
    with svc.store.begin() as conn:
        hl = lists.create_list(conn, "known")
        rows = [{"signal_type": "md5", "value": signals.md5}]
        upsert_entries(conn, hl.id, rows, source="t", rev=next_rev(conn))
    root = tmp_path / "in"
    root.mkdir()
    (root / "copy.jpg").write_bytes(known.read_bytes())
    (root / "other.jpg").write_bytes(jpeg(picture(2)))
    (root / "empty").write_bytes(b"")
    job = Job(svc.review_env(), local_operator(), "scan", ref=str(root), run_actions=False)
    job.workers = 1
    job.start()
    assert len(list(scan([root], job, svc.matcher))) == 3
    job.finish()
    return job, root


def test_a_scan_records_its_items_signals_and_matches(
    svc: Services, scanned: tuple[Job, Path]
) -> None:
    recorder, root = scanned
    assert recorder.id is not None
    with svc.store.connect_events() as conn:
        job = store_content.get_job(conn, recorder.id)
        items = {Path(r.locator).name: r for r in store_content.job_items(conn, recorder.id)}
        sigs = store_content.signals_of(conn, [r.id for r in items.values()])
        found = store_content.matches_of(conn, [r.id for r in items.values()])
    assert job is not None and job.kind == "scan" and job.status == "done"
    assert job.actor == local_operator().label and job.ref == str(root)
    assert set(items) == {"copy.jpg", "other.jpg", "empty"}
    assert items["empty"].error_code == "empty_file" and items["copy.jpg"].error_code is None
    copy_types = {s.signal_type for s in sigs if s.item_id == items["copy.jpg"].id}
    assert copy_types == {"md5", "sha1", "sha256", "pdq"}
    [hit] = found
    assert hit.item_id == items["copy.jpg"].id and hit.list_name == "known"
    [logged] = actions.match_log(svc.store)
    assert logged["job_id"] == recorder.id and logged["item_id"] == items["copy.jpg"].id
    assert logged["actor"] == local_operator().label


def test_where_else_was_a_hash_seen(svc: Services, scanned: tuple[Job, Path]) -> None:
    _, root = scanned
    md5 = hash_path(root / "copy.jpg", HashOptions()).signals
    assert md5 is not None
    with svc.store.connect_events() as conn:
        [seen] = store_content.items_with_signal(conn, "md5", md5.md5)
    assert seen.job_kind == "scan" and seen.locator == str(root / "copy.jpg")


def test_only_matched_items_when_asked(svc: Services, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    recorder = Job(svc.review_env(), local_operator(), "scan", items="matched", workers=1)
    list(scan([tmp_path], recorder, svc.matcher))
    assert recorder.id is None  # nothing matched: nothing written


def test_sqlite_events_live_in_a_file_of_their_own(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'brightline.db'}"
    assert events_url(url) == f"sqlite:///{tmp_path / 'brightline-events.db'}"
    assert events_url("postgresql+psycopg://h/db") is None
    assert events_url("sqlite://") is None


def test_recording_does_not_wait_behind_an_import(database_url: str, tmp_path: Path) -> None:
    """An import holds the main database's write lock for its whole transaction; a
    match is still recorded at once (on PostgreSQL, row locks never collide)."""
    store = Store(database_url)
    store.migrate()
    try:
        with store.begin() as conn:
            hl = lists.create_list(conn, "l")
        actions.add_action(store, "l", "webhook", "http://127.0.0.1:9/hook")
        with store.begin() as importing:  # the import's open write transaction
            rows = [{"signal_type": "md5", "value": f"{i:032x}"} for i in range(100)]
            upsert_entries(importing, hl.id, rows, source="bulk", rev=next_rev(importing))
            if store.dialect == "sqlite":
                # Fail fast instead of the 30 s busy timeout if it were the same lock.
                with store.events_engine.connect() as ev:
                    ev.exec_driver_sql("PRAGMA busy_timeout=100")
            recorder = Job(ReviewEnv(store, Settings(home=tmp_path)), local_operator(), "lookup")
            m = actions.Match("l", hl.id, 1, "md5", "0" * 32, 0, None, "none", None, None)
            assert recorder.record_matches([m]) == 1  # logged, and its webhook queued
        assert [r["list"] for r in actions.match_log(store)] == ["l"]
        assert [d["status"] for d in actions.delivery_log(store)] == ["pending"]
    finally:
        store.dispose()


def test_rows_an_older_version_logged_move_to_the_events_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'brightline.db'}"
    store = Store(url)
    store.migrate()
    with store.begin() as conn:  # a row an older version wrote to the main file
        conn.execute(
            insert(match_log).values(
                id=7,
                at=text("CURRENT_TIMESTAMP"),
                list_name="old",
                entry_id=1,
                signal_type="md5",
                value="0" * 32,
                distance=0,
            )
        )
        conn.execute(
            insert(webhook_deliveries).values(
                id=3,
                action_id=1,
                list_name="old",
                url="http://h/x",
                payload="{}",
                status="pending",
                attempts=0,
                next_attempt_at=text("CURRENT_TIMESTAMP"),
                created_at=text("CURRENT_TIMESTAMP"),
            )
        )
    store.dispose()
    (tmp_path / "brightline-events.db").unlink()
    for extra in ("-wal", "-shm"):
        (tmp_path / f"brightline-events.db{extra}").unlink(missing_ok=True)
    again = Store(url)
    again.migrate()
    try:
        assert [(r["id"], r["list"]) for r in actions.match_log(again)] == [(7, "old")]
        assert [(d["id"], d["status"]) for d in actions.delivery_log(again)] == [(3, "pending")]
    finally:
        again.dispose()
