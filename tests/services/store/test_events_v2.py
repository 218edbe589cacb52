"""An events file made by the previous version gains the match log's state and
retroactive columns, keeping its rows (and copying nothing twice)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from brightline.services.store import Store


def test_version_1_events_file_is_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    store = Store(url)
    store.migrate()
    with store.events_engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE match_log DROP COLUMN state")
        conn.exec_driver_sql("ALTER TABLE match_log DROP COLUMN retroactive")
        conn.exec_driver_sql(
            "INSERT INTO match_log (at, list_name, entry_id, signal_type, value, distance) "
            "VALUES ('2026-01-01 00:00:00', 'l', 1, 'md5', 'x', 0)"
        )
        conn.exec_driver_sql("PRAGMA user_version=1")
    store.dispose()
    again = Store(url)
    again.migrate()
    with again.events_engine.connect() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("match_log")}
        assert {"state", "retroactive"} <= cols
        assert conn.execute(text("SELECT count(*) FROM match_log")).scalar() == 1
    again.dispose()
