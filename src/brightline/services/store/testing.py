"""Throw-away databases for tests (ours, and those of code built on Brightline).

``temporary_database`` gives a fresh, empty database URL: a SQLite file in a folder,
or a new schema in a PostgreSQL database that is dropped afterwards, so the same
suite runs against both backends without them seeing each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from brightline.settings import normalize_database_url


@contextmanager
def temporary_database(folder: Path, postgres_url: str | None = None) -> Iterator[str]:
    """A fresh database URL: SQLite in ``folder``, or a schema in ``postgres_url``."""
    if postgres_url is None:
        yield f"sqlite:///{folder / 'brightline.db'}"
        return
    base = normalize_database_url(postgres_url)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
