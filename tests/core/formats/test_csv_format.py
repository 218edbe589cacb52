from __future__ import annotations

import codecs
import io

from hypothesis import given
from hypothesis import strategies as st

from brightline.core.formats import read_records, write_csv
from brightline.core.models import HashRecord
from brightline.errors import FormatError

from .conftest import MakeEntry

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"


def read(data: str | bytes) -> list[HashRecord | FormatError]:
    raw = data.encode() if isinstance(data, str) else data
    return list(read_records(io.BytesIO(raw), source="list.csv"))


def test_reads_columns_by_name_in_any_order_and_case() -> None:
    data = (
        codecs.BOM_UTF8
        + (
            "Note,VALUE,extra,Signal_Type,Category,SOURCE_ID\r\n"
            f'"seen, twice",{MD5},x,md5,A,id-1\r\n'
            f'"multi\nline ""quoted""",{SHA1},,sha1,,\r\n'
        ).encode()
    )
    assert read(data) == [
        HashRecord("md5", MD5, "A", "id-1", "seen, twice", "line 2"),
        HashRecord("sha1", SHA1, None, None, 'multi\nline "quoted"', "line 3"),
    ]


def test_without_a_type_the_type_comes_from_the_value() -> None:
    records = read(f"value,category\n{MD5},1\n{SHA1.upper()},2\n")
    assert [(r.signal_type, r.category) for r in records if isinstance(r, HashRecord)] == [
        ("md5", "1"),
        ("sha1", "2"),
    ]


def test_bad_rows_become_errors_with_the_line_they_start_on() -> None:
    data = (
        "signal_type,value\n"
        f"md5,{MD5}\n"
        "md5,\n"  # line 3: empty value
        ",abc\n"  # line 4: no type, cannot infer
        '"a\nb",' + "x" * 200_000 + "\n"  # lines 5-6: field over csv's limit
        "\n"
        f"sha1,{SHA1}\n"  # line 8
    )
    records = read(data)
    assert [(type(r).__name__, r.location) for r in records] == [
        ("HashRecord", "line 2"),
        ("FormatError", "line 3"),
        ("FormatError", "line 4"),
        ("FormatError", "line 5"),
        ("HashRecord", "line 8"),
    ]


def test_short_rows_leave_missing_columns_empty() -> None:
    assert read(f"signal_type,value,category,note\nmd5,{MD5}\n") == [
        HashRecord("md5", MD5, location="line 2")
    ]


def test_undecodable_line_is_an_error_and_numbering_stays_right() -> None:
    data = f"signal_type,value\nmd5,{MD5}\n".encode() + b"md5,\xff\n" + f"sha1,{SHA1}\n".encode()
    records = read(data)
    assert isinstance(records[1], FormatError) and records[1].location == "line 3"
    assert records[2] == HashRecord("sha1", SHA1, location="line 4")


def test_header_without_a_value_column_is_unreadable() -> None:
    try:
        read(f"signal_type,hashvalue\nmd5,{MD5}\n")
    except FormatError as exc:
        assert "'value' column" in exc.reason and exc.source == "list.csv"
    else:  # pragma: no cover
        raise AssertionError("expected FormatError")


def test_writes_header_and_rows(make_entry: MakeEntry) -> None:
    out = io.StringIO()
    entries = [make_entry("md5", MD5, category="1", note='a, "b"'), make_entry("sha1", SHA1)]
    assert write_csv(entries, out) == 2
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "signal_type,value,category,source_id,note,source,added_at,updated_at,enabled,withdrawn"
    )
    assert lines[1].startswith(f'md5,{MD5},1,,"a, ""b""",test,2024-05-01T12:00:00+00:00,')
    assert lines[1].endswith(",true,false")


HEXES = st.sampled_from([("md5", 32), ("sha1", 40), ("sha256", 64), ("pdq", 64)]).flatmap(
    lambda kind: st.tuples(
        st.just(kind[0]), st.text("0123456789abcdefABCDEF", min_size=kind[1], max_size=kind[1])
    )
)
# Values a list holds: stripped, no control characters (the readers strip whitespace).
FREE_TEXT = (
    st.text(
        st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\r\t,\"'"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@given(
    st.lists(
        st.tuples(HEXES, st.none() | FREE_TEXT, st.none() | FREE_TEXT, st.none() | FREE_TEXT),
        max_size=20,
    )
)
def test_csv_round_trip_gives_back_every_hash(make_entry: MakeEntry, rows: list) -> None:  # type: ignore[type-arg]
    entries = [
        make_entry(kind, value, category=category, source_id=source_id, note=note)
        for (kind, value), category, source_id, note in rows
    ]
    out = io.StringIO()
    write_csv(entries, out)
    records = read(out.getvalue())
    assert [
        (r.signal_type, r.value, r.category, r.source_id, r.note)
        for r in records
        if isinstance(r, HashRecord)
    ] == [(e.signal_type, e.value, e.category, e.source_id, e.note) for e in entries]
    assert len(records) == len(entries)
