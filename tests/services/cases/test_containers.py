"""Container formats are a registry: a made-up archive format, registered from this
module, is opened in a case like zip or tar: its members are files of the case, a
known one is ``known``, and a bad member is an error row."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from case_build import KNOWN, make_lists  # type: ignore[import-not-found]

from brightline.core.actor import Actor
from brightline.core.sources import ContentItem, Locator, containers
from brightline.core.sources.containers import ArchiveLimits, Budget
from brightline.errors import EvidenceError
from brightline.services import cases
from brightline.services.context import open_services
from brightline.settings import Settings

MAGIC = b"BLPK\x01"


def pack(members: dict[str, bytes]) -> bytes:
    """A made-up archive: magic, then (name length, name, size, data) per member."""
    out = io.BytesIO(MAGIC)
    out.seek(0, 2)
    for name, data in members.items():
        raw = name.encode()
        out.write(struct.pack(">H", len(raw)) + raw + struct.pack(">I", len(data)) + data)
    return out.getvalue()


def read_pack(
    stream: BinaryIO, where: Locator, size: int, limits: ArchiveLimits, budget: Budget
) -> Iterator[ContentItem]:
    stream.read(len(MAGIC))
    while header := stream.read(2):
        name = stream.read(struct.unpack(">H", header)[0]).decode()
        (length,) = struct.unpack(">I", stream.read(4))
        data = stream.read(length)
        if len(data) < length:
            error = EvidenceError("corrupt_archive", "member cut short")
            yield ContentItem(where.child(name), length, None, error=error)
            return
        yield ContentItem(
            where.child(name), length, lambda d=data: io.BytesIO(d), extra={"content": data}
        )


@pytest.fixture
def blpk() -> Iterator[None]:
    containers.register_archive(
        containers.ArchiveFormat("blpk", lambda head: head.startswith(MAGIC), read_pack)
    )
    yield
    containers.unregister("blpk")


@pytest.fixture
def tsvc(settings: Settings, tmp_path: Path) -> Iterator[Any]:
    make_lists(settings, tmp_path)
    services = open_services(settings.model_copy(update={"workers": 1}))
    yield services
    services.close()


def test_a_registered_archive_format_is_opened_in_a_case(
    blpk: None, tsvc: Any, actor: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "ev"
    folder.mkdir()
    data = pack({"inner/known.jpg": KNOWN, "note.txt": b"hello"})
    (folder / "bundle.dat").write_bytes(data + struct.pack(">H", 3) + b"cut" + b"\0\0\0\x09x")
    cases.create_case(tsvc, actor, "op-pack", "uk")
    summary = cases.add_exhibit(tsvc, actor, "op-pack", folder, "EX1")
    rows = {r["path"]: r for r in cases.files(tsvc, "op-pack")}
    assert set(rows) == {"bundle.dat", "bundle.dat/inner/known.jpg", "bundle.dat/note.txt",
                         "bundle.dat/cut"}  # fmt: skip
    assert rows["bundle.dat/inner/known.jpg"]["status"] == "known"
    assert rows["bundle.dat/note.txt"]["status"] == "other"
    assert rows["bundle.dat/cut"]["status"] == "error"
    assert summary.known == 1 and summary.exit_code == 1


def test_without_its_module_the_format_is_a_plain_file(
    tsvc: Any, actor: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "ev"
    folder.mkdir()
    (folder / "bundle.dat").write_bytes(pack({"known.jpg": KNOWN}))
    cases.create_case(tsvc, actor, "op-plain", "uk")
    cases.add_exhibit(tsvc, actor, "op-plain", folder, "EX1")
    assert [r["path"] for r in cases.files(tsvc, "op-plain")] == ["bundle.dat"]
