"""Cases against hostile or odd exhibits (issue 15): every archive member its own row,
a broken exhibit an error row while the case goes on, empty files, leftovers."""

from __future__ import annotations

import io
import tarfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from case_build import KNOWN, make_lists  # type: ignore[import-not-found]

from brightline.core.actor import Actor
from brightline.services import cases
from brightline.services.context import Services, open_services
from brightline.settings import Settings


@pytest.fixture
def tsvc(settings: Settings, tmp_path: Path) -> Any:
    make_lists(settings, tmp_path)
    services = open_services(settings.model_copy(update={"workers": 1}))
    yield services
    services.close()


def test_a_known_member_behind_a_benign_name_is_its_own_row(
    tsvc: Services, actor: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "ev"
    folder.mkdir()
    with zipfile.ZipFile(folder / "a.zip", "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": the attack
        zf.writestr("holiday.jpg", b"benign bytes")
        zf.writestr("holiday.jpg", KNOWN)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for data in (b"benign bytes", KNOWN):
            info = tarfile.TarInfo("holiday.jpg")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    (folder / "b.tar").write_bytes(buf.getvalue())
    cases.create_case(tsvc, actor, "dup", "uk")
    summary = cases.add_exhibit(tsvc, actor, "dup", folder, "EX1")
    assert (summary.files, summary.known) == (6, 2)
    assert summary.exit_code == 1
    rows = {r["path"]: r["status"] for r in cases.files(tsvc, "dup")}
    assert rows["a.zip/holiday.jpg (#2)"] == "known"
    assert rows["b.tar/holiday.jpg (#2)"] == "known"
    assert cases.resume(tsvc, actor, "dup").files == 6  # the same names on a second read
