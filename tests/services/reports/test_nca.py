"""The UK NCA report package through the same seam: a folder with report.json, the
files and a manifest, carrying hashes, EXIF, the reported user and IP events."""

from __future__ import annotations

import io
import json
import subprocess

from PIL import Image

from brightline.services.reports import Reporting, service
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
