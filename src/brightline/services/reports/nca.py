"""UK NCA reporter: a report package (``report.json``, the files, ``manifest.sha256``)
handed to a pluggable transport, because the NCA's interface is not public.

The default transport drops the package as a folder (0700, its files 0600) under
``BRIGHTLINE_NCA_DROP_DIR``: the folder holds the reported files in the clear, for
whatever carries them to the NCA, so point it at access-controlled storage. The
package is written under a temporary name and renamed when complete, and its name
is the report's reference, so delivering it again after a crash is harmless.

The drop folder holds only what its transport needs, for as long as it needs it: a
transport that sends the package elsewhere leaves nothing behind (the work folder is
removed once it has taken it), and purging a report's evidence from the vault
removes its package too (:func:`remove_package`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from brightline.core.reports.exif import picture_metadata
from brightline.core.reports.model import Report
from brightline.core.reports.nca import package_json, package_name
from brightline.services.private_files import private_folder, write_private
from brightline.services.reports.reporter import Outcome, StepContext, StepResult, StepSpec
from brightline.settings import Settings

#: Files larger than this are not read into memory for their EXIF (the headers are
#: at the front of a picture; bigger ones get their first 4 MiB looked at).
_EXIF_PREFIX = 4 << 20


class PackageTransport(Protocol):
    def deliver(self, folder: Path, name: str) -> str:
        """Take the complete package in ``folder``; return a receipt (where it went)."""
        ...


class FolderDrop:
    def __init__(self, root: Path):
        self.root = root

    def deliver(self, folder: Path, name: str) -> str:
        final = self.root / name
        if final.exists():
            shutil.rmtree(folder)
        else:
            os.replace(folder, final)
        return str(final)


class NcaReporter:
    destination = "nca"

    def __init__(self, work_dir: Path, transport: PackageTransport | None = None):
        self.work_dir = work_dir
        self.transport = transport or FolderDrop(work_dir)

    def document(self, report: Report) -> bytes:
        return json.dumps(package_json(report, {}), indent=2).encode()

    def plan(self, report: Report) -> list[StepSpec]:
        return [StepSpec("package")]

    def recover(self, step: StepSpec) -> Outcome:
        return Outcome.RETRY  # the package name is fixed: a second delivery replaces nothing

    def perform(self, step: StepSpec, ctx: StepContext) -> StepResult:
        private_folder(self.work_dir)
        tmp = self.work_dir / f".{ctx.report.ref}.partial"
        if tmp.exists():
            shutil.rmtree(tmp)
        private_folder(tmp / "files")
        lines, metadata = [], {}
        for n, item in enumerate(ctx.report.files, 1):
            rel = package_name(item, n)
            digest, prefix = _write_file(tmp / rel, ctx.open_file(item.item_id))
            metadata[item.item_id] = picture_metadata(io.BytesIO(prefix))
            lines.append(f"{digest}  {rel}")
        document = json.dumps(package_json(ctx.report, metadata), indent=2).encode()
        write_private(tmp / "report.json", [document])
        lines.append(f"{hashlib.sha256(document).hexdigest()}  report.json")
        write_private(tmp / "manifest.sha256", [("\n".join(lines) + "\n").encode()])
        ctx.archive(
            "package-request",
            {"package": ctx.report.ref, "manifest": lines, "report": json.loads(document)},
        )
        try:
            receipt = self.transport.deliver(tmp, ctx.report.ref)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # handed over (or failed): not kept here
        return StepResult(
            Outcome.DONE, ctx.report.ref, 0, f"delivered to {receipt}", {"receipt": receipt}
        )

    def retract(self, ctx: StepContext) -> StepResult:
        if ctx.remote_id is None:
            return StepResult(Outcome.DONE, text="no package was delivered")
        return StepResult(Outcome.GIVE_UP, text="a delivered NCA package cannot be retracted")

    def check(self) -> StepResult:
        return StepResult(Outcome.DONE, text=f"packages go to {self.work_dir}")


def _write_file(path: Path, chunks: Iterable[bytes]) -> tuple[str, bytes]:
    """Write one package file (0600); its SHA-256 and its first bytes (for EXIF)."""
    digest, prefix = hashlib.sha256(), bytearray()

    def tee() -> Iterator[bytes]:
        for chunk in chunks:
            digest.update(chunk)
            if len(prefix) < _EXIF_PREFIX:
                prefix.extend(chunk[: _EXIF_PREFIX - len(prefix)])
            yield chunk

    write_private(path, tee())
    return digest.hexdigest(), bytes(prefix)


def remove_package(work_dir: Path, ref: str) -> bool:
    """Remove the package of report ``ref`` (and any half-written one) from the drop
    folder; whether there was one. Called when the report's evidence is purged."""
    found = False
    for folder in (work_dir / ref, work_dir / f".{ref}.partial"):
        if folder.is_dir():
            shutil.rmtree(folder)
            found = True
    return found


def from_settings(settings: Settings) -> NcaReporter:
    """The reporter the settings describe (``destinations`` makes it when needed)."""
    return NcaReporter(settings.nca_outbox)
