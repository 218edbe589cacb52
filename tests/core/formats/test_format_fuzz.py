"""Every reader, on arbitrary input, yields records or FormatErrors and raises only
FormatError. Hypothesis' deadline is off: no wall-clock assertions; finishing is the
"does not hang" check."""

from __future__ import annotations

import contextlib
import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from brightline.core.formats import read_records, sniff_format
from brightline.core.models import HashRecord
from brightline.errors import FormatError

CTX = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#"
PREFIXES = [
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"signal_type,value\n",
    b"collab,signal_type,signal_str,category,tags\n",
    b"video_md5 ",
    b'{"@odata.context":"' + CTX.encode() + b'Media","value":[',
    b'{"value":[{"Media":[',
    b'{"odata.metadata":"x#Cases","value":[{"CaseID":1,"Media":[{"MD5":',
]


def drain(data: bytes) -> list[HashRecord | FormatError]:
    try:
        records = list(read_records(io.BytesIO(data), source="fuzz"))
    except FormatError as exc:
        assert exc.source == "fuzz"
        return []
    for record in records:
        assert isinstance(record, HashRecord | FormatError)
        if isinstance(record, HashRecord):
            assert record.value == record.value.strip() and record.value
            assert record.location
        else:
            assert record.source == "fuzz" and record.location
    return records


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(PREFIXES), st.binary(max_size=2000))
def test_arbitrary_bytes_after_any_format_prefix(prefix: bytes, body: bytes) -> None:
    drain(prefix + body)


@settings(deadline=None, max_examples=300)
@given(
    st.text(
        alphabet=st.sampled_from(list('0123456789abcdefABCDEF #,"\n\r\t:={}[]md5sha1pdq')),
        max_size=500,
    )
)
def test_hash_like_text(text: str) -> None:
    drain(text.encode())
    drain(("value\n" + text).encode())


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "MD5",
                    "SHA1",
                    "PhotoDNA",
                    "MediaID",
                    "Category",
                    "Comments",
                    "AlternativeHashes",
                    "HashName",
                    "HashValue",
                    "Media",
                    "value",
                    "md5",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(deadline=None, max_examples=300)
@given(JSON, st.sampled_from(["Media", "Cases"]))
def test_arbitrary_json_in_a_vics_shell(value: object, shape: str) -> None:
    doc = {"@odata.context": CTX + shape, "value": value}
    drain(json.dumps(doc).encode())
    drain(json.dumps({"value": [{"Media": value}]}).encode())


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=70_000))
def test_sniff_raises_only_format_error(head: bytes) -> None:
    with contextlib.suppress(FormatError):
        assert sniff_format(head) in {"text", "csv", "pytx", "vics", "vpdq"}


def test_deep_nesting_is_refused_or_skipped_without_building_it() -> None:
    depth = 200_000
    nest = b"[" * depth + b"]" * depth
    shell = b'{"@odata.context":"x#Media","value":['
    records = drain(shell + nest + b"]}")
    assert [r.location for r in records] == ["record 1"]
    assert isinstance(records[0], FormatError)
    records = drain(shell + b'{"MD5":"' + b"a" * 32 + b'","Junk":' + nest + b"}]}")
    assert records == [HashRecord("md5", "a" * 32, source_id="a" * 32, location="record 1")]
    records = drain(shell + b'{"AlternativeHashes":' + nest + b"}]}")
    assert "AlternativeHashes is nested deeper than 16" in str(records[0])


def test_unclosed_nesting_raises_format_error() -> None:
    try:
        list(read_records(io.BytesIO(b'{"value":[' + b"[" * 100_000), source="f"))
    except FormatError as exc:
        assert exc.location == "record 1"
    else:  # pragma: no cover
        raise AssertionError("expected FormatError")


def test_json_bomb_of_repeated_keys_and_huge_arrays_stays_bounded() -> None:
    # JSON has no entities to expand, so its "billion laughs" is sheer volume inside
    # one Media: a huge AlternativeHashes array becomes one error, not a huge object.
    alts = b",".join([b'{"HashName":"PDQ","HashValue":"' + b"f" * 64 + b'"}'] * 50_000)
    data = b'{"value":[{"MD5":"' + b"a" * 32 + b'","AlternativeHashes":[' + alts + b"]}]}"
    records = drain(data)
    assert [type(r).__name__ for r in records] == ["HashRecord", "FormatError"]
    assert "AlternativeHashes is nested deeper than" in str(records[1])
