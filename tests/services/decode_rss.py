"""Peak memory of decoding one image, measured in a fresh process (not collected by pytest).

    python decode_rss.py png16 OUT.png WIDTH HEIGHT [rgba|rgb|grey]
        write a benign 16-bit PNG (a gradient, then rows that step by one): a few
        hundred KB to a few MB whatever the size, in little memory and time
    python decode_rss.py hash FILE [KEY=VALUE ...]
        hash FILE as the CLI does (``hash_path``) and print one JSON line: the
        resident memory before, the peak during (VmHWM, reset first), the error

Peak RSS comes from ``/proc/self/status`` after ``clear_refs`` reset it, so the
figure is what this one decode cost above the process's baseline.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from pathlib import Path

_CHANNELS = {"rgba": (6, 4), "rgb": (2, 3), "grey": (0, 1)}


def write_png16(path: Path, width: int, height: int, kind: str = "rgba") -> None:
    """Row 0 a gradient, every later row PNG's "Up" filter with all bytes 1 (each byte
    one more than above). The repeated rows are compressed once and their deflate
    bytes repeated (byte-aligned after a full flush, so they concatenate), which
    writes a 200 M pixel file in about a second."""
    color_type, channels = _CHANNELS[kind]
    row_bytes = width * channels * 2
    first = b"\x00" + bytes((x * 7) & 0xFF for x in range(row_bytes))
    step = b"\x02" + b"\x01" * row_bytes
    block_rows = max(1, min(height - 1, (8 << 20) // len(step)))
    repeats, tail = divmod(height - 1, block_rows)
    packer = zlib.compressobj(6)
    head = packer.compress(first) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(step * block_rows) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(step * tail) + packer.flush(zlib.Z_FULL_FLUSH)
    check = zlib.adler32(first)
    for _ in range(repeats):
        check = zlib.adler32(step * block_rows, check)
    check = zlib.adler32(step * tail, check)
    # An empty final block, then the Adler-32 of everything.
    idat = head + block * repeats + end + b"\x03\x00" + check.to_bytes(4, "big")
    ihdr = struct.pack(">IIBBBBB", width, height, 16, color_type, 0, 0, 0)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        for name, body in ((b"IHDR", ihdr), (b"IDAT", idat), (b"IEND", b"")):
            out.write(struct.pack(">I", len(body)) + name + body)
            out.write(struct.pack(">I", zlib.crc32(name + body) & 0xFFFFFFFF))


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure(path: Path, options: dict[str, str]) -> dict[str, object]:
    from brightline.services.hashing import HashOptions, hash_path

    fields = HashOptions.__dataclass_fields__
    opts = HashOptions(**{k: int(v) for k, v in options.items() if k in fields})
    hash_path(Path(__file__), opts)  # warm up: imports, the kernel, first allocations
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = status_kb("VmRSS")
    result = hash_path(path, opts)
    peak = status_kb("VmHWM")
    return {
        "before_kb": before,
        "peak_kb": peak,
        "extra_mb": round((peak - before) / 1024, 1),
        "error": result.error,
        "pdq": result.signals.pdq if result.signals else None,
    }


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "png16":
        write_png16(Path(args[0]), int(args[1]), int(args[2]), *(args[3:4] or ["rgba"]))
    else:
        print(json.dumps(measure(Path(args[0]), dict(a.split("=", 1) for a in args[1:]))))
