"""A scan's results as JSON lines on disk, so an interrupted scan resumes.

Each finished file is one line, flushed as it is written. Resuming reads the lines
back, skips those files, drops a last line that was cut off mid-write, and appends.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from brightline.core.models import ScanResult
from brightline.errors import UsageError


@dataclass
class ScanLog:
    path: Path
    done: set[str] = field(default_factory=set)
    matched: int = 0
    errors: int = 0
    #: Files that could not be checked, by error code.
    reasons: dict[str, int] = field(default_factory=dict)
    _out: TextIO | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path, *, resume: bool) -> ScanLog:
        """Start a new log (refusing to overwrite one), or resume an existing one."""
        log = cls(path)
        if resume and path.exists():
            log._read_back()
        elif path.exists() and path.stat().st_size:
            raise UsageError(f"{path} already holds results: pass --resume to carry on")
        log._out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        return log

    def write(self, result: ScanResult) -> None:
        assert self._out is not None
        self._out.write(json.dumps(result.as_dict(), separators=(",", ":")) + "\n")
        self._out.flush()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()

    def _read_back(self) -> None:
        good_bytes = 0
        with open(self.path, "rb") as fh:
            for line in fh:
                try:
                    row = json.loads(line) if line.endswith(b"\n") else None
                except ValueError:
                    row = None
                if not isinstance(row, dict) or "path" not in row:
                    break  # cut off by the interruption: redo from here
                good_bytes += len(line)
                self.done.add(str(row["path"]))
                self.matched += bool(row.get("matches"))
                self._count_error(row.get("error"))
        if good_bytes < self.path.stat().st_size:
            os.truncate(self.path, good_bytes)

    def _count_error(self, error: object) -> None:
        if error is None:
            return
        self.errors += 1
        # {"code", "message"} since error codes; a bare message in older logs.
        code = str(error.get("code", "error")) if isinstance(error, dict) else "error"
        self.reasons[code] = self.reasons.get(code, 0) + 1
