"""The audit chain catches a record changed, removed or inserted behind its back,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, insert, select, update

from brightline.core.actor import Actor, local_operator
from brightline.services import audit
from brightline.services.context import Services
from brightline.services.store.tables import audit_head, audit_log

ALICE = Actor("user", "1", "alice", "analyst")


def _write(svc: Services, n: int) -> None:
    for i in range(n):
        with svc.store.begin() as conn:
            audit.record(conn, ALICE, "test.act", f"thing:{i}", {"i": i, "note": "é"})


def test_an_untouched_chain_verifies(svc: Services) -> None:
    assert audit.verify(svc.store).intact
    _write(svc, 5)
    result = audit.verify(svc.store)
    assert result.intact and result.records == 5
    newest = audit.records(svc.store, limit=2)
    assert [r.seq for r in newest] == [5, 4]
    assert newest[0].details["actor"]["name"] == "alice"


def test_a_rolled_back_operation_leaves_no_record(svc: Services) -> None:
    with pytest.raises(RuntimeError), svc.store.begin() as conn:
        audit.record(conn, local_operator(), "test.act")
        raise RuntimeError("the change failed")
    assert audit.verify(svc.store).records == 0


def test_an_edited_record_is_caught(svc: Services) -> None:
    _write(svc, 5)
    with svc.store.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(target="thing:99"))
    broken = audit.verify(svc.store).broken
    assert broken is not None and broken.seq == 3 and "changed" in broken.reason


def test_a_deleted_record_is_caught(svc: Services) -> None:
    _write(svc, 5)
    with svc.store.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    broken = audit.verify(svc.store).broken
    assert broken is not None and broken.seq == 2


def test_a_deleted_tail_is_caught(svc: Services) -> None:
    _write(svc, 5)
    with svc.store.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq >= 4))
    broken = audit.verify(svc.store).broken
    assert broken is not None and broken.seq == 4


def test_an_inserted_record_is_caught(svc: Services) -> None:
    _write(svc, 3)
    with svc.store.begin() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.seq == 3)).one()
        # A forger who renumbers: shift 3 to 4 and put their own record at 3.
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(seq=4))
        conn.execute(
            insert(audit_log).values(
                seq=3,
                at=row.at,
                actor="user:2",
                action="test.act",
                target="forged",
                details="{}",
                prev=row.prev,
                digest=row.digest,
            )
        )
        conn.execute(update(audit_head).values(seq=4))
    broken = audit.verify(svc.store).broken
    assert broken is not None and broken.seq == 3


def test_concurrent_writers_keep_one_chain(svc: Services) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            _write(svc, 10)
        except BaseException as exc:  # pragma: no cover - shown by the assert
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = audit.verify(svc.store)
    assert result.intact and result.records == 40
