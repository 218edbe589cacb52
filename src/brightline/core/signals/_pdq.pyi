"""Native PDQ kernel (src/brightline/core/signals/_pdq.c)."""

def hash_plane(
    pixels: object,
    bpp: int,
    width: int,
    height: int,
    full_width: int,
    full_height: int,
    scale: int,
    orientation: int,
    dihedral: bool,
    /,
) -> tuple[int, tuple[bytes, ...]]: ...
def set_simd(enabled: bool, /) -> bool: ...
