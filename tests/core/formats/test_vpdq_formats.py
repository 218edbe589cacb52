"""vpdq tool files, python-threatexchange's vPDQ signal, and the canonical text."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.core.formats import read_records, sniff_format
from brightline.core.models import HashRecord
from brightline.core.signals import get, vpdq
from brightline.errors import FormatError, InvalidHashError

H1, H2 = "a" * 64, "0f" * 32
VPDQ_FILE = f"0,100,{H1},0.000\n30,90,{H2},1.000\n60,20,{H2.upper()},2.000\n"


def test_vpdq_file_is_one_record_named_after_the_file() -> None:
    assert sniff_format(VPDQ_FILE.encode()) == "vpdq"
    (rec,) = list(read_records(io.BytesIO(VPDQ_FILE.encode()), source="dir/clip-7.txt"))
    assert isinstance(rec, HashRecord)
    assert rec.signal_type == "vpdq" and rec.source_id == "clip-7"
    frames = vpdq.parse(rec.value)
    assert [(f.frame, f.quality, f.timestamp) for f in frames] == [
        (0, 100, 0),
        (30, 90, 1),
        (60, 20, 2),
    ]


def test_normalize_drops_low_quality_and_repeats() -> None:
    text = get("vpdq").normalize(VPDQ_FILE)
    assert text == f"0,100,{H1},0.000;30,90,{H2},1.000"


def test_pytx_json_signal_round_trips() -> None:
    frames = vpdq.parse(VPDQ_FILE)[:2]
    js = vpdq.to_pytx(frames)
    assert json.loads(js) == [f"{H1},100,0.000", f"{H2},90,1.000"]
    assert [(f.pdq, f.quality, f.timestamp) for f in vpdq.parse(js)] == [
        (f.pdq, f.quality, f.timestamp) for f in frames
    ]


def test_pytx_text_and_dataset_shapes_are_read() -> None:
    js = vpdq.to_pytx(vpdq.parse(VPDQ_FILE))
    text = f"vpdq {js}\n".encode()
    assert sniff_format(text) == "pytx"
    (rec,) = list(read_records(io.BytesIO(text)))
    assert isinstance(rec, HashRecord) and rec.signal_type == "vpdq"
    quoted = js.replace('"', '""')
    csv = f'collab,signal_type,signal_str,category,tags\nc,vpdq,"{quoted}",POSITIVE_CLASS,\n'
    (rec,) = list(read_records(io.BytesIO(csv.encode())))
    assert isinstance(rec, HashRecord) and len(vpdq.parse(rec.value)) == 3


@pytest.mark.parametrize(
    "bad",
    ["", "[]", "[1]", '["zz,1,0"]', "0,100,abc,0.0", f"0,101,{H1},0", f"x,1,{H1},0", "{"],
)
def test_bad_values_are_refused(bad: str) -> None:
    with pytest.raises(InvalidHashError):
        get("vpdq").normalize(bad)


def test_a_bad_line_in_a_vpdq_file_says_where() -> None:
    data = f"0,100,{H1},0.000\n1,100,{H1}\n".encode()
    items = list(read_records(io.BytesIO(data), source="x.txt"))
    assert isinstance(items[-1], FormatError) and "line 2" in str(items[-1])


@given(st.text(max_size=300))
def test_parse_never_crashes(text: str) -> None:
    with contextlib.suppress(InvalidHashError):
        vpdq.parse(text)
