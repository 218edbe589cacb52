"""NCMEC hash-sharing fetches against the local stand-in: paging, every fingerprint
kept with provenance, deletions, misbehaving servers, resuming with the same window."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from brightline.errors import ExchangeError, UsageError
from brightline.services.exchanges import ncmec as ncmec_type
from brightline.services.exchanges import service
from brightline.services.exchanges.service import ExchangeEnv
from brightline.services.lists import curation
from brightline.services.lists.matching import Matcher, Query
from brightline.services.store import exchanges as store_ex
from brightline.testing.exchange_servers import NcmecEntry, NcmecHashServer


def add(env: ExchangeEnv, server: NcmecHashServer, name: str = "nc") -> None:
    service.add_exchange(env, name, "ncmec", "ncmec", url=server.url, credentials="user:secret")


def test_fetch_pages_keeps_every_fingerprint_with_provenance(
    env: ExchangeEnv, ncmec: NcmecHashServer
) -> None:
    add(env, ncmec)
    result = service.fetch(env, "nc")
    assert result["ok"] and (result["added"], result["errors"]) == (25, 0)
    assert result["checkpoint"]["to"] > 0
    assert sum("start=" in r for r in ncmec.requests) == 2  # three pages of 10
    page = curation.entries_page(env.store, "ncmec", 0, 1000)
    kinds = {e.signal_type for e in page}
    assert kinds == {"md5", "sha1", "pdq", "photodna"}  # not pytx's subset
    first = ncmec.entries[0]
    mine = [e for e in page if e.source_id == first.id]
    assert {e.signal_type: e.value for e in mine}["sha1"] == first.fingerprints["sha1"]
    assert {e.category for e in mine} == {"A1"}  # NCMEC's classification, industry scheme
    assert {e.source for e in mine} == {"exchange:nc"}
    with env.store.connect() as conn:
        row = store_ex.get_exchange_entries(conn, 1, [first.id])[first.id]
    assert row.member == first.member and row.classification == "A1"
    assert json.loads(row.fingerprints)["photodna"] == first.fingerprints["pdna"]


def test_second_fetch_is_incremental_and_deletions_apply(
    env: ExchangeEnv, ncmec: NcmecHashServer
) -> None:
    add(env, ncmec)
    first = service.fetch(env, "nc")
    matcher = Matcher(env.store, None).open()
    gone = ncmec.entries[0]
    pdq = gone.fingerprints["pdq"]
    assert matcher.match([Query("pdq", pdq)])[0]
    later = first["checkpoint"]["to"]  # the next window starts there
    ncmec.entries = [
        NcmecEntry(gone.id, gone.member, later, gone.fingerprints, deleted=True),
        NcmecEntry("new1", "2", later, {"md5": "ab" * 16}, classification="B2"),
    ]
    result = service.fetch(env, "nc")
    assert (result["added"], result["deleted"], result["updated"]) == (1, 1, 0)
    assert f"from={ncmec_type._fmt(later)}" in ncmec.requests[-1].replace("%3A", ":")
    matcher.refresh()
    assert not matcher.match([Query("pdq", pdq)])[0]  # gone at once
    assert matcher.match([Query("md5", "ab" * 16)])[0]


def test_deleted_entries_remove_every_fingerprint(env: ExchangeEnv) -> None:
    e = NcmecEntry("x1", "7", 1_600_000_000, {"md5": "cd" * 16, "sha1": "ef" * 20})
    server = NcmecHashServer([e]).start()
    try:
        add(env, server)
        assert service.fetch(env, "nc")["added"] == 1
        server.entries = [NcmecEntry("x1", "7", 1_600_000_001, {}, deleted=True)]
        with env.store.begin() as conn:  # fetch the same window again
            store_ex.update_exchange(conn, 1, checkpoint=None)
        result = service.fetch(env, "nc")
        assert result["deleted"] == 1
        assert curation.entries_page(env.store, "ncmec", 0, 100) == []
    finally:
        server.stop()


def test_503_429_and_slow_pages_are_retried(env: ExchangeEnv, ncmec: NcmecHashServer) -> None:
    ncmec.knobs.fail_once.add(10)
    ncmec.knobs.rate_limit_once.add(20)
    add(env, ncmec)
    result = service.fetch(env, "nc")
    assert result["ok"] and result["added"] == 25


def test_bad_xml_stops_the_fetch_and_the_next_resumes_with_the_same_window(
    env: ExchangeEnv, ncmec: NcmecHashServer
) -> None:
    ncmec.knobs.bad_xml_once.add(20)
    add(env, ncmec)
    first = service.fetch(env, "nc")
    assert not first["ok"] and "cannot be read" in first["error"]
    assert first["added"] == 20 and first["checkpoint"] is None  # window not exhausted
    with env.store.connect() as conn:
        resume = json.loads(store_ex.get_exchange(conn, "nc").resume)
    assert "start=20" in resume["next"]
    window = (resume["from"], resume["to"])
    second = service.fetch(env, "nc")
    assert second["ok"] and second["added"] == 5 and second["checkpoint"]["to"] == window[1]
    assert "start=20" in ncmec.requests[-1]


def test_a_server_that_keeps_failing_ends_the_fetch_unfinished(
    env: ExchangeEnv, ncmec: NcmecHashServer
) -> None:
    ncmec.knobs.fail_once.update({0})
    env = ExchangeEnv(env.store, env.settings.model_copy(update={"exchange_attempts": 1}))
    add(env, ncmec)
    result = service.fetch(env, "nc")
    assert not result["ok"] and "503" in result["error"]


def test_credentials_are_encrypted_and_never_shown(
    env: ExchangeEnv, ncmec: NcmecHashServer
) -> None:
    add(env, ncmec)
    with env.store.connect() as conn:
        raw = conn.execute(select(store_ex.exchanges.c.credentials)).scalar_one()
    assert b"secret" not in bytes(raw)
    shown = json.dumps(service.show_exchange(env, "nc"))
    assert "secret" not in shown and '"credentials": true' in shown
    with pytest.raises(UsageError):
        service.add_exchange(env, "bad", "ncmec", "ncmec", url=ncmec.url, credentials="nocolon")


def test_wrong_credentials_fail_without_echoing_them(
    env: ExchangeEnv, ncmec: NcmecHashServer
) -> None:
    service.add_exchange(env, "nc", "ncmec", "ncmec", url=ncmec.url, credentials="user:wrong")
    result = service.fetch(env, "nc")
    assert not result["ok"] and "401" in result["error"] and "wrong" not in result["error"]


def test_parse_rejects_entities() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><queryResult>&a;</queryResult>'
    with pytest.raises(ExchangeError):
        ncmec_type.parse_xml(bomb)


def test_reasons_pick_not_csam_or_the_setting(ncmec: NcmecHashServer) -> None:
    from brightline.services.exchanges.base import Config

    config = Config("nc", ncmec.url, None, "user:secret")
    exchange = ncmec_type.EXCHANGE
    assert exchange.pick_reason(config, "MD5") == ncmec.reasons[0][0]
    other = Config("nc", ncmec.url, None, "user:secret", feedback_reason="duplicate")
    assert exchange.pick_reason(other, "MD5") == ncmec.reasons[1][0]
