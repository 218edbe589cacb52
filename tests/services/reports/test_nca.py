"""The UK NCA report package through the same seam: a folder with report.json, the
files and a manifest, carrying hashes, EXIF, the reported user and IP events."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import update

from brightline.core.actor import Actor
from brightline.services import audit
from brightline.services.reports import Reporting, service
from brightline.services.reports.nca import NcaReporter
from brightline.services.reports.outbox import Driver
from brightline.services.store.reports import reports
from reports_helpers import SENIOR, ReviewDouble


def jpeg_with_exif() -> bytes:
    img = Image.linear_gradient("L").convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"  # Make
    exif[0x0110] = "Model 1"  # Model
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_nca_package(reporting: Reporting, desk: ReviewDouble) -> None:
    desk.confirm(1, report_to=("nca",), scheme="uk", category="B", data=jpeg_with_exif())
    desk.confirm(2, report_to=("nca",), scheme="uk", category="A")
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    assert draft["destination"] == "nca"
    reporting.send(draft["id"], SENIOR)
    driver = reporting.driver()
    assert driver.drive(draft["id"]) == "finished"
    driver.close()
    folder = reporting.settings.nca_outbox / f"brightline-report-{draft['id']}"
    check = subprocess.run(
        ["sha256sum", "-c", "--strict", "manifest.sha256"], cwd=folder, capture_output=True
    )
    assert check.returncode == 0, check.stdout
    doc = json.loads((folder / "report.json").read_text())
    assert doc["format"] == "brightline-nca-report/1"
    assert doc["provider"]["contact"]["email"] == "reports@example.org"
    assert doc["reported_user"]["user_id"] == "u-1"
    assert doc["reported_user"]["ip_events"][0]["ip"] == "192.0.2.10"
    first, second = doc["files"]
    assert first["metadata"]["exif.Make"] == "ExampleCam"
    assert first["category"] == {
        "scheme": "uk",
        "category": "B",
        "industry": None,
        "explanation": first["category"]["explanation"],
    }
    assert set(first["hashes"]) == {"md5", "sha1", "sha256"}
    assert (folder / first["path"]).read_bytes() == desk.media[1]
    assert second["uploaded_at"].startswith("2026-11-30")
    view = service.show(reporting.store, reporting.settings, draft["id"])
    assert view["state"] == "finished" and view["hold_until"]


def _modes(root: Path) -> set[tuple[str, int]]:
    return {("dir" if p.is_dir() else "file", p.stat().st_mode & 0o777) for p in root.rglob("*")}


def _sent_to_nca(reporting: Reporting, desk: ReviewDouble) -> int:
    desk.confirm(1, report_to=("nca",), scheme="uk", category="B")
    (draft,) = service.list_reports(reporting.store, reporting.settings)
    reporting.send(draft["id"], SENIOR)
    return int(draft["id"])


def test_nca_package_is_private_and_purged_with_the_evidence(
    reporting: Reporting, desk: ReviewDouble
) -> None:
    report_id = _sent_to_nca(reporting, desk)
    driver = reporting.driver()
    assert driver.drive(report_id) == "finished"
    driver.close()
    outbox = reporting.settings.nca_outbox
    package = outbox / f"brightline-report-{report_id}"
    assert (package / "files").is_dir()
    assert _modes(package) == {("dir", 0o700), ("file", 0o600)}
    assert outbox.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in outbox.iterdir()] == [package.name]  # no partial left behind
    # the evidence vault and the database are private too
    assert _modes(reporting.settings.vault_dir) <= {("dir", 0o700), ("file", 0o600)}
    if reporting.store.engine.dialect.name == "sqlite":
        database = Path(reporting.store.engine.url.database or "")
        assert database.stat().st_mode & 0o777 == 0o600
    operator = Actor("operator", "root", "root", "operator")
    assert reporting.purge(operator) == []  # still held: the package stays
    assert package.exists()
    with reporting.store.begin() as conn:
        past = datetime.now(UTC) - timedelta(days=1)
        conn.execute(update(reports).where(reports.c.id == report_id).values(hold_until=past))
    assert reporting.purge(operator)
    assert not package.exists()
    (record,) = audit.records(reporting.store, action="vault.purge_nca_packages", limit=None)
    assert record.details["packages"] == [package.name]


class CopyingTransport:
    """A transport that carries the package elsewhere (here: a copy)."""

    def __init__(self, dest: Path):
        self.dest = dest

    def deliver(self, folder: Path, name: str) -> str:
        shutil.copytree(folder, self.dest / name)
        return str(self.dest / name)


def test_a_handed_over_package_leaves_nothing_in_the_work_folder(
    reporting: Reporting, desk: ReviewDouble, tmp_path: Path
) -> None:
    report_id = _sent_to_nca(reporting, desk)
    work, carried = tmp_path / "work", tmp_path / "carried"
    carried.mkdir()
    reporter = NcaReporter(work, CopyingTransport(carried))
    driver = Driver(reporting.store, reporting.vault, reporting.settings, {"nca": lambda: reporter})
    assert driver.drive(report_id) == "finished"
    assert list(work.iterdir()) == []
    assert (carried / f"brightline-report-{report_id}" / "report.json").exists()
