from __future__ import annotations

import io

from brightline.core.formats import read_records
from brightline.core.models import HashRecord
from brightline.errors import FormatError

PDQ = "f" * 64
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def read(data: str) -> list[HashRecord | FormatError]:
    return list(read_records(io.BytesIO(data.encode()), source="collab.csv"))


def test_reads_threatexchange_dataset_csv() -> None:
    # What `threatexchange dataset -P --csv` prints.
    data = (
        "collab,signal_type,signal_str,category,tags\r\n"
        f"Sample Data,pdq,{PDQ},POSITIVE_CLASS,media_type_photo sample\r\n"
        f"Sample Data,video_md5,{MD5},INVESTIGATION_SEED,\r\n"
        'Other,raw_text,"hello, world",TRUE_POSITIVE,\r\n'
    )
    assert read(data) == [
        HashRecord(
            "pdq",
            PDQ,
            category="POSITIVE_CLASS",
            note="collab: Sample Data; tags: media_type_photo sample",
            location="line 2",
        ),
        HashRecord(
            "video_md5",
            MD5,
            category="INVESTIGATION_SEED",
            note="collab: Sample Data",
            location="line 3",
        ),
        HashRecord(
            "raw_text",
            "hello, world",
            category="TRUE_POSITIVE",
            note="collab: Other",
            location="line 4",
        ),
    ]


def test_dataset_rows_without_signal_are_errors() -> None:
    records = read(f"collab,signal_type,signal_str\nA,pdq,\nA,,{PDQ}\nA,pdq,{PDQ}\n")
    assert [type(r).__name__ for r in records] == ["FormatError", "FormatError", "HashRecord"]
    assert [r.location for r in records] == ["line 2", "line 3", "line 4"]
