from __future__ import annotations

import codecs
import io
import json
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.core.formats import read_records, write_vics
from brightline.core.models import HashRecord
from brightline.errors import FormatError, UsageError

from .conftest import MakeEntry

CTX = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#"
MD5 = "D41D8CD98F00B204E9800998ECF8427E"
SHA1 = "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PHOTODNA = "AAMAN" + "A" * 183 + "==="


def read(data: bytes | dict[str, object]) -> list[HashRecord | FormatError]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(read_records(io.BytesIO(raw), source="set.json"))


def media(**fields: object) -> dict[str, object]:
    return {"MediaID": 7, "Category": 1, "MD5": MD5, **fields}


def test_hash_set_media_yield_one_record_per_hash() -> None:
    item = media(
        SHA1=SHA1,
        PhotoDNA=PHOTODNA,
        Comments=" seen twice ",
        VictimIdentified="false",
        IsDistributed="True",
        MediaFiles=[{"FileName": "a.jpg", "FilePath": "/x"}],
        AlternativeHashes=[
            {"HashName": "PDQ", "HashValue": PDQ},
            {"HashName": "SHA-256", "HashValue": SHA256},
        ],
    )
    assert read({"@odata.context": CTX + "Media", "value": [item]}) == [
        HashRecord(kind, value, "1", "7", "seen twice", "record 1")
        for kind, value in [
            ("md5", MD5),
            ("sha1", SHA1),
            ("photodna", PHOTODNA),
            ("pdq", PDQ),
            ("sha256", SHA256),
        ]
    ]


def test_context_last_or_missing_reads_the_same() -> None:
    items = [media(), media(MediaID=8, MD5=MD5.lower(), Category="2")]
    first = read({"@odata.context": CTX + "Media", "value": items})
    assert read({"value": items, "@odata.context": CTX + "Media"}) == first
    assert read({"value": items}) == first
    assert [(r.value, r.category, r.source_id) for r in first] == [  # type: ignore[union-attr]
        (MD5, "1", "7"),
        (MD5.lower(), "2", "8"),
    ]


def test_case_exports_read_media_of_every_case_in_order() -> None:
    doc = {
        "@odata.context": CTX + "Cases",
        "value": [
            {"CaseID": "a", "Media": [media(MediaID=1), media(MediaID=2)], "CaseNumber": "x"},
            {"Media": [], "CaseID": "empty"},
            {"CaseID": "b", "Media": [media(MediaID=3, MD5=None, SHA1=SHA1)]},
        ],
    }
    records = read(doc)
    assert [(r.signal_type, r.source_id, r.location) for r in records] == [  # type: ignore[union-attr]
        ("md5", "1", "record 1"),
        ("md5", "2", "record 2"),
        ("sha1", "3", "record 3"),
    ]


def test_vics_1x_case_with_photodna_and_repeated_sha1_in_alternative_hashes() -> None:
    doc = {
        "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",
        "value": [
            {
                "Media": [
                    {
                        "MediaSize": "2835",
                        "MD5": MD5,
                        "SHA1": SHA1,
                        "Category": "3",
                        "odata.id": f'Media("{MD5}")',
                        "AlternativeHashes": [
                            {"MD5": MD5, "HashName": "SHA1", "HashValue": SHA1.lower()},
                            {"MD5": MD5, "HashName": "PhotoDNA", "HashValue": PHOTODNA},
                        ],
                    }
                ]
            }
        ],
    }
    assert read(doc) == [
        HashRecord("md5", MD5, "3", MD5, None, "record 1"),  # no MediaID: MD5 is the id
        HashRecord("sha1", SHA1, "3", MD5, None, "record 1"),
        HashRecord("photodna", PHOTODNA, "3", MD5, None, "record 1"),
    ]


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode(),
        lambda text: text.encode("utf-16"),
        lambda text: text.encode("utf-16-be").join([codecs.BOM_UTF16_BE, b""]),
    ],
)
def test_byte_order_marks(encode: object) -> None:
    text = json.dumps(
        {"@odata.context": CTX + "Media", "value": [media(Comments="caf\u00e9 \U0001f600")]}
    )
    records = read(encode(text))  # type: ignore[operator]
    assert records == [HashRecord("md5", MD5, "1", "7", "caf\u00e9 \U0001f600", "record 1")]


