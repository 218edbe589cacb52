"""The keyed audit chain and its checkpoints (issue 15 §4), on each backend.

Whoever can write the database but has no audit key tries the two rewrites that
verified as intact before: editing a record and recomputing every digest after it,
and cutting the chain back with its head reset. The first breaks the chain at the
edited record; the second is caught by a checkpoint kept outside the database.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from brightline.core.actor import Actor, local_operator
from brightline.core.audit_chain import GENESIS, digest_of
from brightline.errors import CryptoError, InputError
from brightline.services import audit
from brightline.services.context import Services, open_services
from brightline.services.store import Store
from brightline.services.store.tables import audit_head, audit_log
from brightline.settings import Settings


def _write(store: Store, n: int, actor: Actor | None = None) -> None:
    for i in range(n):
        with store.begin() as conn:
            audit.record(conn, actor or local_operator(), "test.step", f"thing:{i}", {"i": i})


def _recompute_without_key(store: Store, start: int) -> None:
    """What a database writer without the key can do: plain SHA-256 from ``start``."""
    with store.begin() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
        prev = GENESIS
        for row in rows:
            if row.seq >= start:
                details = json.loads(row.details)
                digest = digest_of(
                    row.seq, row.at, row.actor, row.action, row.target, details, prev
                )
                conn.execute(
                    update(audit_log)
                    .where(audit_log.c.seq == row.seq)
                    .values(prev=prev, digest=digest)
                )
                prev = digest
            else:
                prev = row.digest
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(digest=prev))


def test_records_are_signed_with_a_key_kept_outside_the_database(
    svc: Services, settings: Settings
) -> None:
    _write(svc.store, 3)
    result = audit.verify(svc.store)
    assert result.intact and result.keyed is True and result.records == 3
    key_file = settings.audit_key_file
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0
    with svc.store.connect() as conn:
        first = conn.execute(select(audit_log).where(audit_log.c.seq == 1)).one()
    plain = digest_of(1, first.at, first.actor, first.action, first.target, {}, GENESIS)
    assert first.digest != plain


def test_edit_and_recompute_without_the_key_is_detected(svc: Services) -> None:
    _write(svc.store, 6)
    with svc.store.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(target="thing:forged"))
    _recompute_without_key(svc.store, 3)
    result = audit.verify(svc.store)
    assert not result.intact and result.broken is not None and result.broken.seq == 3
    assert "audit key" in result.broken.reason


def test_a_whole_chain_rewritten_without_the_key_fails_its_checkpoint(
    svc: Services,
) -> None:
    _write(svc.store, 5)
    saved = audit.checkpoint(svc.store)
    _recompute_without_key(svc.store, 1)  # every record: the chain now looks unkeyed
    assert audit.verify(svc.store).keyed is False
    result = audit.verify_against(svc.store, saved)
    assert not result.intact and result.broken is not None and result.broken.seq == 5
    assert "rewritten" in result.broken.reason


def test_truncate_and_reset_head_is_caught_by_a_checkpoint(svc: Services) -> None:
    _write(svc.store, 6)
    saved = audit.checkpoint(svc.store)
    assert saved["seq"] == 6 and saved["keyed"] is True
    assert audit.verify_against(svc.store, saved).intact
    _write(svc.store, 2)  # the chain grows past its checkpoint: still fine
    assert audit.verify_against(svc.store, saved).intact
    with svc.store.begin() as conn:
        kept = conn.execute(select(audit_log).where(audit_log.c.seq == 3)).one()
        conn.execute(delete(audit_log).where(audit_log.c.seq > 3))
        conn.execute(
            update(audit_head).where(audit_head.c.id == 1).values(seq=3, digest=kept.digest)
        )
    assert audit.verify(svc.store).intact  # the chain alone cannot tell
    result = audit.verify_against(svc.store, saved)
    assert not result.intact and result.broken is not None and result.broken.seq == 6
    assert "cut back" in result.broken.reason


def test_a_changed_or_foreign_checkpoint_is_refused(
    svc: Services, settings: Settings, tmp_path: Any
) -> None:
    _write(svc.store, 2)
    saved = audit.checkpoint(svc.store)
    with pytest.raises(CryptoError, match="signature"):
        audit.verify_against(svc.store, {**saved, "seq": 1})
    with pytest.raises(InputError):
        audit.verify_against(svc.store, {"seq": 1})
    other = Settings(home=tmp_path / "other-home", database_url=settings.db_url)
    elsewhere = open_services(other)  # the same database under another home's key
    try:
        with pytest.raises(CryptoError):
            audit.verify_against(elsewhere.store, saved)
    finally:
        elsewhere.close()
        open_services(settings).close()  # this process writes with the first key again


def test_a_chain_from_before_the_key_verifies_as_before_and_can_be_rekeyed(
    database_url: str, settings: Settings
) -> None:
    legacy = Store(database_url)  # no key: records are written as before the key
    legacy.migrate()
    _write(legacy, 3)
    legacy.dispose()
    svc = open_services(settings)
    try:
        before = audit.verify(svc.store)
        assert before.intact and before.keyed is False and before.records == 3
        _write(svc.store, 1)  # it stays one kind throughout until rekeyed
        assert audit.verify(svc.store).intact
        after = audit.rekey(svc.store)
        assert after.intact and after.keyed is True and after.records == 5
        assert audit.records(svc.store, limit=1)[0].action == "audit.rekey"
        # Now an edit recomputed without the key breaks it.
        _recompute_without_key(svc.store, 2)
        assert audit.verify(svc.store).broken is not None
    finally:
        svc.close()
