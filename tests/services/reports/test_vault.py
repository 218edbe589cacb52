"""The evidence vault: encrypted at rest, held, purged only past its hold, rotated,
exported with a manifest that ``sha256sum -c`` accepts; every access audited."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring, MasterKey
from brightline.errors import CryptoError, ForbiddenError, NotFoundError, UsageError
from brightline.services import audit
from brightline.services.reports import Reporting, service
from brightline.services.vault import Vault
from brightline.services.vault import export as vault_export
from fake_ncmec import FakeNcmec
from reports_helpers import SENIOR, ReviewDouble


def filed(reporting: Reporting, desk: ReviewDouble, user: str = "u-1") -> int:
    desk.confirm(len(desk.media) + 1, user=user)
    draft = next(
        v
        for v in service.list_reports(reporting.store, reporting.settings)
        if v["state"] == "draft"
    )
    reporting.send(draft["id"], SENIOR)
    driver = reporting.driver()
    for _ in range(20):
        if driver.drive(draft["id"]) == "finished":
            break
        time.sleep(0.02)
    driver.close()
    return int(draft["id"])


def test_files_on_disk_are_unreadable_without_the_key(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    report_id = filed(reporting, desk)
    blobs = list(reporting.settings.vault_dir.rglob("*.ble"))
    assert blobs
    media = next(iter(desk.media.values()))
    for blob in blobs:
        raw = blob.read_bytes()
        assert media[:64] not in raw and b"<report" not in raw and b"reportResponse" not in raw
    stranger = Vault(reporting.store, Keyring(MasterKey.generate()), reporting.settings.vault_dir)
    (file_obj,) = [o for o in reporting.vault.objects(report_id) if o.kind == "file"]
    with pytest.raises(CryptoError):
        stranger.read_bytes(file_obj.id, SENIOR, "test")
    assert reporting.vault.read_bytes(file_obj.id, SENIOR, "test") == media


def test_reading_evidence_needs_a_role_and_is_audited(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    report_id = filed(reporting, desk)
    (file_obj,) = [o for o in reporting.vault.objects(report_id) if o.kind == "file"]
    for role in ("analyst", "auditor", "admin"):
        with pytest.raises(ForbiddenError):
            reporting.vault.read_bytes(file_obj.id, Actor("user", "9", "x", role), "look")
    before = len(audit.records(reporting.store, action="vault.read", limit=None))
    reporting.vault.read_bytes(file_obj.id, SENIOR, "look")
    reads = audit.records(reporting.store, action="vault.read", limit=None)
    assert len(reads) == before + 1


def test_purge_respects_the_hold_and_records_the_destruction(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    report_id = filed(reporting, desk)
    desk.confirm(99, user="pending")  # a draft: its evidence is never purged, held or not
    (pending,) = service.list_reports(reporting.store, reporting.settings, state="draft")
    reporting.send(pending["id"], SENIOR)  # sending, never driven here
    soon = datetime.now(UTC) + timedelta(days=1)
    reporting.vault.hold(pending["id"], soon, "a hold on a report not yet filed", SENIOR)
    view = service.show(reporting.store, reporting.settings, report_id)
    until = datetime.fromisoformat(view["hold_until"])
    assert timedelta(days=364) < until - datetime.now(UTC) <= timedelta(days=365)
    operator = Actor("operator", "root", "root", "operator")
    assert reporting.vault.purge(operator, now=until - timedelta(seconds=1)) == []
    destroyed = reporting.vault.purge(operator, now=until + timedelta(days=1))
    assert {o.report_id for o in destroyed} == {report_id}
    assert {o.kind for o in destroyed} >= {"file", "report", "exchange"}
    assert all(o.purged_by == "operator:root" for o in destroyed)
    left = {o.report_id for o in reporting.vault.objects(pending["id"]) if o.purged_at is None}
    assert left == {pending["id"]}
    remaining = len(list(reporting.settings.vault_dir.rglob("*.ble")))
    assert remaining == len(reporting.vault.objects(pending["id"]))
    with pytest.raises(NotFoundError, match="destroyed"):
        reporting.vault.read_bytes(destroyed[0].id, SENIOR, "after purge")
    purges = audit.records(reporting.store, action="vault.purge", limit=None)
    assert sorted(len(r.details["destroyed"]) for r in purges) == [0, len(destroyed)]
    assert audit.verify(reporting.store).intact


def test_hold_is_extended_never_shortened(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    report_id = filed(reporting, desk)
    view = service.show(reporting.store, reporting.settings, report_id)
    until = datetime.fromisoformat(view["hold_until"])
    later = until + timedelta(days=200)
    reporting.vault.hold(report_id, later, "preservation request 2026-17", SENIOR)
    assert reporting.vault.purge(SENIOR, now=until + timedelta(days=1)) == []
    with pytest.raises(UsageError, match="only ever extended"):
        reporting.vault.hold(report_id, until, "shorter", SENIOR)
    assert reporting.vault.purge(SENIOR, now=later + timedelta(days=1))


def test_hold_days_per_jurisdiction(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    reporting.settings.vault_hold_days_by_jurisdiction = {"us": 30}
    report_id = filed(reporting, desk)
    view = service.show(reporting.store, reporting.settings, report_id)
    left = datetime.fromisoformat(view["hold_until"]) - datetime.now(UTC)
    assert timedelta(days=29) < left <= timedelta(days=30)


def test_rotation_rewraps_and_keeps_everything_readable(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec
) -> None:
    report_id = filed(reporting, desk)
    objects = reporting.vault.objects(report_id)
    before = {o.id: reporting.vault.read_bytes(o.id, SENIOR, "before") for o in objects}
    blobs = {p: p.read_bytes() for p in reporting.settings.vault_dir.rglob("*.ble")}
    old = reporting.keyring.current
    new = MasterKey.generate()
    rotating = Vault(reporting.store, Keyring(new, [old]), reporting.settings.vault_dir)
    assert rotating.rotate(SENIOR) == len(objects)
    assert rotating.rotate(SENIOR) == 0
    only_new = Vault(reporting.store, Keyring(new), reporting.settings.vault_dir)
    assert {o.id: only_new.read_bytes(o.id, SENIOR, "after") for o in objects} == before
    # the data itself was not re-encrypted
    assert {p: p.read_bytes() for p in reporting.settings.vault_dir.rglob("*.ble")} == blobs
    with pytest.raises(CryptoError):
        reporting.vault.read_bytes(objects[0].id, SENIOR, "old key only")


def test_export_for_law_enforcement_checks_with_sha256sum(
    reporting: Reporting, desk: ReviewDouble, ncmec: FakeNcmec, tmp_path: Path
) -> None:
    report_id = filed(reporting, desk)
    dest = tmp_path / "export"
    document = service.export_document(reporting.store, reporting.settings, report_id)
    vault_export.export(reporting.vault, report_id, dest, SENIOR, document)
    names = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert "manifest.sha256" in names and "report.json" in names
    assert any(n.startswith("files/") for n in names)
    assert any(n.startswith("report/") for n in names)
    ok = subprocess.run(
        ["sha256sum", "-c", "--strict", "manifest.sha256"], cwd=dest, capture_output=True
    )
    assert ok.returncode == 0, ok.stdout
    victim = next(p for p in (dest / "files").iterdir())
    victim.write_bytes(victim.read_bytes() + b"x")
    bad = subprocess.run(["sha256sum", "-c", "manifest.sha256"], cwd=dest, capture_output=True)
    assert bad.returncode != 0
    assert audit.records(reporting.store, action="vault.export", limit=None)
    with pytest.raises(UsageError, match="not empty"):
        vault_export.export(reporting.vault, report_id, dest, SENIOR, document)


def test_purge_sweeps_files_a_crash_left_unrecorded(reporting: Reporting) -> None:
    blob = reporting.vault.write([b"never recorded"])  # a crash before the row was written
    path = next(reporting.settings.vault_dir.rglob(f"{blob.blob}.ble"))
    assert reporting.vault.purge(SENIOR) == [] and path.exists()  # young: maybe in use
    assert reporting.vault.purge(SENIOR, now=datetime.now(UTC) + timedelta(days=2)) == []
    assert not path.exists()


def test_key_file_is_made_once_and_private(tmp_path: Path) -> None:
    from brightline.services.vault.keys import keyring_from_settings
    from brightline.settings import Settings

    settings = Settings(home=tmp_path / "home")
    first, second = keyring_from_settings(settings), keyring_from_settings(settings)
    assert first.current.id == second.current.id
    assert settings.master_key_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in settings.master_key_file.parent.iterdir()] == ["master.key"]
