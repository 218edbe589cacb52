"""The content tables' migration goes up and down cleanly on both backends."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from brightline.services.store import Store
from brightline.services.store.db import MIGRATIONS

CONTENT = {"jobs", "items", "item_signals", "item_matches"}


def _alembic(store: Store, target: str, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_content_tables_upgrade_and_downgrade(database_url: str) -> None:
    store = Store(database_url)
    try:
        store.migrate()
        tables = set(inspect(store.engine).get_table_names())
        assert tables >= CONTENT
        log_cols = {c["name"] for c in inspect(store.engine).get_columns("match_log")}
        assert {"actor", "job_id", "item_id"} <= log_cols
        _alembic(store, "0004", down=True)
        assert not CONTENT & set(inspect(store.engine).get_table_names())
        log_cols = {c["name"] for c in inspect(store.engine).get_columns("match_log")}
        assert not {"actor", "job_id", "item_id"} & log_cols
        _alembic(store, "head")
        assert set(inspect(store.engine).get_table_names()) >= CONTENT
    finally:
        store.dispose()
