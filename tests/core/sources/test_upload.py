"""An upload body: in memory while small, a temporary file past the spool size."""

from __future__ import annotations

from pathlib import Path

from brightline.core.sources.upload import UploadBody, UploadSource


def test_small_bodies_stay_in_memory() -> None:
    with UploadBody.of(b"hello", "a.txt") as body:
        item = body.item()
        assert not body.spooled and item.path is None and item.size == 5
        assert item.open is not None
        assert item.open().read() == b"hello" and item.open().read() == b"hello"
        assert str(item.locator) == "a.txt"


def test_large_bodies_are_spooled_and_removed(tmp_path: Path) -> None:
    body = UploadBody(None, spool_bytes=10, folder=tmp_path)
    for _ in range(5):
        body.write(b"0123456789")
    item = body.item()
    assert body.spooled and item.path is not None and item.path.parent == tmp_path
    assert str(item.locator) == "<upload>" and item.size == 50
    assert item.open is not None
    with item.open() as fh:
        assert fh.read() == b"0123456789" * 5
    body.close()
    assert list(tmp_path.iterdir()) == []


def test_a_source_of_uploads_yields_them_in_order() -> None:
    bodies = [UploadBody.of(b"1", "one"), UploadBody.of(b"2", "two")]
    assert [i.locator.name for i in UploadSource(bodies).items()] == ["one", "two"]
