"""A fetch killed with SIGKILL in the middle, then run again, skips nothing and
duplicates nothing: each page and its resume URL commit together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from brightline.services.exchanges import service
from brightline.services.exchanges.service import ExchangeEnv
from brightline.services.lists import curation
from brightline.services.store import exchanges as store_ex
from brightline.testing.exchange_servers import NcmecHashServer, made_up_entries


def test_kill_9_mid_fetch_then_restart(env: ExchangeEnv) -> None:
    server = NcmecHashServer(made_up_entries(300), page_size=10).start()
    server.knobs.delay_s = 0.05  # slow pages: the kill lands mid-fetch
    try:
        service.add_exchange(env, "nc", "ncmec", "ncmec", url=server.url, credentials="user:secret")
        cli = [sys.executable, "-m", "brightline.adapters.cli.main", "exchange", "fetch", "nc"]
        child_env = {
            **os.environ,
            "BRIGHTLINE_HOME": str(env.settings.home),
            "BRIGHTLINE_DATABASE_URL": env.settings.db_url,
        }
        child = subprocess.Popen(cli, env=child_env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with env.store.connect() as conn:
                done = len(store_ex.all_source_ids(conn, 1))
            if done >= 50:
                break
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        with env.store.connect() as conn:
            row = store_ex.get_exchange(conn, "nc")
            part = len(store_ex.all_source_ids(conn, int(row.id)))
        assert 0 < part < 300 and row.resume is not None and row.checkpoint is None
        server.knobs.delay_s = 0.0
        before = len(server.requests)
        result = service.fetch(env, "nc")
        assert result["ok"] and result["checkpoint"] is not None
        assert "start=0" not in "".join(server.requests[before:])  # resumed, not restarted
        assert result["added"] + part >= 300  # the page being applied is fetched again
        with env.store.connect() as conn:
            ids = store_ex.all_source_ids(conn, 1)
            rows = conn.execute(
                select(func.count()).select_from(store_ex.exchange_entries)
            ).scalar()
        assert ids == {e.id for e in server.entries} and rows == 300
        entries = curation.entries_page(env.store, "ncmec", 0, 5000)
        expected = {
            ("photodna" if k == "pdna" else k, v)
            for e in server.entries
            for k, v in e.fingerprints.items()
        }
        assert {(e.signal_type, e.value) for e in entries} == expected
        assert len(entries) == len(expected)
    finally:
        server.stop()
