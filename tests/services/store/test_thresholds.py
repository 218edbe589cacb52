"""Per-list, per-signal-type thresholds (migration 0004), on each backend."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from brightline.errors import InvalidHashError, InvalidThresholdError
from brightline.services.store import Store, lists
from brightline.services.store.db import MIGRATIONS
from brightline.services.store.thresholds import list_thresholds, thresholds_by_list


def test_pdq_threshold_is_the_pdq_entry(database_url: str) -> None:
    store = Store(database_url)
    store.migrate()
    with store.begin() as conn:
        hl = lists.create_list(conn, "a", thresholds={"pdq_hash": 12})
        assert hl.pdq_threshold == 12 and hl.all_thresholds() == {"pdq": 12}
        hl = lists.update_list(conn, "a", thresholds={"pdq": 20})
        assert hl.pdq_threshold == 20 and hl.thresholds == {}
        assert thresholds_by_list(conn) == {}
    store.dispose()


def test_exact_unknown_and_out_of_range_are_refused(database_url: str) -> None:
    store = Store(database_url)
    store.migrate()
    cases = [
        (InvalidThresholdError, "md5 is an exact signal type", {"md5": 1}),
        (InvalidThresholdError, "between 0 and 256", {"pdq": 257}),
        (InvalidHashError, "unknown signal type", {"tlsh": 1}),
    ]
    for error, message, thresholds in cases:
        with pytest.raises(error, match=message), store.begin() as conn:
            lists.create_list(conn, "b", thresholds=thresholds)
    with store.connect() as conn:
        assert lists.all_lists(conn) == []
    store.dispose()


def test_rows_are_read_and_go_with_their_list(database_url: str) -> None:
    store = Store(database_url)
    store.migrate()
    with store.begin() as conn:
        hl = lists.create_list(conn, "c")
        conn.execute(list_thresholds.insert().values(list_id=hl.id, signal_type="x", threshold=3))
        assert lists.get_list(conn, "c").thresholds == {"x": 3}
        assert lists.get_list(conn, "c").threshold_for("x", 9) == 3
        assert lists.get_list(conn, "c").threshold_for("y", 9) == 9
        assert [h.thresholds for h in lists.list_settings(conn)] == [{"x": 3}]
        lists.delete_list(conn, "c")
        assert thresholds_by_list(conn) == {}
    store.dispose()


def test_migration_0004_goes_down_and_up(database_url: str) -> None:
    store = Store(database_url)
    store.migrate()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    assert "list_thresholds" not in inspect(store.engine).get_table_names()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert "list_thresholds" in inspect(store.engine).get_table_names()
    store.dispose()
