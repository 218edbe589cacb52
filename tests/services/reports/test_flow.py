"""A confirmed item becomes a finished report on the local NCMEC server, preserved."""

from __future__ import annotations

import hashlib
import json

import pytest

from brightline.core.actor import Actor
from brightline.errors import ConflictError, ForbiddenError, UsageError
from brightline.services import audit
from brightline.services.reports import Reporting, service
from fake_ncmec import FakeNcmec
from reports_helpers import SENIOR, ReviewDouble


def send_and_drive(reporting: Reporting, report_id: int, **kw: object) -> str | None:
    reporting.send(report_id, SENIOR, **kw)  # type: ignore[arg-type]
    driver = reporting.driver()
    try:
        state = None
        for _ in range(50):
            state = driver.drive(report_id)
            if state in ("finished", "failed", "retracted"):
                return state
        return state
    finally:
        driver.close()


def test_items_of_one_user_join_one_draft(reporting: Reporting, desk: ReviewDouble) -> None:
    desk.confirm(1, user="alice")
    desk.confirm(2, user="alice")
    desk.confirm(3, user="bob", report_to=("ncmec", "nca"))
    desk.confirm(2, user="alice")  # confirmed again: not added twice
    views = service.list_reports(reporting.store, reporting.settings)
    shape = sorted((v["destination"], v["reported_user"], len(v["items"])) for v in views)
    assert shape == [("nca", "id:bob", 1), ("ncmec", "id:alice", 2), ("ncmec", "id:bob", 1)]
    assert {v["state"] for v in views} == {"draft"}
    assert all(v["report_id"] is None for v in views)


