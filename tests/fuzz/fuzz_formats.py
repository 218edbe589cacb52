"""Coverage-guided fuzzing of the hash-list readers (not run by pytest).

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz/fuzz_formats.py -max_total_time=600

Any exception other than FormatError escaping ``read_records`` is a crash.
"""

from __future__ import annotations

import io
import sys

import atheris

with atheris.instrument_imports():
    from brightline.core.formats import read_records
    from brightline.errors import FormatError


def one_input(data: bytes) -> None:
    try:
        for _ in read_records(io.BytesIO(data), source="fuzz"):
            pass
    except FormatError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
