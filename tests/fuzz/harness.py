"""What a fuzz target is, and the checks every list-format target shares.

A target is one module in ``tests/fuzz/targets/`` defining ``TARGET = Target(...)``:
a function taking arbitrary bytes that returns normally or raises one of the
``expected`` exceptions (a parser's documented refusal); anything else escaping it
is a crash. ``seeds`` start the corpus. Adding a parser is adding one such file
(see ``targets/csv.py`` for a list format, ``targets/image.py`` for media).

Target modules import Brightline inside their functions' module only; the runner
imports them under atheris' instrumentation (``instrument`` names the packages
whose code is coverage-guided), so nothing here imports Brightline at top level.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Target:
    name: str
    one_input: Callable[[bytes], None]
    expected: tuple[type[BaseException], ...]
    seeds: tuple[bytes, ...] = ()
    instrument: tuple[str, ...] = ("brightline",)
    #: libFuzzer's largest input for this target.
    max_len: int = 4096
    extra: dict[str, Any] = field(default_factory=dict)


def drain_reader(
    data: bytes,
    reader: Callable[[io.BufferedReader, bytes, str], Iterable[object]],
) -> None:
    """Run one list reader to the end over ``data`` and check what it yields.

    ``reader(buf, head, source)``: the stream (as ``read_records`` prepares it), its
    first bytes, and a source name. Records must be HashRecord or FormatError with
    a location; the FormatError it may raise must name the source.
    """
    from brightline.core.formats.streams import read_head
    from brightline.core.models import HashRecord
    from brightline.errors import FormatError

    stream = io.BytesIO(data)
    head = read_head(stream)
    try:
        for record in _records(reader, stream, head):
            if isinstance(record, HashRecord):
                if not record.value or record.value != record.value.strip():
                    raise AssertionError(f"bad value {record.value!r}")
            elif not isinstance(record, FormatError):
                raise AssertionError(f"reader yielded {type(record).__name__}")
    except FormatError as exc:
        if not exc.reason:
            raise AssertionError("FormatError without a reason") from exc


def _records(
    reader: Callable[[io.BufferedReader, bytes, str], Iterable[object]],
    stream: io.BytesIO,
    head: bytes,
) -> Iterator[object]:
    from brightline.core.formats.streams import utf8_stream

    yield from reader(utf8_stream(head, stream), head, "fuzz")


#: Starting inputs shared by the list-format targets (each adds its own).
LIST_SEEDS = (
    b"",
    b"\xef\xbb\xbf" + b"md5 d41d8cd98f00b204e9800998ecf8427e\n",
    b"\xff\xfe" + "pdq ".encode("utf-16-le"),
    b"# type: md5\nd41d8cd98f00b204e9800998ecf8427e\n",
    b"signal_type,value,category\nmd5,d41d8cd98f00b204e9800998ecf8427e,1\n",
    b"collab,signal_type,signal_str,category,tags\n1,pdq," + b"f" * 64 + b",x,a b\n",
    b"video_md5 d41d8cd98f00b204e9800998ecf8427e\n",
    b'{"@odata.context":"x/2.0.xml/US/$metadata#Media","value":[{"MD5":"'
    + b"d41d8cd98f00b204e9800998ecf8427e"
    + b'","Category":1,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"'
    + b"f" * 64
    + b'"}]}]}',
    b'{"odata.metadata":"x#Cases","value":[{"CaseID":1,"Media":[{"MD5":"ab","SHA1":"cd"}]}]}',
)
