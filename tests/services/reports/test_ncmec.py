"""The NCMEC reporter against the local server: every documented response code,
slow and failed answers, an upload whose MD5 differs, lost answers, credentials."""

from __future__ import annotations

import hashlib
import time

import pytest

from brightline.services.reports import Reporting, make_reporter, service
from brightline.services.reports.ncmec import RETRY_CODES
from brightline.services.reports.reporter import Outcome
from fake_ncmec import FakeNcmec
from reports_helpers import SENIOR, ReviewDouble


def drive(reporting: Reporting, report_id: int) -> str:
    driver = reporting.driver()
    try:
        for _ in range(200):
            state = driver.drive(report_id)
            if state in ("finished", "failed", "retracted"):
                return state
            time.sleep(0.02)
        raise AssertionError(f"report {report_id} still {state}")
    finally:
        driver.close()


def sent(reporting: Reporting, desk: ReviewDouble, files: int = 1) -> int:
    for n in range(1, files + 1):
        desk.confirm(n)
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    reporting.send(draft["id"], SENIOR)
    return int(draft["id"])


def md5s(desk: ReviewDouble) -> list[str]:
    return sorted(hashlib.md5(d).hexdigest() for d in desk.media.values())


RETRIES = [
    ("submit", 1000),
    ("upload", 1110),
    ("upload", 1111),
    ("fileinfo", 1100),
    ("finish", 1300),
]


def test_every_retry_code_is_covered() -> None:
    assert {code for _, code in RETRIES} == RETRY_CODES


@pytest.mark.parametrize(("path", "code"), RETRIES)
def test_retryable_codes_are_retried(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec, path: str, code: int
) -> None:
    report_id = sent(reporting, desk)
    ncmec.fault(path, "code", code=code, times=2)
    assert drive(reporting, report_id) == "finished"
    (filed,) = ncmec.finished()
    assert sorted(f.md5 for f in filed.files.values()) == md5s(desk)
    assert len(ncmec.reports) == 1
    steps = service.show(reporting.store, reporting.settings, report_id)["steps"]
    step = next(s for s in steps if s["kind"] == path)
    assert step["attempts"] == 3


@pytest.mark.parametrize("code", [2000, 3000, 3100, 3300, 4000, 4100, 4110, 4200, 5002])
def test_other_codes_fail_the_report_with_their_description(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec, code: int
) -> None:
    report_id = sent(reporting, desk)
    ncmec.fault("fileinfo", "code", code=code)
    assert drive(reporting, report_id) == "failed"
    view = service.show(reporting.store, reporting.settings, report_id)
    assert view["last_error"].startswith(str(code))
    fileinfo = next(s for s in view["steps"] if s["kind"] == "fileinfo")
    assert fileinfo["response_code"] == code and fileinfo["state"] == "pending"
    service.retry(reporting.store, reporting.settings, report_id, SENIOR)
    assert drive(reporting, report_id) == "finished"  # resumes: nothing sent twice
    assert len(ncmec.reports) == 1 and len(ncmec.finished()[0].files) == 1


