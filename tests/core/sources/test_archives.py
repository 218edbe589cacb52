"""Archive members, nested archives and hostile archives, read without extraction."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import tarfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from triage_build import md5  # type: ignore[import-not-found]

from brightline.core.sources.containers import ArchiveLimits
from brightline.core.sources.exhibit import ExhibitSource


def items(path: Path, **limits: object) -> dict[str, object]:
    src = ExhibitSource(path, ArchiveLimits(spool_dir=path.parent / "spool", **limits))  # type: ignore[arg-type]
    out: dict[str, object] = {}
    for item in src.items():
        if item.error is not None:
            out[str(item.locator)] = item.error.code  # type: ignore[attr-defined]
        elif "container_error" in item.extra:
            out[str(item.locator)] = item.extra["container_error"].code  # type: ignore[attr-defined]
        else:
            assert item.open is not None
            with item.open() as fh:
                out[str(item.locator)] = md5(fh.read())
    return out


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_nested_archives_by_content_not_name(tmp_path: Path) -> None:
    inner = zip_bytes({"b/c.txt": b"inner text"})
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("./x/inner.dat")  # a zip under a misleading name
        info.size = len(inner)
        tf.addfile(info, io.BytesIO(inner))
    folder = tmp_path / "ex"
    folder.mkdir()
    (folder / "outer.zip").write_bytes(zip_bytes({"a.tgz": tar_buf.getvalue(), "t.txt": b"t"}))
    got = items(folder)
    assert got == {
        "outer.zip": md5((folder / "outer.zip").read_bytes()),
        "outer.zip/a.tgz": md5(tar_buf.getvalue()),
        "outer.zip/a.tgz/x/inner.dat": md5(inner),
        "outer.zip/a.tgz/x/inner.dat/b/c.txt": md5(b"inner text"),
        "outer.zip/t.txt": md5(b"t"),
    }
    assert not (tmp_path / "spool").exists() or not any((tmp_path / "spool").iterdir())


def test_depth_limit(tmp_path: Path) -> None:
    level2 = zip_bytes({"deep.txt": b"deep"})
    level1 = zip_bytes({"l2.zip": level2})
    (tmp_path / "l0.zip").write_bytes(zip_bytes({"l1.zip": level1}))
    got = items(tmp_path / "l0.zip", max_depth=2)
    assert got["l0.zip/l1.zip"] == md5(level1)
    assert got["l0.zip/l1.zip/l2.zip"] == "too_deep"
    assert "l0.zip/l1.zip/l2.zip/deep.txt" not in got


def test_hostile_zip_members(tmp_path: Path) -> None:
    data = zip_bytes(
        {
            "../escape.txt": b"x",
            "/etc/abs.txt": b"x",
            "ok.txt": b"fine",
            "zeros.bin": b"\0" * (8 * 1024 * 1024),  # ~1000x: a bomb at ratio 200
        }
    )
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        link = zipfile.ZipInfo("link")
        link.external_attr = (0o120777) << 16
        zf.writestr(link, "/etc/passwd")
    (tmp_path / "h.zip").write_bytes(buf.getvalue())
    got = items(tmp_path / "h.zip")
    assert got["h.zip/../escape.txt"] == "unsafe_path"
    assert got["h.zip//etc/abs.txt"] == "unsafe_path"
    assert got["h.zip/zeros.bin"] == "archive_bomb"
    assert got["h.zip/link"] == "symlink"
    assert got["h.zip/ok.txt"] == md5(b"fine")


def test_total_budget(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_bytes(
        zip_bytes({"one": b"1" * 600, "two": b"2" * 600}, zipfile.ZIP_STORED)
    )
    got = items(tmp_path / "a.zip", max_total_bytes=1000)
    assert got["a.zip/one"] == md5(b"1" * 600)
    assert got["a.zip/two"] == "archive_bomb"


def test_corrupt_and_truncated(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04" + b"\xff" * 200)
    good = zip_bytes({"a.txt": b"a" * 5000})
    noise = random.Random(1).randbytes(50000)
    (tmp_path / "cut.tar.gz").write_bytes(_targz({"a.txt": noise, "b.txt": noise})[:30000])
    assert items(tmp_path / "bad.zip") == {"bad.zip": "corrupt_archive"}
    got = items(tmp_path / "cut.tar.gz")
    assert set(got.values()) & {"corrupt_archive", "unreadable"}
    (tmp_path / "ok.zip").write_bytes(good)
    assert items(tmp_path / "ok.zip")["ok.zip/a.txt"] == md5(b"a" * 5000)


def _targz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_tar_links_specials_and_gzip_bomb(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as tf:
        for name, kind in (
            ("sym", tarfile.SYMTYPE),
            ("dev", tarfile.CHRTYPE),
            ("fifo", tarfile.FIFOTYPE),
        ):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/passwd" if kind == tarfile.SYMTYPE else ""
            tf.addfile(info)
        info = tarfile.TarInfo("plain.txt")
        info.size = 4
        tf.addfile(info, io.BytesIO(b"data"))
    (tmp_path / "t.tar.xz").write_bytes(buf.getvalue())
    got = items(tmp_path / "t.tar.xz")
    assert got["t.tar.xz/sym"] == "symlink"
    assert got["t.tar.xz/dev"] == "special_file" and got["t.tar.xz/fifo"] == "special_file"
    assert got["t.tar.xz/plain.txt"] == md5(b"data")
    (tmp_path / "bomb.tar.gz").write_bytes(_targz({"zeros": b"\0" * (20 * 1024 * 1024)}))
    got = items(tmp_path / "bomb.tar.gz")
    assert "archive_bomb" in got.values()


def test_gzip_of_a_single_file(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "photo.gz").write_bytes(gzip.compress(b"not a tar at all" * 10))
    got = items(tmp_path / "photo.gz")
    assert got["photo.gz/(gzip content)"] == md5(b"not a tar at all" * 10)


@pytest.mark.skipif(shutil.which("7z") is None, reason="7z is not installed")
def test_7z_and_encrypted(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"seven")
    (tmp_path / "b.bin").write_bytes(bytes(range(256)) * 10)
    run = lambda *a: subprocess.run(["7z", *a], cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    run("a", "-bd", "plain.7z", "a.txt", "b.bin")
    run("a", "-bd", "-psecret", "-mhe=on", "locked.7z", "a.txt")
    run("a", "-bd", "-psecret", "locked.zip", "a.txt")
    got = items(tmp_path / "plain.7z")
    assert got["plain.7z/a.txt"] == md5(b"seven")
    assert got["plain.7z/b.bin"] == md5(bytes(range(256)) * 10)
    assert items(tmp_path / "locked.7z") == {"locked.7z": "encrypted"}
    assert items(tmp_path / "locked.zip")["locked.zip/a.txt"] == "encrypted"


def test_big_members_stream_and_big_archives_spool_in_the_case_folder(tmp_path: Path) -> None:
    noise = random.Random(2).randbytes(300_000)
    (tmp_path / "big.zip").write_bytes(
        zip_bytes({"n.bin": noise, "inner.zip": zip_bytes({"x": noise})})
    )
    spool = tmp_path / "spool"
    src = ExhibitSource(tmp_path / "big.zip", ArchiveLimits(memory_bytes=1000, spool_dir=spool))
    seen, how = {}, {}
    for item in src.items():
        if item.locator.depth and item.open is not None:
            how[str(item.locator)] = "spooled" if "spooled" in item.extra else "stream"
            if "spooled" in item.extra:
                assert Path(str(item.extra["spooled"])).parent == spool
            with item.open() as fh:
                seen[str(item.locator)] = md5(fh.read())
    assert how == {
        "big.zip/inner.zip": "spooled",  # an archive: opened from the spool file
        "big.zip/inner.zip/x": "stream",  # too big to hold: hashed as a stream
        "big.zip/n.bin": "stream",
    }
    assert seen["big.zip/n.bin"] == md5(noise) and seen["big.zip/inner.zip/x"] == md5(noise)
    assert list(spool.iterdir()) == []  # removed as the walk moved on


MAGICS = [
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",
    b"BZh9",
    b"\xfd7zXZ\x00",
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(magic=st.sampled_from(MAGICS), body=st.binary(max_size=600), tar=st.booleans())
def test_hostile_bytes_never_raise(tmp_path: Path, magic: bytes, body: bytes, tar: bool) -> None:
    data = magic + body
    if tar:  # a tar header with garbage around it
        data = bytearray(data.ljust(600, b"\0"))
        data[257:262] = b"ustar"
        data = bytes(data)
    path = tmp_path / "x.bin"
    path.write_bytes(data)
    got = items(path)  # every problem is an item, never an exception
    assert "x.bin" in got


def _duplicate_zip(first: bytes, second: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": the point here
        zf.writestr("a/photo.jpg", first)
        zf.writestr("a/photo.jpg", second)
        zf.writestr("a/photo.jpg (#2)", b"a member really named so")
    return buf.getvalue()


def _duplicate_tar(first: bytes, second: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in (("a/photo.jpg", first), ("./a/photo.jpg", second)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_members_of_the_same_name_are_each_an_item(tmp_path: Path) -> None:
    (tmp_path / "dup.zip").write_bytes(_duplicate_zip(b"benign", b"hidden"))
    got = items(tmp_path / "dup.zip")
    assert got["dup.zip/a/photo.jpg"] == md5(b"benign")
    assert got["dup.zip/a/photo.jpg (#2)"] == md5(b"hidden")
    assert got["dup.zip/a/photo.jpg (#2) (#2)"] == md5(b"a member really named so")
    assert items(tmp_path / "dup.zip") == got  # the same names on every read (resume)
    (tmp_path / "dup.tar").write_bytes(_duplicate_tar(b"benign", b"hidden"))
    got = items(tmp_path / "dup.tar")
    assert got["dup.tar/a/photo.jpg"] == md5(b"benign")
    assert got["dup.tar/a/photo.jpg (#2)"] == md5(b"hidden")


def _overlapping_zip(copies: int) -> bytes:
    """One deflated member whose central directory entry is repeated ``copies`` times:
    every member reads the same compressed stream (the overlapping zip bomb's shape)."""
    data = bytearray(zip_bytes({"a.bin": b"0123456789abcdef" * 40_000}))
    cd = data.index(b"PK\x01\x02")
    eocd = data.rindex(b"PK\x05\x06")
    entry = bytes(data[cd:eocd])
    tail = bytearray(data[eocd:])
    tail[8:10] = tail[10:12] = copies.to_bytes(2, "little")
    tail[12:16] = (len(entry) * copies).to_bytes(4, "little")
    return bytes(data[:cd]) + entry * copies + bytes(tail)


def test_overlapping_members_are_refused_before_decompression(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bomb.zip").write_bytes(_overlapping_zip(50))
    opened: list[str] = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile,
        "open",
        lambda self, *a, **k: opened.append("x") or real_open(self, *a, **k),
    )
    assert items(tmp_path / "bomb.zip") == {"bomb.zip": "overlapping_members"}
    assert opened == []  # nothing decompressed
    (tmp_path / "fine.zip").write_bytes(zip_bytes({"a": b"a" * 5000, "b": b"b", "c/": b""}))
    assert set(items(tmp_path / "fine.zip")) == {"fine.zip", "fine.zip/a", "fine.zip/b"}
