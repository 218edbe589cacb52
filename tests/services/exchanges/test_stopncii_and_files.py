"""StopNCII (nextPageToken paging, withdrawals remove) and file exchanges (a diff)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from brightline.services import lists
from brightline.services.exchanges import feedback, service
from brightline.services.exchanges.service import ExchangeEnv
from brightline.services.lists import curation
from brightline.testing.exchange_servers import StopNciiRecord, StopNciiServer

PDQ = ["f" * 63 + str(i) for i in range(5)]


@pytest.fixture
def stopncii() -> Iterator[StopNciiServer]:
    records = [StopNciiRecord("ImagePDQ", v, modified=1_600_000_000 + i) for i, v in enumerate(PDQ)]
    records.append(StopNciiRecord("VideoMD5", "a" * 32, modified=1_600_000_009))
    records.append(StopNciiRecord("VideoTMK", "tmk-opaque-value", modified=1_600_000_010))
    server = StopNciiServer(records, page_size=2).start()
    yield server
    server.stop()


def values(env: ExchangeEnv, name: str) -> set[tuple[str, str]]:
    return {(e.signal_type, e.value) for e in curation.entries_page(env.store, name, 0, 1000)}


def test_stopncii_pages_and_withdrawals(env: ExchangeEnv, stopncii: StopNciiServer) -> None:
    lists.create_list(env.store, "ncii")
    service.add_exchange(env, "sn", "stopncii", "ncii", url=stopncii.url, credentials="fkey:skey")
    stopncii.knobs.fail_once.add(2)  # the second page fails once
    first = service.fetch(env, "sn")
    assert first["ok"] and first["added"] == 7
    assert ("pdq", PDQ[0]) in values(env, "ncii") and ("md5", "a" * 32) in values(env, "ncii")
    assert ("videotmk", "tmk-opaque-value") in values(env, "ncii")
    # The record comes back Withdrawn (pytx tests hashValue here, so never removes it).
    stopncii.records[0].status = "Withdrawn"
    stopncii.records[0].modified = first["checkpoint"]["start"]
    second = service.fetch(env, "sn")
    assert second["deleted"] == 1 and ("pdq", PDQ[0]) not in values(env, "ncii")


def test_stopncii_feedback_is_sent(env: ExchangeEnv, stopncii: StopNciiServer) -> None:
    lists.create_list(env.store, "ncii")
    service.add_exchange(env, "sn", "stopncii", "ncii", url=stopncii.url, credentials="fkey:skey")
    service.fetch(env, "sn")
    entry = next(e for e in curation.entries_page(env.store, "ncii", 0, 100) if e.value == PDQ[1])
    feedback.set_opinion(env, entry.id, "deconfirmed", reason="benign")
    assert feedback.push(env, "sn") == {"sent": 1, "retrying": 0, "failed": 0}
    [sent] = stopncii.feedback
    assert sent["hashFeedbacks"][0] == {
        "hashValue": PDQ[1],
        "feedbackValue": "NotBlocked",
        "tags": [],
    }


def test_file_exchange_is_applied_as_a_diff(env: ExchangeEnv, tmp_path: Path) -> None:
    lists.create_list(env.store, "hotline")
    path = tmp_path / "list.csv"
    path.write_text("signal_type,value\nmd5," + "1" * 32 + "\nmd5," + "2" * 32 + "\n")
    service.add_exchange(env, "hot", "file", "hotline", url=str(path))
    assert service.fetch(env, "hot")["added"] == 2
    again = service.fetch(env, "hot")  # unchanged: one read, nothing applied
    assert (again["added"], again["updated"], again["deleted"]) == (0, 0, 0)
    path.write_text("signal_type,value\nmd5," + "2" * 32 + "\nmd5," + "3" * 32 + "\n")
    third = service.fetch(env, "hot")
    assert (third["added"], third["deleted"]) == (1, 1)
    assert values(env, "hotline") == {("md5", "2" * 32), ("md5", "3" * 32)}


def test_file_exchange_urls_must_be_allowed(env: ExchangeEnv) -> None:
    lists.create_list(env.store, "hotline")
    service.add_exchange(env, "hot", "file", "hotline", url="http://127.0.0.1:9/list.csv")
    result = service.fetch(env, "hot")
    assert not result["ok"] and "allow" in result["error"].lower()


def test_threatexchange_names_its_gap(env: ExchangeEnv) -> None:
    lists.create_list(env.store, "te")
    service.add_exchange(env, "te", "threatexchange", "te", credentials="1234|s3cret")
    result = service.fetch(env, "te")
    assert not result["ok"] and "not supported yet" in result["error"]
