"""A single-file container of named flat arrays plus JSON metadata, for MihIndex.

Layout: ``MAGIC`` (8 bytes), header length (uint64 LE), CRC-32 of the header (uint32
LE), the JSON header, then each array at a 4096-byte aligned offset so it can be used
straight from a memory map. Files are written to a temporary name, flushed to disk and
renamed over the target, so a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from brightline.core.index.base import temp_path

MAGIC = b"BLMIH\x00v1"
_FIXED = struct.Struct("<8sQI")
_ALIGN = 4096
_MAX_HEADER = 1 << 26


def write(path: Path, meta: Mapping[str, object], arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` (each flat) and ``meta`` atomically to ``path``."""
    table: dict[str, dict[str, object]] = {}
    total = 0
    for name, a in arrays.items():
        table[name] = {"offset": total, "dtype": a.dtype.str, "length": len(a)}
        total = _aligned(total + a.nbytes)
    header = json.dumps({"meta": meta, "arrays": table}).encode()
    data_start = _aligned(_FIXED.size + len(header))
    tmp = temp_path(path)
    try:
        _write_body(tmp, header, data_start, total, table, arrays)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def _write_body(
    tmp: Path,
    header: bytes,
    data_start: int,
    total: int,
    table: Mapping[str, Mapping[str, object]],
    arrays: Mapping[str, np.ndarray],
) -> None:
    with open(tmp, "wb") as fh:
        fh.write(_FIXED.pack(MAGIC, len(header), zlib.crc32(header)))
        fh.write(header)
        for name, a in arrays.items():
            offset = table[name]["offset"]
            assert isinstance(offset, int)
            fh.seek(data_start + offset)
            fh.write(np.ascontiguousarray(a).view(np.uint8).data)
        fh.truncate(data_start + total)
        fh.flush()
        os.fsync(fh.fileno())


def read(path: Path, *, mmap: bool) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """(meta, arrays). Arrays view a read-only memory map, or one in-memory copy.

    Raises ValueError, KeyError or OSError when the file is not a sound container.
    """
    with open(path, "rb") as fh:
        fixed = fh.read(_FIXED.size)
        if len(fixed) != _FIXED.size:
            raise ValueError("not a Brightline MIH index file")
        magic, size, crc = _FIXED.unpack(fixed)
        if magic != MAGIC or size > _MAX_HEADER:
            raise ValueError("not a Brightline MIH index file")
        header = fh.read(size)
    if len(header) != size or zlib.crc32(header) != crc:
        raise ValueError("index header is damaged")
    parsed = json.loads(header)
    meta, table = parsed["meta"], parsed["arrays"]
    if not isinstance(meta, dict) or not isinstance(table, dict):
        raise ValueError("index header is malformed")
    data_start = _aligned(_FIXED.size + size)
    blob: npt.NDArray[np.uint8]
    blob = np.memmap(path, np.uint8, mode="r") if mmap else np.fromfile(path, np.uint8)
    arrays = {name: _array(blob, data_start, spec) for name, spec in table.items()}
    return meta, arrays


def _array(blob: npt.NDArray[np.uint8], start: int, spec: object) -> np.ndarray:
    if not isinstance(spec, dict):
        raise ValueError("index array entry is malformed")
    dtype = np.dtype(spec["dtype"])
    offset, length = spec["offset"], spec["length"]
    if dtype.kind not in "iu" or not isinstance(offset, int) or not isinstance(length, int):
        raise ValueError("index array entry is malformed")
    lo = start + offset
    hi = lo + length * dtype.itemsize
    if offset < 0 or length < 0 or offset % _ALIGN or hi > len(blob):
        raise ValueError("index array lies outside the file")
    return blob[lo:hi].view(dtype)


def _aligned(x: int) -> int:
    return -(-x // _ALIGN) * _ALIGN