def test_property_names_in_any_case_and_numbers_as_floats() -> None:
    item = {"md5": MD5, "mediaid": "guid-1", "CATEGORY": 2.0, "alternativehashes": []}
    assert read({"value": [item]}) == [HashRecord("md5", MD5, "2", "guid-1", None, "record 1")]


def test_bad_media_are_errors_and_reading_goes_on() -> None:
    items = [
        5,
        media(MD5=None),  # no hash at all
        media(MD5=12),
        media(Category={"a": 1}),
        media(AlternativeHashes=[{"HashValue": PDQ}, {"HashName": "PDQ", "HashValue": PDQ}]),
        media(AlternativeHashes="PDQ"),
        media(MediaFiles=[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]),  # skipped, not built
        media(AlternativeHashes=[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]),  # too deep
    ]
    records = read({"@odata.context": CTX + "Media", "value": items})
    summary = [(type(r).__name__, r.location) for r in records]
    assert summary == [
        ("FormatError", "record 1"),
        ("FormatError", "record 2"),
        ("FormatError", "record 3"),
        ("FormatError", "record 4"),
        ("HashRecord", "record 5"),
        ("FormatError", "record 5"),
        ("HashRecord", "record 5"),
        ("HashRecord", "record 6"),
        ("FormatError", "record 6"),
        ("HashRecord", "record 7"),
        ("HashRecord", "record 8"),
        ("FormatError", "record 8"),
    ]
    assert all(r.source == "set.json" for r in records if isinstance(r, FormatError))


@pytest.mark.parametrize(
    ("data", "reason", "location"),
    [
        (b'{"value":[{"MD5":"' + MD5.encode() + b'"},{"MD5":"ab"', "broken JSON", "record 2"),
        (b'{"value":[{"MD5":"' + MD5.encode() + b'"} {}]}', "broken JSON", "record 2"),
        (b'{"value": {"MD5": "x"}}', "not an array", "record 1"),
        (b'{"@odata.context": "x#Media", "values": []}', "no 'value' array", "record 1"),
        (b'{"value":[{"MD5":"\xff"}]}', "broken JSON", "record 1"),
        (b'{"value":[{"MediaID":1' + b"0" * 5000 + b"}]}", "broken JSON", "record 1"),
    ],
)
def test_broken_structure_raises_with_location(data: bytes, reason: str, location: str) -> None:
    records: list[object] = []
    with pytest.raises(FormatError) as caught:
        records.extend(read_records(io.BytesIO(data), source="set.json"))
    assert reason in caught.value.reason
    assert caught.value.location == location
    assert caught.value.source == "set.json"
    assert "\n" not in str(caught.value)


def test_writer_groups_entries_of_one_media(make_entry: MakeEntry) -> None:
    entries = [
        make_entry("md5", MD5, source_id="12", category="1", note="n"),
        make_entry("pdq", PDQ, source_id="12", category="1", note="n"),
        make_entry("sha1", SHA1, source_id="12", category="1", note="n"),
        make_entry("sha256", SHA256, source_id="12", category="1", note="n"),
        make_entry("photodna", PHOTODNA, source_id="12", category="1", note="n"),
        make_entry("md5", MD5.lower(), source_id="12", category="1", note="n"),  # 2nd MD5
        make_entry("pdq", PDQ, source_id="0013", category="B"),
        make_entry("pdq", PDQ),
    ]
    out = io.StringIO()
    assert write_vics(entries, out, profile="UK") == 4
    doc = json.loads(out.getvalue())
    assert doc["@odata.context"] == (
        "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media"
    )
    assert doc["value"] == [
        {
            "MediaID": 12,
            "Category": 1,
            "Comments": "n",
            "MD5": MD5,
            "SHA1": SHA1,
            "PhotoDNA": PHOTODNA,
            "AlternativeHashes": [
                {"HashName": "PDQ", "HashValue": PDQ},
                {"HashName": "SHA256", "HashValue": SHA256},
            ],
        },
        {"MediaID": 12, "Category": 1, "Comments": "n", "MD5": MD5.lower()},
        {
            "MediaID": "0013",
            "Category": "B",
            "AlternativeHashes": [{"HashName": "PDQ", "HashValue": PDQ}],
        },
        {"AlternativeHashes": [{"HashName": "PDQ", "HashValue": PDQ}]},
    ]


