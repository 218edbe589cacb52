"""What durability costs: filing one report of N files through the outbox (every
step a committed row, every request and answer encrypted into the vault, files
decrypted from the vault) against the anchor, the same requests sent bare with
httpx to the same local NCMEC server from memory.

    PYTHONPATH=src python bench/bench_reports.py [FILES] [KIB]
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from brightline.core.reports.cybertipline import parse_response
from brightline.services.reports import Reporting, service
from brightline.services.store import Store
from fake_ncmec import FakeNcmec
from reports_helpers import SENIOR, ReviewDouble, reporting_settings


def bare(url: str, files: list[bytes], xml: bytes) -> float:
    started = time.perf_counter()
    with httpx.Client(auth=("esp-user", "esp-secret")) as c:
        report_id = parse_response(c.post(f"{url}/submit", content=xml).content).report_id
        for n, data in enumerate(files):
            up = c.post(f"{url}/upload", data={"id": report_id}, files={"file": (f"{n}", data)})
            assert parse_response(up.content).md5 == hashlib.md5(data).hexdigest()
        c.post(f"{url}/finish", data={"id": report_id})
    return time.perf_counter() - started


def main() -> None:
    argv = [a for a in sys.argv[1:] if a != "--smoke"]  # --smoke: tiny (make bench-smoke)
    count = int(argv[0]) if argv else (3 if "--smoke" in sys.argv else 50)
    kib = int(argv[1]) if len(argv) > 1 else (4 if "--smoke" in sys.argv else 256)
    server = FakeNcmec().start()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = reporting_settings(f"sqlite:///{home / 'b.db'}", home / "home", server.url)
        store = Store(settings.db_url)
        store.migrate()
        rep = Reporting.from_settings(store, settings)
        desk = ReviewDouble(store)
        rep.media = desk.open_media
        files = [os.urandom(kib * 1024) for _ in range(count)]
        for n, data in enumerate(files, 1):
            desk.confirm(n, data=data)
        (draft,) = service.list_reports(store, settings)
        rep.send(draft["id"], SENIOR)
        document = next(o.id for o in rep.vault.objects(draft["id"]) if o.kind == "report")
        xml = rep.vault.read_bytes(document, SENIOR, "benchmark")
        anchor = bare(server.url, files, xml)
        started = time.perf_counter()
        state = rep.wait(draft["id"], 600)["state"]
        outbox = time.perf_counter() - started
        store.dispose()
    server.stop()
    assert state == "finished"
    print(
        f"{count} files x {kib} KiB: bare httpx {anchor:.2f} s, outbox {outbox:.2f} s, "
        f"ratio {outbox / anchor:.2f}x ({outbox / count * 1000:.0f} ms per file)"
    )


if __name__ == "__main__":
    main()
