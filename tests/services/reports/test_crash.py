"""kill -9 of the outbox worker at each step, then a restart: exactly one finished
report at NCMEC (the local server) with every file, each attached once."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brightline.services.reports import Reporting, service
from brightline.services.store import Store
from fake_ncmec import FakeNcmec
from reports_helpers import SENIOR, ReviewDouble, picture, reporting_settings

WORKER = Path(__file__).with_name("outbox_worker.py")
SLOW = pytest.mark.slow
POINTS = [
    pytest.param("before:submit", 1, marks=SLOW),
    ("after:submit", 1),  # NCMEC made the report; its answer is lost with the process
    pytest.param("done:submit", 1, marks=SLOW),
    pytest.param("before:upload", 1, marks=SLOW),
    ("upload:chunk", 2),  # mid-upload, in the second file
    pytest.param("after:upload", 1, marks=SLOW),  # attached; we never learnt its fileId
    pytest.param("done:upload", 2, marks=SLOW),
    pytest.param("after:fileinfo", 1, marks=SLOW),
    pytest.param("before:finish", 1, marks=SLOW),
    ("after:finish", 1),  # filed; the answer is lost
]


def run_worker(settings_home: Path, url: str, ncmec: str, report_id: int, *kill: str) -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, str(WORKER), str(settings_home), url, ncmec, str(report_id), *kill],
        env=env,
        capture_output=True,
        timeout=120,
    )
    return done.returncode


@pytest.mark.parametrize(("point", "nth"), POINTS)
def test_kill_at_each_step_then_restart(
    tmp_path: Path, database_url: str, ncmec: FakeNcmec, point: str, nth: int
) -> None:
    url = database_url
    home = tmp_path / "home"
    settings = reporting_settings(url, home, ncmec.url)
    store = Store(settings.db_url)
    store.migrate()
    reporting = Reporting.from_settings(store, settings)
    desk = ReviewDouble(store)
    reporting.media = desk.open_media
    # The second file spans several chunks, so "mid-upload" is inside its body.
    desk.confirm(1)
    desk.confirm(2, data=picture(2, size=1100))
    (draft,) = service.list_reports(store, settings)
    reporting.send(draft["id"], SENIOR)

    assert run_worker(home, url, ncmec.url, draft["id"], point, str(nth)) == -9
    assert run_worker(home, url, ncmec.url, draft["id"]) == 0

    (filed,) = ncmec.finished()
    ours = sorted(hashlib.md5(d).hexdigest() for d in desk.media.values())
    attached = sorted(f.md5 for f in filed.files.values())
    assert attached == ours  # every file, each once
    assert all(f.details is not None for f in filed.files.values())
    view = service.show(store, settings, draft["id"])
    assert view["state"] == "finished" and view["report_id"] == str(filed.report_id)
    others = [r for r in ncmec.reports.values() if r is not filed]
    if point == "after:submit":  # the documented window: one report left open, never filed
        assert [r.state for r in others] == ["open"]
    elif point in ("after:upload", "upload:chunk"):  # restarted: the first was retracted
        assert [r.state for r in others] == ["retracted"]
    else:
        assert others == []
    store.dispose()
