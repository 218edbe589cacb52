from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from brightline.core.models import Entry

MakeEntry = Callable[..., Entry]


def _make_entry(signal_type: str, value: str, **fields: object) -> Entry:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    defaults: dict[str, object] = {
        "id": 1,
        "list_id": 1,
        "category": None,
        "source": "test",
        "source_id": None,
        "note": None,
        "enabled": True,
        "withdrawn": False,
        "added_at": when,
        "updated_at": when,
    }
    defaults.update(fields)
    return Entry(signal_type=signal_type, value=value, **defaults)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def make_entry() -> MakeEntry:
    return _make_entry
