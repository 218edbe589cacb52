"""Disk images through The Sleuth Kit: FAT and ext, raw and E01, partitioned or not,
deleted files recovered, broken partition tables reported."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from triage_build import files_for, md5  # type: ignore[import-not-found]

from brightline.core.sources.containers import ArchiveLimits
from brightline.core.sources.exhibit import ExhibitSource, exhibit_kind

B = dict[str, Callable[..., Path]]


def listing(path: Path) -> dict[str, tuple[str, bool]]:
    out = {}
    for item in ExhibitSource(path, ArchiveLimits(spool_dir=path.parent / "spool")).items():
        if item.error is not None:
            out[str(item.locator)] = (item.error.code, item.deleted)  # type: ignore[attr-defined]
            continue
        assert item.open is not None
        with item.open() as fh:
            out[str(item.locator)] = (md5(fh.read()), item.deleted)
    return out


def test_fat_with_deleted_files(tmp_path: Path, builders: B) -> None:
    files = files_for()
    img = builders["fat"](tmp_path, files, ["pics/p1.jpg"])
    before = os.stat(img)
    got = listing(img)
    assert exhibit_kind(img) == "disk"
    live = {f"fat.img/{n}": (md5(d), False) for n, d in files.items() if n != "pics/p1.jpg"}
    assert {k: v for k, v in got.items() if not v[1]} == live
    deleted = {k: v for k, v in got.items() if v[1]}
    # FAT forgets a deleted name's first letter; TSK shows it as '_'.
    assert deleted == {"fat.img/pics/_1.jpg": (md5(files["pics/p1.jpg"]), True)}
    assert not any("$" in k for k in got)  # $MBR, $FAT1, $OrphanFiles skipped
    after = os.stat(img)
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)


def test_ext4_partitioned_raw_and_e01(tmp_path: Path, builders: B) -> None:
    files = files_for()
    fs = builders["ext"](tmp_path, files, ["notes.txt"])
    disk = builders["partitioned"](tmp_path, fs)
    got = listing(disk)
    expected = {f"disk.dd/p1/{n}": (md5(d), n == "notes.txt") for n, d in files.items()}
    assert got == expected
    e01 = builders["e01"](tmp_path, disk)
    assert exhibit_kind(e01) == "disk"
    assert listing(e01) == {k.replace("disk.dd", "disk.E01"): v for k, v in expected.items()}


def test_broken_partition_table(tmp_path: Path) -> None:
    disk = tmp_path / "broken.dd"
    mbr = bytearray(os.urandom(512))
    mbr[510:512] = b"\x55\xaa"
    disk.write_bytes(bytes(mbr) + os.urandom(64 * 1024))
    assert exhibit_kind(disk) == "disk"
    assert listing(disk) == {"broken.dd": ("disk_unreadable", False)}


def test_files_of_a_deleted_folder_are_recovered(tmp_path: Path, builders: B) -> None:
    import subprocess

    files = {"keep.txt": b"kept", "gone/one.bin": bytes(range(256)) * 20, "gone/two.txt": b"two"}
    img = builders["fat"](tmp_path, files, [])
    subprocess.run(["mdeltree", "-i", str(img), "::/gone"], check=True)
    got = listing(img)
    assert got["fat.img/keep.txt"] == (md5(b"kept"), False)
    deleted = {k: v for k, v in got.items() if v[1]}
    assert len(got) == 3 and all(k.startswith("fat.img/_one/") for k in deleted)
    assert sorted(v[0] for v in deleted.values()) == sorted(
        [md5(files["gone/one.bin"]), md5(b"two")]
    )


def test_big_files_and_archives_on_an_image_are_read_in_place(tmp_path: Path, builders: B) -> None:
    import io
    import random
    import zipfile

    noise = random.Random(3).randbytes(200_000)
    pack = io.BytesIO()
    with zipfile.ZipFile(pack, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("in.bin", noise)
    img = builders["fat"](tmp_path, {"big.bin": noise, "pack.zip": pack.getvalue()}, [])
    spool = tmp_path / "spool"
    src = ExhibitSource(img, ArchiveLimits(memory_bytes=1000, spool_dir=spool))
    got = {}
    for item in src.items():
        assert "spooled" not in item.extra
        assert item.open is not None
        with item.open() as fh:
            got[str(item.locator)] = md5(fh.read())
    assert got == {
        "fat.img/big.bin": md5(noise),
        "fat.img/pack.zip": md5(pack.getvalue()),
        "fat.img/pack.zip/in.bin": md5(noise),
    }
    assert not spool.exists()
