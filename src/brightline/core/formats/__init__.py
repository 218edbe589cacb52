"""Hash-list file formats: readers (sniffed from content) and writers.

Readers yield ``HashRecord`` for each hash and ``FormatError`` (not raised) for each
record that cannot be read, so the caller chooses the bad-row policy; an error that
makes the rest of the file unreadable is raised.

Formats: plain text (``text``), CSV with a header (``csv``), python-threatexchange's
signal files and dataset CSV (``pytx``), VICS 2.0/1.x JSON (``vics``) and the
``vpdq`` tool's per-video hash file (``vpdq``). Each module's docstring
gives its format's rules; ``infer`` says how a type is told from a bare value.
"""

from brightline.core.formats.csvfile import write_csv
from brightline.core.formats.pytx import write_pytx
from brightline.core.formats.read import read_records
from brightline.core.formats.sniff import FORMATS, sniff_format
from brightline.core.formats.vics_write import write_vics

__all__ = ["FORMATS", "read_records", "sniff_format", "write_csv", "write_pytx", "write_vics"]
