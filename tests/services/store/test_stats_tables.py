"""The statistics tables: in both SQLite files (an events file made by an older
version gains them), in the one PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from brightline.services.store import Store
from brightline.services.store.events import EVENTS_VERSION

STATS = {"stats_events", "stats_rollup", "stats_durations"}


def test_an_older_events_file_gains_the_stats_tables(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'b.db'}")
    store.migrate()
    assert set(inspect(store.engine).get_table_names()) >= STATS
    with store.events_engine.begin() as conn:  # as version 1 left it
        for name in STATS:
            conn.exec_driver_sql(f"DROP TABLE {name}")
        conn.exec_driver_sql("PRAGMA user_version=1")
    store.dispose()
    again = Store(f"sqlite:///{tmp_path / 'b.db'}")
    again.migrate()
    assert set(inspect(again.events_engine).get_table_names()) >= STATS
    with again.connect_events() as conn:
        assert conn.exec_driver_sql("PRAGMA user_version").scalar_one() == EVENTS_VERSION
    again.dispose()


def test_stats_tables_exist_on_every_backend(database_url: str) -> None:
    store = Store(database_url)
    store.migrate()
    assert set(inspect(store.engine).get_table_names()) >= STATS
    assert set(inspect(store.events_engine).get_table_names()) >= STATS
    store.dispose()
