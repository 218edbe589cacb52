"""Storage of hash lists and entries (SQLAlchemy 2 Core; SQLite or PostgreSQL)."""

from brightline.services.store.db import Store
from brightline.services.store.tables import metadata

__all__ = ["Store", "metadata"]
