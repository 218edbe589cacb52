"""Files and folders: every path met is an item; what cannot be read says why."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from brightline.core.sources import ContentItem
from brightline.core.sources.files import FileSource


def codes(items: Iterator[ContentItem]) -> dict[str, str | None]:
    return {
        item.locator.name: getattr(item.error, "code", None) if item.error else None
        for item in items
    }


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "b-sub" / "deeper").mkdir(parents=True)
    (root / "a-sub").mkdir()
    (root / "z.txt").write_text("z")
    (root / "a.txt").write_text("a")
    (root / "a-sub" / "x.txt").write_text("x")
    (root / "b-sub" / "y.txt").write_text("y")
    (root / "b-sub" / "deeper" / "w.txt").write_text("w")
    return root


def test_order_is_stable_files_then_folders_by_name(tree: Path) -> None:
    found = [str(i.locator) for i in FileSource([tree]).items()]
    rel = [os.path.relpath(p, tree) for p in found]
    assert rel == ["a.txt", "z.txt", "a-sub/x.txt", "b-sub/y.txt", "b-sub/deeper/w.txt"]
    again = [str(i.locator) for i in FileSource([tree]).items()]
    assert found == again


def test_regular_files_open_as_streams_with_size_and_times(tree: Path) -> None:
    [item] = FileSource([tree / "a.txt"]).items()
    assert item.readable and item.size == 1 and item.modified is not None
    assert item.open is not None
    with item.open() as fh:
        assert fh.read() == b"a"
    with item.open() as fh:  # a fresh stream each time
        assert fh.read() == b"a"


def test_special_paths_are_items_with_a_reason(tmp_path: Path) -> None:
    root = tmp_path / "odd"
    root.mkdir()
    os.mkfifo(root / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock"))
    (root / "broken").symlink_to(root / "nowhere")
    (root / "loop").symlink_to(root / "loop")
    (root / "zero").symlink_to("/dev/zero")
    (root / "folder-link").symlink_to(tmp_path)
    (root / "ok.txt").write_text("fine")
    (root / "link-ok").symlink_to(root / "ok.txt")
    try:
        found = codes(FileSource([root]).items())  # returns: the FIFO is never opened
    finally:
        sock.close()
    assert found == {
        "broken": "broken_symlink",
        "fifo": "fifo",
        "folder-link": "symlink_folder",
        "link-ok": None,
        "loop": "symlink_loop",
        "ok.txt": None,
        "sock": "socket",
        "zero": "symlink_special",
    }
    items = {i.locator.name: i for i in FileSource([root]).items()}
    assert items["fifo"].open is None and not items["fifo"].readable
    assert "FIFO" in str(items["fifo"].error)


def test_a_fifo_named_directly_is_an_item(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "p")
    [item] = FileSource([tmp_path / "p"]).items()
    assert getattr(item.error, "code", None) == "fifo"


def test_an_unreadable_folder_is_an_item(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.scandir
    blocked = tree / "b-sub"

    def scandir(path: os.PathLike[str] | str) -> object:
        if Path(path) == blocked:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = {str(i.locator): i for i in FileSource([tree]).items()}
    assert getattr(found[str(blocked)].error, "code", None) == "unreadable_folder"
    assert "Permission denied" in str(found[str(blocked)].error)
    assert str(tree / "a-sub" / "x.txt") in found


def test_a_file_swapped_for_a_fifo_after_listing_is_refused_not_waited_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "f"
    path.write_text("x")
    [item] = FileSource([path]).items()
    path.unlink()
    os.mkfifo(path)
    assert item.open is not None
    with pytest.raises(OSError, match="not a regular file"):
        item.open()
