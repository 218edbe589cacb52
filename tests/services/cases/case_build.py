"""Exhibits and lists for the case tests: every status in one folder."""

from __future__ import annotations

import zipfile
from pathlib import Path

from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_bytes
from brightline.settings import Settings

KNOWN = jpeg(picture(1))
NEAR = jpeg(picture(1).resize((300, 220)), 70)


def build_folder(root: Path) -> Path:
    folder = root / "exhibit"
    (folder / "sub").mkdir(parents=True)
    (folder / "known.jpg").write_bytes(KNOWN)
    (folder / "sub" / "copy.jpg").write_bytes(KNOWN)
    (folder / "resized.jpg").write_bytes(NEAR)
    (folder / "other1.jpg").write_bytes(jpeg(picture(2)))
    (folder / "other2.jpg").write_bytes(jpeg(picture(3)))
    (folder / "notes.txt").write_text("shopping list\n")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    with zipfile.ZipFile(folder / "evidence.zip", "w") as zf:
        zf.writestr("inside/known.jpg", KNOWN)
        zf.writestr("inside/other.txt", "hello")
    (folder / "link").symlink_to(folder / "notes.txt")
    return folder


def make_lists(settings: Settings, tmp: Path) -> None:
    """The list, made through the command line (its interface is the stable one)."""
    signals = hash_bytes(KNOWN, HashOptions()).signals
    assert signals is not None and signals.pdq
    csv = tmp / "police.csv"
    csv.write_text(f"signal_type,value,category\nmd5,{signals.md5},B\npdq,{signals.pdq},A\n")
    env = {"BRIGHTLINE_HOME": str(settings.home), "BRIGHTLINE_DATABASE_URL": settings.db_url}
    for args in (["list", "create", "police", "--scheme", "uk", "--threshold", "20"],
                 ["list", "import", "police", str(csv)]):  # fmt: skip
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
