from __future__ import annotations

import codecs
import io

from brightline.core.formats import read_records
from brightline.core.models import HashRecord
from brightline.errors import FormatError

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
HEX64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def read(data: bytes | str) -> list[HashRecord | FormatError]:
    raw = data.encode() if isinstance(data, str) else data
    return list(read_records(io.BytesIO(raw), source="list.txt"))


def test_bare_hashes_get_their_type_from_length() -> None:
    records = read(f"{MD5}\n{SHA1.upper()}\n  {HEX64}  \n")
    assert records == [
        HashRecord("md5", MD5, location="line 1"),
        HashRecord("sha1", SHA1.upper(), location="line 2"),
        HashRecord("pdq", HEX64, location="line 3"),  # bare 64 hex is PDQ by decision
    ]


def test_typed_lines_keep_type_as_written_and_a_trailing_note() -> None:
    records = read(f"SHA256 {HEX64}\nphotodna AAMAN+x/== seen in report 12\n")
    assert records == [
        HashRecord("SHA256", HEX64, location="line 1"),
        HashRecord("photodna", "AAMAN+x/==", note="seen in report 12", location="line 2"),
    ]


def test_type_header_line_sets_the_type_of_bare_values_below_it() -> None:
    records = read(f"{HEX64}\n# type: sha256\n{HEX64}\nmd5 {MD5}\n#Signal_Type = pdq\n{HEX64}\n")
    kinds = [r.signal_type for r in records if isinstance(r, HashRecord)]
    assert kinds == ["pdq", "sha256", "md5", "pdq"]


def test_md5sum_output_keeps_the_file_name_as_note() -> None:
    records = read(f"{MD5}  holiday photo.jpg\n{SHA1} *bin.dat\n")
    assert records == [
        HashRecord("md5", MD5, note="holiday photo.jpg", location="line 1"),
        HashRecord("sha1", SHA1, note="*bin.dat", location="line 2"),
    ]


def test_comments_blank_lines_crlf_and_bom_are_skipped() -> None:
    data = codecs.BOM_UTF8 + f"# header\r\n\r\n   \r\n{MD5}\r\n".encode()
    assert read(data) == [HashRecord("md5", MD5, location="line 4")]


def test_utf16_with_bom_is_read() -> None:
    assert read(f"md5 {MD5}\n".encode("utf-16")) == [HashRecord("md5", MD5, location="line 1")]


def test_bad_lines_become_errors_with_their_line_number_and_reading_goes_on() -> None:
    records = read(f"{MD5}\nnot-a-hash\n{'a' * 31}\n!!! {MD5}\n\xff\n{SHA1}\n".encode())
    errors = [r for r in records if isinstance(r, FormatError)]
    assert [e.location for e in errors] == ["line 2", "line 3", "line 4", "line 5"]
    assert all(e.source == "list.txt" for e in errors)
    assert "cannot tell the signal type" in errors[0].reason
    assert "expected 'value' or 'type value'" in errors[2].reason
    assert [r.location for r in records] == [f"line {n}" for n in range(1, 7)]


def test_undecodable_and_overlong_lines_are_errors_not_crashes() -> None:
    data = f"{MD5}\n".encode() + b"md5 \xff\xfe\n" + b"x" * (2 << 20) + f"\n{SHA1}\n".encode()
    records = read(data)
    assert records[0] == HashRecord("md5", MD5, location="line 1")
    assert isinstance(records[1], FormatError)
    assert records[1].location == "line 2" and "UTF-8" in records[1].reason
    assert isinstance(records[2], FormatError)
    assert records[2].location == "line 3" and "1 MiB" in records[2].reason
    assert records[3] == HashRecord("sha1", SHA1, location="line 4")


def test_pytx_local_file_splits_at_first_space_and_keeps_pytx_names() -> None:
    data = f"pdq {HEX64}\nvideo_md5 {MD5}\nraw_text some  words here\nurl https://example.org/a b\n"
    assert read(data) == [
        HashRecord("pdq", HEX64, location="line 1"),
        HashRecord("video_md5", MD5, location="line 2"),
        HashRecord("raw_text", "some  words here", location="line 3"),
        HashRecord("url", "https://example.org/a b", location="line 4"),
    ]


def test_pytx_local_file_bare_values_and_bad_types() -> None:
    records = read(f"video_md5 {MD5}\n{SHA1}\n%% {MD5}\nwhat\n")
    assert records[1] == HashRecord("sha1", SHA1, location="line 2")
    assert isinstance(records[2], FormatError) and records[2].location == "line 3"
    assert isinstance(records[3], FormatError) and records[3].location == "line 4"
