"""Builders of exhibits for the triage tests: benign files only (generated pictures,
random bytes, text), in folders, archives and disk images made with mkfs, mtools,
debugfs and ewfacquire (no mount)."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from brightline.services.demo import jpeg, picture

Builder = Callable[..., Path]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def files_for(n: int = 3) -> dict[str, bytes]:
    out = {f"pics/p{i}.jpg": jpeg(picture(i + 1, (160, 120))) for i in range(n)}
    out["notes.txt"] = b"meeting at noon\n" * 20
    out["data/blob.bin"] = bytes(range(256)) * 400
    return out


def need(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


def fat_image(tmp: Path, files: dict[str, bytes], delete: list[str], size_mb: int = 16) -> Path:
    need("mkfs.vfat", "mcopy", "mdel", "mmd")
    img = tmp / "fat.img"
    with open(img, "wb") as fh:
        fh.truncate(size_mb * 1024 * 1024)
    subprocess.run(["mkfs.vfat", "-n", "EVIDENCE", str(img)], check=True, capture_output=True)
    src = tmp / "fat-src"
    made: set[str] = set()
    for name, data in files.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        parts = name.split("/")[:-1]
        for i in range(len(parts)):
            folder = "/".join(parts[: i + 1])
            if folder not in made:
                subprocess.run(["mmd", "-i", str(img), f"::/{folder}"], check=True)
                made.add(folder)
        subprocess.run(["mcopy", "-i", str(img), str(path), f"::/{name}"], check=True)
    for name in delete:
        subprocess.run(["mdel", "-i", str(img), f"::/{name}"], check=True)
    return img


def ext_image(tmp: Path, files: dict[str, bytes], delete: list[str], size_mb: int = 16) -> Path:
    need("mkfs.ext4", "debugfs")
    src = tmp / "ext-src"
    for name, data in files.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    img = tmp / "ext.img"
    with open(img, "wb") as fh:
        fh.truncate(size_mb * 1024 * 1024)
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-d", str(src), str(img)], check=True, capture_output=True
    )
    for name in delete:
        subprocess.run(
            ["debugfs", "-w", "-R", f"rm /{name}", str(img)], check=True, capture_output=True
        )
    return img


def partitioned(tmp: Path, fs_image: Path, name: str = "disk.dd") -> Path:
    """An MBR disk with one partition (type 0x0c) at 1 MiB holding ``fs_image``."""
    data = fs_image.read_bytes()
    start = 2048
    sectors = len(data) // 512
    mbr = bytearray(512)
    entry = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x0C, b"\0\0\0", start, sectors)
    mbr[446 : 446 + 16] = entry
    mbr[510:512] = b"\x55\xaa"
    disk = tmp / name
    with open(disk, "wb") as fh:
        fh.write(mbr)
        fh.write(b"\0" * (start * 512 - 512))
        fh.write(data)
    return disk


def e01_from(tmp: Path, raw: Path) -> Path:
    need("ewfacquire")
    target = tmp / "disk"
    subprocess.run(
        ["ewfacquire", "-u", "-q", "-t", str(target), "-c", "none", "-S", "1GiB",
         "-C", "case", "-D", "test", "-e", "tester", "-E", "1", "-N", "none", str(raw)],
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return tmp / "disk.E01"


BUILDERS: dict[str, Callable[..., Path]] = {
    "fat": fat_image,
    "ext": ext_image,
    "partitioned": partitioned,
    "e01": e01_from,
}
