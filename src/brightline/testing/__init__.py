"""Contract tests a signal type or an index can inherit to prove itself.

As python-threatexchange ships its own, these are plain classes whose ``test_``
methods pytest collects in a subclass named ``Test…``::

    from brightline.testing import IndexContract, SignalTypeContract

    class TestMyType(SignalTypeContract):
        signal_type = MY_TYPE
        valid_values = ["00ff…", "0f0f…"]
        invalid_values = ["", "xyz"]

    class TestMyIndex(IndexContract):
        signal_type = MY_TYPE

        def random_value(self, rng):
            return f"{rng.getrandbits(64):016x}"

Brightline's own tests run them for MD5, SHA-1, SHA-256, PDQ and its PDQ indexes
(multi-index hashing and the brute-force oracle). The checks need nothing but the
signal type: pytest's ``tmp_path`` fixture is the only one used.
"""

from brightline.testing.contracts import IndexContract, SignalTypeContract

__all__ = ["IndexContract", "SignalTypeContract"]
