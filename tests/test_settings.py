"""Every setting is documented, and the environment is read only through Settings."""

from __future__ import annotations

import re
from pathlib import Path

from brightline.settings import Settings

ROOT = Path(__file__).parents[1]


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`BRIGHTLINE_{name.upper()}`" in doc, f"document BRIGHTLINE_{name.upper()}"


#: Entry points that WRITE the environment for the processes they start (never read it).
WRITERS = {"src/brightline/adapters/cli/serve_cmd.py"}


def test_nothing_below_the_entry_point_reads_the_environment() -> None:
    offenders = []
    for path in (ROOT / "src" / "brightline").rglob("*.py"):
        if str(path.relative_to(ROOT)) in WRITERS:
            assert not re.search(r"os\.getenv|os\.environ\.get|os\.environ\[", path.read_text())
            continue
        text = path.read_text()
        if re.search(r"os\.environ|os\.getenv", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_postgres_urls_get_the_psycopg_driver(tmp_path: Path) -> None:
    s = Settings(home=tmp_path, database_url="postgresql://u@h/db")
    assert s.db_url == "postgresql+psycopg://u@h/db"
    assert Settings(home=tmp_path).db_url == f"sqlite:///{tmp_path / 'brightline.db'}"
