"""The outbox worker as its own process, for the kill -9 tests.

``python outbox_worker.py HOME DATABASE_URL NCMEC_URL REPORT_ID [POINT N]`` drives the
report; with POINT it SIGKILLs itself the N-th time the driver reaches POINT
(``before:upload``, ``after:submit``, ``upload:chunk``, ...)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from brightline.services.reports import Reporting
from brightline.services.store import Store
from brightline.settings import Settings


def main() -> int:
    home, url, ncmec_url, report_id = sys.argv[1:5]
    point, nth = (sys.argv[5], int(sys.argv[6])) if len(sys.argv) > 6 else (None, 0)
    settings = Settings(
        home=Path(home),
        database_url=url,
        ncmec_url=ncmec_url,
        ncmec_username="esp-user",
        ncmec_password="esp-secret",
        reporter_first_name="Rita",
        reporter_last_name="Porter",
        reporter_email="reports@example.org",
        report_backoff_s=0.01,
        ncmec_timeout_s=5.0,
    )
    seen = 0

    def hook(at: str) -> None:
        nonlocal seen
        if at == point:
            seen += 1
            if seen == nth:
                os.kill(os.getpid(), signal.SIGKILL)

    store = Store(settings.db_url)
    driver = Reporting.from_settings(store, settings).driver(hook)
    for _ in range(100):
        state = driver.drive(int(report_id))
        if state in ("finished", "failed", "retracted"):
            print(state)
            return 0
    print(state)
    return 1


if __name__ == "__main__":
    sys.exit(main())
