"""Inputs the fuzzer (tests/fuzz, `make fuzz`) found, kept as regressions: each must
be a DecodeError, never another exception (a crash of the scan or a 500)."""

from __future__ import annotations

import base64

import pytest

from brightline.core.signals.pdq import pdq_of_file
from brightline.errors import DecodeError

# A 16x12 noise TIFF with mutated tags: Pillow raised TypeError ('IFDRational' object
# cannot be interpreted as an integer) while setting up its decoder.
TIFF_RATIONAL_TAG = base64.b64decode(
    "SUkqAAgAAAAJAAABBAABAAAAEAAAAAEBBAABAAAADAAAAAIBAwABAAAAEAAAAAMBAwABAAAAAQAAAAYBAwABAAAAAQAAABEBBQAB"
    "AAAAegAAABYBBAABAAAADAAAABcBBAABAAAAgAEAABwBAwABAAAAAQAAAAAAAAC0ROpopY68cDDnZXnnCmD0cNbBDH3I22yxDgDy"
    "DE/GnmgPgFkCpb7+Q9OPmgH57fJoVC4ErITFdR2av9WBhPrBwkpRaAEYV38e+JRrcQCBh9J/8TpuQCnJTb/kE8DiJmpVCShIiB0H"
    "vKy90b+rdQ22afp7qeyvdpvuEChFL505bB2DXOIhFryguqUbZ/iSp2vt19gRq8ICyvfjIQvf2srDA5xOhh5XhBfdCXUVFSCZL/tD"
    "187T8LkLOOAbmxsKXvEQaHPN9nP0fvj4bbwvCeoCjGzjvzV1IzQ7Wg/Rc/+BmSXb0QUHcJWUK2r1Xxg+XPdlFSZgPlGEsjP++GRG"
    "Al4L0dLjNc9CYlYXh9KJt8U6E33geo4zrFOqynw7UBaH5KwLSM3pgMAj+Xhs7FmdkfgPHSFE/kUqbfea94mLVDeo2D9YcfURFSac"
    "Jlfu0cUosfPoXgoXWnbQDsJkmJ5tgNvzQgcbDWrteskeuCOKak+zCBgETf1dF68TCcK7Ijsm2ydEg4qCEeYyxtntcfWWRFLI6hC3"
    "CrB+uZFg12ZW6Z+umBIR"
)


@pytest.mark.parametrize("data", [TIFF_RATIONAL_TAG], ids=["tiff-rational-tag"])
def test_found_inputs_are_decode_errors(data: bytes) -> None:
    with pytest.raises(DecodeError):
        pdq_of_file(data, 1_000_000)
