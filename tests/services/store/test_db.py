"""Migrations are idempotent and safe when several processes start at once."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import inspect

from brightline.services.store import Store
from brightline.services.store.db import current_rev, next_rev

MIGRATE = "import sys; from brightline.services.store import Store; Store(sys.argv[1]).migrate()"


def test_concurrent_migrations(database_url: str) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", MIGRATE, database_url]) for _ in range(3)]
    assert [p.wait(60) for p in procs] == [0, 0, 0]
    store = Store(database_url)
    store.migrate()
    tables = set(inspect(store.engine).get_table_names())
    assert {"hash_lists", "entries", "tombstones", "counters"} <= tables
    store.dispose()


def test_revisions_only_go_up(database_url: str) -> None:
    store = Store(database_url)
    store.migrate()
    with store.begin() as conn:
        first = next_rev(conn)
        second = next_rev(conn)
    with store.connect() as conn:
        assert current_rev(conn) == second == first + 1
    store.dispose()


def test_head_revision_constant_is_alembics_head(database_url: str) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from brightline.services.store.db import HEAD_REVISION, MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION
    store = Store(database_url)
    assert store.schema_revision() is None
    store.migrate()
    assert store.schema_revision() == HEAD_REVISION
    store.dispose()