def test_upload_whose_md5_differs_is_uploaded_again(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    report_id = sent(reporting, desk, files=2)
    ncmec.fault("upload", "md5")
    assert drive(reporting, report_id) == "finished"
    (filed,) = ncmec.finished()
    good = [f for f in filed.files.values() if f.md5 in md5s(desk)]
    assert sorted(f.md5 for f in good) == md5s(desk)  # each good file once
    assert all(f.details is not None for f in good)
    damaged = [f for f in filed.files.values() if f not in good]
    assert len(damaged) == 1 and damaged[0].details is None  # never described
    view = service.show(reporting.store, reporting.settings, report_id)
    upload = next(s for s in view["steps"] if s["kind"] == "upload")
    assert upload["attempts"] == 2 and upload["state"] == "done"


def test_slow_answer_to_submit_is_sent_again_and_only_one_is_filed(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    reporting.settings.ncmec_timeout_s = 0.5
    report_id = sent(reporting, desk)
    ncmec.fault("submit", "slow", delay=1.5)
    assert drive(reporting, report_id) == "finished"
    assert len(ncmec.finished()) == 1
    assert sorted(r.state for r in ncmec.reports.values()) == ["finished", "open"]


def test_slow_answer_to_an_upload_restarts_the_report(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    reporting.settings.ncmec_timeout_s = 0.5
    report_id = sent(reporting, desk, files=2)
    ncmec.fault("upload", "slow", delay=1.5)
    assert drive(reporting, report_id) == "finished"
    (filed,) = ncmec.finished()
    assert sorted(f.md5 for f in filed.files.values()) == md5s(desk)
    assert sorted(r.state for r in ncmec.reports.values()) == ["finished", "retracted"]
    view = service.show(reporting.store, reporting.settings, report_id)
    assert view["generation"] == 2
    assert {s["state"] for s in view["steps"] if s["generation"] == 1} >= {"abandoned"}


@pytest.mark.parametrize("kind", ["http500", "drop", "lost"])
@pytest.mark.parametrize("path", ["fileinfo", "finish"])
def test_failed_and_lost_answers_to_repeatable_steps(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec, kind: str, path: str
) -> None:
    report_id = sent(reporting, desk)
    ncmec.fault(path, kind)
    assert drive(reporting, report_id) == "finished"
    (filed,) = ncmec.finished()
    assert len(ncmec.reports) == 1 and len(filed.files) == 1


def test_lost_answer_to_an_upload_never_attaches_a_file_twice(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    report_id = sent(reporting, desk, files=2)
    ncmec.fault("upload", "lost")
    assert drive(reporting, report_id) == "finished"
    (filed,) = ncmec.finished()
    assert sorted(f.md5 for f in filed.files.values()) == md5s(desk)


def test_unreachable_server_backs_off_then_fails(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    reporting.settings.ncmec_url = "http://127.0.0.1:9/ispws"  # nothing listens there
    reporting.settings.report_max_attempts = 3
    report_id = sent(reporting, desk)
    assert drive(reporting, report_id) == "failed"
    view = service.show(reporting.store, reporting.settings, report_id)
    assert view["attempts"] == 3 and "not delivered" in view["last_error"]
    assert ncmec.reports == {}


def test_backoff_is_kept_across_restarts(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    reporting.settings.report_backoff_s = 3600
    report_id = sent(reporting, desk)
    ncmec.fault("submit", "code", code=1000)
    driver = reporting.driver()
    assert driver.drive(report_id) == "sending_later"
    driver.close()
    later = reporting.driver()  # a restarted worker: the report is not due yet
    assert later.due() == []
    later.close()
    view = service.show(reporting.store, reporting.settings, report_id)
    assert view["attempts"] == 1 and view["next_attempt_at"] is not None


def test_status_checks_credentials(reporting: Reporting, ncmec: FakeNcmec) -> None:
    from pydantic import SecretStr

    good = make_reporter(reporting.settings, "ncmec")
    assert good.check().outcome is Outcome.DONE
    reporting.settings.ncmec_password = SecretStr("nope")
    bad = make_reporter(reporting.settings, "ncmec")
    result = bad.check()
    assert result.outcome is Outcome.GIVE_UP and "BRIGHTLINE_NCMEC_USERNAME" in result.text
    assert "nope" not in repr(result)


def test_retract_after_a_lost_finish_answer_finds_the_report_filed(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    reporting.settings.report_backoff_s = 3600
    report_id = sent(reporting, desk)
    ncmec.fault("finish", "lost")
    driver = reporting.driver()
    assert driver.drive(report_id) == "sending_later"  # filed at NCMEC; we do not know it
    service.retract(reporting.store, reporting.settings, report_id, SENIOR)
    assert driver.drive(report_id) == "finished"  # NCMEC: 5102 already finished
    driver.close()
    assert len(ncmec.finished()) == 1
    view = service.show(reporting.store, reporting.settings, report_id)
    assert view["state"] == "finished" and not view["retract_requested"]


def test_a_report_that_keeps_restarting_runs_out_of_attempts(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    reporting.settings.ncmec_timeout_s = 0.3
    reporting.settings.report_max_attempts = 4
    report_id = sent(reporting, desk)
    ncmec.fault("upload", "slow", delay=0.6, times=10)
    assert drive(reporting, report_id) == "failed"
    assert len(ncmec.reports) <= 3 and ncmec.finished() == []
    assert {r.state for r in ncmec.reports.values()} <= {"retracted", "open"}


@pytest.mark.parametrize("status", [503, 500, 429])
@pytest.mark.parametrize("path", ["submit", "upload", "fileinfo", "finish"])
def test_an_answered_refusal_retries_the_same_step_of_the_same_report(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec, status: int, path: str
) -> None:
    report_id = sent(reporting, desk, files=2)
    ncmec.fault(path, "http", code=status, times=2)
    assert drive(reporting, report_id) == "finished"
    (filed,) = ncmec.finished()
    assert list(ncmec.reports.values()) == [filed]  # no retracted duplicate, no new report
    assert sorted(f.md5 for f in filed.files.values()) == md5s(desk)
    view = service.show(reporting.store, reporting.settings, report_id)
    assert view["generation"] == 1
    step = next(s for s in view["steps"] if s["kind"] == path)
    assert step["attempts"] == 3 and step["state"] == "done"
