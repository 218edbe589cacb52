"""Hashing a content item: streamed, bounded in memory, every error with a code."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import BinaryIO, cast

from brightline.core.sources import ContentItem, Locator
from brightline.core.sources.files import FileSource
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions
from brightline.services.pipeline.hashing import hash_item


class Zeros(io.RawIOBase):
    """``size`` zero bytes that exist nowhere: reading them all at once would show."""

    def __init__(self, size: int):
        self.left = size
        self.largest_read = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.largest_read = max(self.largest_read, n)
        self.left -= n
        return b"\0" * n


def test_a_large_stream_is_hashed_in_chunks() -> None:
    size = 300 * 1024 * 1024  # past the largest image read whole
    stream = Zeros(size)
    item = ContentItem(Locator.of("big.bin"), None, lambda: cast(BinaryIO, stream))
    result = hash_item(item, HashOptions())
    assert result.signals is not None and result.signals.size == size
    assert stream.largest_read <= 1 << 20
    digest = hashlib.sha256()
    for _ in range(300):
        digest.update(b"\0" * (1 << 20))
    assert result.signals.sha256 == digest.hexdigest()
    assert result.error_code == "not_an_image"


def test_error_codes(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "text").write_text("hello")
    (tmp_path / "cut.jpg").write_bytes(jpeg(picture(3))[:500])
    (tmp_path / "ok.jpg").write_bytes(jpeg(picture(3)))
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    got = {
        Path(r.path).name: (r.error_code, r.error_dict())
        for r in (hash_item(i, HashOptions()) for i in FileSource([tmp_path]).items())
    }
    assert got["empty"] == ("empty_file", {"code": "empty_file", "message": "empty file"})
    assert got["text"][0] == "not_an_image"
    assert got["cut.jpg"][0] == "undecodable"
    assert got["gone"][0] == "broken_symlink"
    assert got["ok.jpg"] == (None, None)


def test_an_image_stream_hashes_like_the_file(tmp_path: Path) -> None:
    data = jpeg(picture(4))
    (tmp_path / "a.jpg").write_bytes(data)
    [from_file] = FileSource([tmp_path / "a.jpg"]).items()
    stream = ContentItem(Locator.of("zip", "a.jpg"), len(data), lambda: io.BytesIO(data))
    a, b = hash_item(from_file, HashOptions()), hash_item(stream, HashOptions())
    assert a.signals and b.signals and a.signals.pdq and a.signals.pdq == b.signals.pdq
    assert b.path == "zip/a.jpg"


def test_a_file_that_grew_since_it_was_listed_is_hashed_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(b"x")
    [item] = FileSource([path]).items()  # size 1 when listed
    data = jpeg(picture(6))
    path.write_bytes(data)
    result = hash_item(item, HashOptions())
    assert result.signals is not None and result.signals.size == len(data)
    assert result.signals.md5 == hashlib.md5(data).hexdigest() and result.signals.pdq
