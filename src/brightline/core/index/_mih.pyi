"""Types of the native MIH kernel (_mih.c)."""

from typing import Any

import numpy as np

# Anything exporting a contiguous buffer; numpy's stubs do not declare __buffer__ on 3.11.
Buffer = np.ndarray[Any, Any] | bytes | bytearray | memoryview

class Segment:
    def __init__(
        self,
        n: int,
        offsets: tuple[int, ...],
        widths: tuple[int, ...],
        shifts: tuple[int, ...],
        pbytes: int,
        hashes: Buffer,
        dead: Buffer,
        dir_his: tuple[Buffer, ...],
        dir_los: tuple[Buffer, ...],
        posts: tuple[Buffer, ...],
        /,
    ) -> None: ...
    def search(
        self, queries: Buffer, radius: int, always_probe: bool = False, /
    ) -> tuple[bytes, bytes, bytes]: ...
    def probe_stats(self, queries: Buffer, radius: int, /) -> tuple[int, int, int]: ...
    def plan(self, radius: int, /) -> tuple[int, ...] | None: ...

def scan(rows: Buffer, queries: Buffer, radius: int, /) -> tuple[bytes, bytes, bytes]: ...
def build_table(
    rows: Buffer, off: int, width: int, dir_out: Buffer, posts_out: Buffer, pbytes: int, /
) -> None: ...
def check_table(
    n: int, dir_hi: Buffer, dir_lo: Buffer, shift: int, posts: Buffer, pbytes: int, /
) -> bool: ...
def lookup(ids: Buffer, wide: bool, base: int, order: Buffer, keys: Buffer, /) -> bytes: ...
def random_reads(rows: Buffer, count: int, seed: int, /) -> int: ...
