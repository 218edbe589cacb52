"""The ``vpdq`` type against the signal-type contract (values only: a computed vPDQ
value is the frames' digest, which is not an importable value, so no sample content)."""

from __future__ import annotations

from brightline.core.signals.vpdq import VPDQ
from brightline.testing import SignalTypeContract


class TestVpdq(SignalTypeContract):
    signal_type = VPDQ
    valid_values = (
        f"0,100,{'0' * 64},0.000",
        f"0,100,{'f' * 64},0.000;30,90,{'0f' * 32},1.000",
    )
    invalid_values = ("", "0,100,xyz,0.0", f"0,100,{'0' * 63},0.000", "[1, 2]")
