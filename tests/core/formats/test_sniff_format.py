from __future__ import annotations

import codecs
import gzip
import io
import json

import pytest

from brightline.core.formats import read_records, sniff_format
from brightline.errors import FormatError

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
VICS_MEDIA = {
    "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
    "value": [{"MD5": MD5.upper()}],
}


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"", "text"),
        (f"{MD5}\n".encode(), "text"),
        (f"# exported list\n\nmd5 {MD5}\n".encode(), "text"),
        (f"signal_type,value\nmd5,{MD5}\n".encode(), "csv"),
        (f'"Value","Signal_Type"\r\n{MD5},md5\r\n'.encode(), "csv"),
        (codecs.BOM_UTF8 + f"value,category\n{MD5},1\n".encode(), "csv"),
        (b"collab,signal_type,signal_str,category,tags\n", "pytx"),
        (f"pdq {'0' * 64}\nvideo_md5 {MD5}\n".encode(), "pytx"),
        (json.dumps(VICS_MEDIA).encode(), "vics"),
        (
            b'  \n{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases"',
            "vics",
        ),
        (b'{"value":[{"MD5":"AB"', "vics"),
        (codecs.BOM_UTF8 + json.dumps(VICS_MEDIA).encode(), "vics"),
        (json.dumps(VICS_MEDIA).encode("utf-16"), "vics"),
        (f"md5 {MD5}\n".encode("utf-16-le"), None),  # UTF-16 without a BOM looks binary
    ],
)
def test_sniffs_format_from_content(head: bytes, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(FormatError):
            sniff_format(head)
    else:
        assert sniff_format(head) == expected


def test_utf16_head_cut_inside_a_character_still_sniffs() -> None:
    doc = {**VICS_MEDIA, "value": [{"MD5": MD5, "Comments": "\U0001f600"}]}
    data = json.dumps(doc, ensure_ascii=False).encode("utf-16")
    for cut in range(len(data) - 10, len(data)):  # some cuts fall inside the surrogate pair
        assert sniff_format(data[:cut]) == "vics"


@pytest.mark.parametrize(
    ("head", "words"),
    [
        (gzip.compress(b"md5 x\n", mtime=0), "gzip"),
        (b"PK\x03\x04rest", "zip"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(256)) * 4, "binary"),
        (b'{"name": "not a hash list"}', "not VICS"),
        (b'[{"MD5": "x"}]', "JSON array"),
        (b"\xff\xfe\x00\xd8A\x00", "UTF-16"),  # a high surrogate without its pair
    ],
)
def test_refuses_what_is_not_a_hash_list(head: bytes, words: str) -> None:
    with pytest.raises(FormatError) as caught:
        sniff_format(head)
    assert words in str(caught.value)
    assert caught.value.location == "byte 0"


def test_a_few_stray_control_bytes_do_not_make_text_binary() -> None:
    head = (f"{MD5}\n" * 200).encode() + b"\x01"
    assert sniff_format(head) == "text"


def test_read_records_raises_sniff_errors_with_the_source_name() -> None:
    with pytest.raises(FormatError) as caught:
        list(read_records(io.BytesIO(gzip.compress(b"x")), source="upload.gz"))
    assert caught.value.source == "upload.gz"
    assert str(caught.value).startswith("upload.gz, byte 0: the file is gzip-compressed")


def test_read_records_sniffs_past_short_reads() -> None:
    class Trickle(io.RawIOBase):
        """Returns one byte a read, as pipes and sockets may."""

        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            if not self.data:
                return 0
            buffer[0:1], self.data = self.data[:1], self.data[1:]
            return 1

    records = list(read_records(Trickle(f"signal_type,value\nmd5,{MD5}\n".encode())))  # type: ignore[arg-type]
    assert [r.value for r in records] == [MD5]  # type: ignore[union-attr]