def test_writer_refuses_a_profile_that_would_break_the_context_url() -> None:
    with pytest.raises(UsageError):
        write_vics([], io.StringIO(), profile="US/$metadata#Cases")


def test_empty_hash_set_round_trips_to_nothing() -> None:
    out = io.StringIO()
    assert write_vics([], out) == 0
    assert read(out.getvalue().encode()) == []


# A small pool makes repeats and case-only differences (hex vs base64) likely.
VALUES = st.sampled_from(["ab", "AB", "Ab+/", "ab+/", "0123"]) | st.text(
    "0123456789abcdefABCDEF+/=", min_size=1, max_size=70
)
KIND_VALUES = st.tuples(
    st.sampled_from(["md5", "sha1", "sha256", "pdq", "photodna", "vpdq"]), VALUES
)
SMALL_TEXT = st.none() | st.text(
    st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=12
).map(str.strip).filter(bool)
IDS = st.none() | st.sampled_from(["1", "2", "007", "abc"]) | st.integers(0, 10**20).map(str)


@given(st.lists(st.tuples(KIND_VALUES, IDS, SMALL_TEXT, SMALL_TEXT), max_size=25))
def test_vics_round_trip_gives_back_every_hash(make_entry: MakeEntry, rows: list) -> None:  # type: ignore[type-arg]
    entries = [
        make_entry(kind, value, source_id=source_id, category=category, note=note)
        for (kind, value), source_id, category, note in rows
    ]
    out = io.StringIO()
    write_vics(entries, out)
    records = read(out.getvalue().encode())
    assert all(isinstance(r, HashRecord) for r in records)

    def expected_id(entry: object) -> str | None:
        # Without a MediaID the reader names a Media by its MD5, when it has one.
        if entry.source_id is not None:  # type: ignore[attr-defined]
            return entry.source_id  # type: ignore[attr-defined,no-any-return]
        return entry.value if entry.signal_type == "md5" else None  # type: ignore[attr-defined]

    want = Counter((e.signal_type, e.value, e.category, expected_id(e), e.note) for e in entries)
    got = Counter((r.signal_type, r.value, r.category, r.source_id, r.note) for r in records)  # type: ignore[union-attr]
    assert got == want


def test_values_differing_only_in_case_survive_a_round_trip(make_entry: MakeEntry) -> None:
    # Hex repeated in another case is one hash; base64 (PhotoDNA) in another case is not.
    entries = [
        make_entry("pdq", PDQ, source_id="1"),
        make_entry("pdq", PDQ.upper(), source_id="1"),
        make_entry("photodna", "Ab+/", source_id="2"),
        make_entry("photodna", "ab+/", source_id="2"),
    ]
    out = io.StringIO()
    write_vics(entries, out)
    records = read(out.getvalue().encode())
    assert [(r.signal_type, r.value) for r in records] == [  # type: ignore[union-attr]
        (e.signal_type, e.value) for e in entries
    ]


_ONE = b'{"value":[{"MD5":"' + MD5.encode() + b'"}]}'


@pytest.mark.parametrize(
    "tail",
    [
        b"garbage",
        b"\x00",
        b" }",
        b"1",
        b'"x"',
        b"[]",
        b"{}",
        _ONE,  # a second document
        b"\n" + _ONE,
    ],
)
def test_data_after_the_document_makes_the_file_unreadable(tail: bytes) -> None:
    records: list[object] = []
    with pytest.raises(FormatError) as caught:
        records.extend(read_records(io.BytesIO(_ONE + tail), source="set.json"))
    assert "data after the end of the VICS document" in caught.value.reason
    assert caught.value.location == "after the document"
    assert caught.value.source == "set.json"


@pytest.mark.parametrize("tail", [b"", b"\n", b"  \r\n\t\n"])
def test_white_space_after_the_document_is_fine(tail: bytes) -> None:
    assert read(_ONE + tail) == [HashRecord("md5", MD5, None, MD5, None, "record 1")]