def test_confirmed_item_becomes_a_finished_report(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    desk.confirm(1)
    desk.confirm(2, scheme="uk", category="A")
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    assert send_and_drive(reporting, draft["id"], escalate="ongoing abuse") == "finished"
    (filed,) = ncmec.finished()
    assert sorted(f.md5 for f in filed.files.values()) == sorted(
        hashlib.md5(d).hexdigest() for d in desk.media.values()
    )
    assert all(f.details is not None for f in filed.files.values())
    assert b"<escalateToHighPriority>ongoing abuse</escalateToHighPriority>" in filed.xml
    assert b"<espIdentifier>u-1</espIdentifier>" in filed.xml
    assert b"<ipAddress>192.0.2.10</ipAddress>" in filed.xml
    details = b"".join(f.details or b"" for f in filed.files.values())
    assert details.count(b"<industryClassification>A1</industryClassification>") == 1
    assert b"no mapping from uk A to the industry scheme is defined" in details
    view = service.show(reporting.store, reporting.settings, draft["id"])
    assert view["state"] == "finished" and view["report_id"] == str(filed.report_id)
    assert view["hold_until"] is not None
    kinds = [o.kind for o in reporting.vault.objects(draft["id"])]
    assert kinds.count("file") == 2 and kinds.count("report") == 1
    assert kinds.count("exchange") >= 2 * 6  # a request and an answer per step
    sent = reporting.vault.read_bytes(view_object(reporting, draft["id"]), SENIOR, "test")
    assert sent == filed.xml
    actions = [r.action for r in audit.records(reporting.store, limit=None)]
    assert "report.send" in actions and "report.finish" in actions and "vault.read" in actions
    assert audit.verify(reporting.store).intact


def view_object(reporting: Reporting, report_id: int) -> int:
    return next(o.id for o in reporting.vault.objects(report_id) if o.kind == "report")


def test_mapping_is_explicit_and_shown(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    reporting.settings.report_category_map = "uk:A=A1"
    desk.confirm(1, scheme="uk", category="A")
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    (item,) = draft["items"]
    assert item["industry"] == "A1" and "uk:A=A1" in item["classification"]
    assert send_and_drive(reporting, draft["id"]) == "finished"
    (file,) = ncmec.finished()[0].files.values()
    assert b"<industryClassification>A1</industryClassification>" in (file.details or b"")


def test_sending_needs_the_reporter_and_credentials(
    reporting: Reporting, desk: ReviewDouble
) -> None:
    desk.confirm(1)
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    reporting.settings.reporter_last_name = None
    reporting.settings.reporter_email = ""
    with pytest.raises(
        UsageError, match="BRIGHTLINE_REPORTER_LAST_NAME, BRIGHTLINE_REPORTER_EMAIL"
    ):
        reporting.send(draft["id"], SENIOR)
    reporting.settings.reporter_last_name = "Porter"
    reporting.settings.reporter_email = "r@example.org"
    reporting.settings.ncmec_password = None
    with pytest.raises(UsageError, match="BRIGHTLINE_NCMEC_PASSWORD"):
        reporting.send(draft["id"], SENIOR)


def test_only_seniors_send(reporting: Reporting, desk: ReviewDouble) -> None:
    desk.confirm(1)
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    with pytest.raises(ForbiddenError):
        reporting.send(draft["id"], Actor("user", "3", "ann", "analyst"))


def test_wrong_credentials_fail_the_report_naming_the_settings(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    from pydantic import SecretStr

    reporting.settings.ncmec_password = SecretStr("wrong")
    desk.confirm(1)
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    assert send_and_drive(reporting, draft["id"]) == "failed"
    view = service.show(reporting.store, reporting.settings, draft["id"])
    assert "BRIGHTLINE_NCMEC_PASSWORD" in view["last_error"]
    assert "wrong" not in json.dumps(view)
    assert ncmec.reports == {}
    reporting.settings.ncmec_password = SecretStr("esp-secret")
    service.retry(reporting.store, reporting.settings, draft["id"], SENIOR)
    driver = reporting.driver()
    assert driver.drive(draft["id"]) == "finished"
    driver.close()
    assert len(ncmec.finished()) == 1


def test_retract_before_finish_and_refused_after(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    desk.confirm(1)
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    ncmec.fault("finish", "code", code=1000, times=1)
    reporting.settings.report_backoff_s = 3600  # stays waiting after the failed finish
    reporting.send(draft["id"], SENIOR)
    driver = reporting.driver()
    assert driver.drive(draft["id"]) == "sending_later"
    service.retract(reporting.store, reporting.settings, draft["id"], SENIOR)
    assert driver.drive(draft["id"]) == "retracted"
    driver.close()
    (remote,) = ncmec.reports.values()
    assert remote.state == "retracted" and ncmec.finished() == []
    assert ncmec.finish(str(remote.report_id))[0] == 5101  # finish after retract: refused
    with pytest.raises(ConflictError):
        service.retract(reporting.store, reporting.settings, draft["id"], SENIOR)
    # and after finish, retraction is refused by us and by the server
    desk.confirm(5, user="zed")
    other = next(
        v
        for v in service.list_reports(reporting.store, reporting.settings)
        if v["state"] == "draft"
    )
    reporting.settings.report_backoff_s = 0.01
    assert send_and_drive(reporting, other["id"]) == "finished"
    with pytest.raises(ConflictError, match="finished"):
        service.retract(reporting.store, reporting.settings, other["id"], SENIOR)
    code, _ = ncmec.retract(str(ncmec.finished()[0].report_id))
    assert code == 5102


def test_a_leased_report_is_left_to_its_worker(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    desk.confirm(1)
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    reporting.send(draft["id"], SENIOR)
    first, second = reporting.driver(), reporting.driver()
    assert first._claim(draft["id"])  # a live worker holds it
    assert second.drive(draft["id"]) is None
    first._release(draft["id"])
    assert second.drive(draft["id"]) == "finished"
    first.close()
    second.close()
    assert len(ncmec.finished()) == 1


def test_missing_settings_while_sending_fail_the_report_with_the_reason(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    desk.confirm(1)
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    reporting.send(draft["id"], SENIOR)
    reporting.settings.ncmec_username = None
    driver = reporting.driver()
    assert driver.drive(draft["id"]) == "failed"
    driver.close()
    view = service.show(reporting.store, reporting.settings, draft["id"])
    assert "BRIGHTLINE_NCMEC_USERNAME" in view["last_error"]


def test_items_confirmed_at_once_share_one_draft(reporting: Reporting, desk: ReviewDouble) -> None:
    import threading

    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def confirm(n: int) -> None:
        try:
            barrier.wait()
            desk.confirm(n, user="same")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(n,)) for n in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    assert sorted(i["item_id"] for i in draft["items"]) == [1, 2, 3, 4]
