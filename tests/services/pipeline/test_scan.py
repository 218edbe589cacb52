"""Scanning folders: every file gets a row, bad files get a reason, the scan goes on."""

from __future__ import annotations

import os
import signal
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import ImageOps

from brightline.core.actor import local_operator
from brightline.core.models import ScanResult
from brightline.services.context import Services
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_path
from brightline.services.pipeline.job import Job
from brightline.services.pipeline.scan import (
    ScanStopped,
    clear_stop,
    iter_files,
    request_stop,
    scan,
)
from brightline.services.store import lists
from brightline.services.store.db import next_rev
from brightline.services.store.entries import upsert_entries


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size: a decompression-bomb shape, a few bytes long."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1_000_000, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "scan"
    (root / "sub").mkdir(parents=True)
    (root / "a.jpg").write_bytes(jpeg(picture(1)))
    (root / "sub" / "b.bin").write_bytes(jpeg(picture(2)))  # type from content, not name
    (root / "empty.jpg").write_bytes(b"")
    (root / "truncated.jpg").write_bytes(jpeg(picture(3))[:500])
    (root / "text.jpg").write_text("hello")
    (root / "bomb.png").write_bytes(png_header_only(100_000, 100_000))
    return root


def scan_with(
    svc: Services,
    paths: list[Path],
    *,
    workers: int = 0,
    opts: HashOptions | None = None,
    on_result: Callable[[ScanResult], None] | None = None,
) -> Iterator[ScanResult]:
    """A scan as ``brightline match`` runs it (a job of the local operator's)."""
    job = Job(svc.review_env(), local_operator(), "scan", run_actions=False, workers=workers)
    job.opts = opts or HashOptions()
    return scan(paths, job, svc.matcher, on_result=on_result)


def by_name(results: list) -> dict:  # type: ignore[type-arg]
    return {Path(r.path).name: r for r in results}


@pytest.mark.parametrize("workers", [1, 2])
def test_every_file_gets_a_row(svc: Services, folder: Path, workers: int) -> None:
    results = by_name(list(scan_with(svc, [folder], workers=workers)))
    assert sorted(results) == [
        "a.jpg",
        "b.bin",
        "bomb.png",
        "empty.jpg",
        "text.jpg",
        "truncated.jpg",
    ]
    assert results["a.jpg"].error is None and results["a.jpg"].signals.pdq
    assert results["b.bin"].signals.media_type == "image/jpeg"
    assert results["empty.jpg"].error == "empty file"
    assert "not a recognised image" in results["text.jpg"].error
    assert results["text.jpg"].signals.md5 == "5d41402abc4b2a76b9719d911017c592"
    assert "decompression bomb" in results["bomb.png"].error
    assert "truncated" in results["truncated.jpg"].error.lower()


def test_scan_finds_near_duplicates(svc: Services, tmp_path: Path) -> None:
    known = picture(7)
    sig = hash_path(_write(tmp_path / "k.jpg", jpeg(known)), HashOptions())
    assert sig.signals and sig.signals.pdq
    with svc.store.begin() as conn:
        hl = lists.create_list(conn, "known")
        upsert_entries(
            conn,
            hl.id,
            [{"signal_type": "pdq", "value": sig.signals.pdq}],
            source="t",
            rev=next_rev(conn),
        )
    root = tmp_path / "in"
    root.mkdir()
    _write(root / "resized.jpg", jpeg(known.resize((320, 240)), 60))
    _write(root / "mirrored.jpg", jpeg(ImageOps.mirror(known)))
    _write(root / "other.jpg", jpeg(picture(8)))
    plain = by_name(list(scan_with(svc, [root], workers=1)))
    assert [bool(plain[n].matches) for n in ("resized.jpg", "mirrored.jpg", "other.jpg")] == [
        True,
        False,
        False,
    ]
    turned = by_name(list(scan_with(svc, [root], workers=1, opts=HashOptions(dihedral=True))))
    assert turned["mirrored.jpg"].matches and not turned["other.jpg"].matches


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    (root / "f.txt").write_text("x")
    (root / "loop").symlink_to(root)
    assert [p.name for p in iter_files([root])] == ["f.txt"]


@pytest.mark.parametrize("workers", [1, 2])
def test_paths_that_cannot_be_read_are_rows_with_a_reason(
    svc: Services, tmp_path: Path, workers: int
) -> None:
    root = tmp_path / "odd"
    root.mkdir()
    os.mkfifo(root / "fifo")
    (root / "zero").symlink_to("/dev/zero")
    (root / "broken").symlink_to(root / "nowhere")
    (root / "up").symlink_to(tmp_path)
    (root / "ok.txt").write_text("fine")
    rows = by_name(list(scan_with(svc, [root], workers=workers)))
    assert {n: r.error_code for n, r in rows.items()} == {
        "broken": "broken_symlink",
        "fifo": "fifo",
        "ok.txt": "not_an_image",
        "up": "symlink_folder",
        "zero": "symlink_special",
    }
    assert rows["fifo"].as_dict()["error"] == {
        "code": "fifo",
        "message": "a FIFO (named pipe): not read",
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_a_requested_stop_ends_the_scan_and_its_workers(
    svc: Services, tmp_path: Path, workers: int
) -> None:
    for i in range(60):
        (tmp_path / f"{i:02}.txt").write_text(str(i))
    seen = []

    def stop_after_first(result: object) -> None:
        seen.append(result)
        request_stop(signal.SIGTERM)  # what the CLI's signal handler calls

    try:
        with pytest.raises(ScanStopped) as stopped:
            list(scan_with(svc, [tmp_path], workers=workers, on_result=stop_after_first))
    finally:
        clear_stop()
    assert stopped.value.signum == signal.SIGTERM and 0 < len(seen) < 60
