"""Signal types: canonical values, aliases, clear errors; Hamming oracle."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.core import signals
from brightline.core.signals.hexhash import PDQ
from brightline.errors import InvalidHashError


def test_normalize_canonicalises() -> None:
    assert signals.normalize("MD5", " 0X" + "AB" * 16 + "\n") == ("md5", "ab" * 16)
    assert signals.normalize("SHA-1", "0" * 40) == ("sha1", "0" * 40)
    assert signals.normalize("pdq_hash", "F" * 64) == ("pdq", "f" * 64)


@pytest.mark.parametrize(
    ("signal_type", "value"),
    [("md5", "abc"), ("md5", "g" * 32), ("sha256", "0" * 63), ("pdq", ""), ("pdq", "0" * 65)],
)
def test_invalid_values_say_why(signal_type: str, value: str) -> None:
    with pytest.raises(InvalidHashError, match=f"not a valid {signal_type}"):
        signals.normalize(signal_type, value)


def test_unknown_type() -> None:
    with pytest.raises(InvalidHashError, match="unknown signal type 'tlsh'"):
        signals.normalize("tlsh", "00")


@given(st.integers(0, 2**256 - 1), st.integers(0, 2**256 - 1))
def test_pdq_distance_is_popcount_of_xor(a: int, b: int) -> None:
    ha, hb = f"{a:064x}", f"{b:064x}"
    assert PDQ.distance(ha, hb) == bin(a ^ b).count("1") == PDQ.distance(hb, ha)


@given(st.text(max_size=100))
def test_normalize_never_raises_anything_else(text: str) -> None:
    for name in signals.names():
        with contextlib.suppress(InvalidHashError):
            signals.normalize(name, text)


class _Plugin(signals.SignalTypeBase):
    name = "plugin_digest"


def test_entry_points_are_discovered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    class _EntryPoint:
        value = "tests:_Plugin"

        def load(self) -> type[_Plugin]:
            return _Plugin  # a class: the registry makes the instance

    class _Broken:
        value = "tests:broken"

        def load(self) -> object:
            raise ImportError("plugin is missing a dependency")

    calls = []

    def entry_points(group: str) -> list[object]:
        calls.append(group)
        return [_EntryPoint(), _Broken()]

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    monkeypatch.setattr(signals, "_discovered", False)
    try:
        assert signals.get("PLUGIN_DIGEST").name == "plugin_digest"
        assert "plugin_digest" in signals.names()
        assert calls == ["brightline.signal_types"]  # once, and a broken one is skipped
        assert [p.name for p in signals.plugins()] == ["plugin_digest"]
    finally:
        signals.unregister("plugin_digest")


def test_registered_types_and_aliases() -> None:
    before = signals.generation()
    signals.register(_Plugin(), aliases=("Plugin-Digest",))
    try:
        assert signals.get("plugin-digest").name == "plugin_digest"
        assert signals.generation() > before
        assert signals.is_exact("plugin_digest") and not signals.is_exact("pdq")
        assert signals.is_exact("never-registered")
    finally:
        signals.unregister("plugin_digest")
    assert signals.find("plugin-digest") is None
    with pytest.raises(ValueError, match="built in"):
        signals.unregister("pdq")


def test_file_signals_keep_their_fields_and_json_keys() -> None:
    from brightline.core.models import FileSignals
    from brightline.core.signals import SignalValue

    s = FileSignals.of("a" * 32, "b" * 40, "c" * 64, 10, "image/png", "d" * 64, 90)
    assert (s.md5, s.sha1, s.sha256, s.pdq, s.pdq_quality, s.pdq_dihedral) == (
        "a" * 32,
        "b" * 40,
        "c" * 64,
        "d" * 64,
        90,
        None,
    )
    assert list(s.as_dict()) == [
        "md5",
        "sha1",
        "sha256",
        "size",
        "media_type",
        "pdq",
        "pdq_quality",
    ]
    s.signals["pdq"] = SignalValue(
        "d" * 64, 90, ("e" * 64,), {"pdq_dihedral": ["d" * 64, "e" * 64]}
    )
    assert s.pdq_dihedral == ["d" * 64, "e" * 64] == s.as_dict()["pdq_dihedral"]
    assert s.hashes() == {"md5": "a" * 32, "sha1": "b" * 40, "sha256": "c" * 64, "pdq": "d" * 64}
