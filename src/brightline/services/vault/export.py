"""A vault export for law enforcement: a report's files, its document, the archived
requests and answers, ``report.json`` and a ``manifest.sha256`` a recipient checks
with ``sha256sum -c``. The export is audited (``vault.export``); the files it writes
are plaintext, for the recipient."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from brightline.core.actor import Actor
from brightline.errors import NotFoundError, UsageError
from brightline.services import audit
from brightline.services.private_files import create_private_file, private_folder, write_private
from brightline.services.store import reports as store_reports
from brightline.services.vault import Vault, VaultObject, check_reader


def export(vault: Vault, report_id: int, dest: Path, actor: Actor, document: str) -> Path:
    """Write the report's files, document, answers and ``manifest.sha256`` to ``dest``."""
    check_reader(actor)
    objects = [o for o in vault.objects(report_id) if o.purged_at is None]
    if not objects:
        raise NotFoundError(f"the vault holds nothing for report {report_id}")
    if dest.exists() and any(dest.iterdir()):
        raise UsageError(f"{dest} is not empty; export into a new folder")
    private_folder(dest)
    with vault.store.begin() as conn:
        rows = store_reports.vault_rows(conn, [o.id for o in objects])
        audit.record(
            conn,
            actor,
            "vault.export",
            f"report:{report_id}",
            {"objects": len(objects), "to": str(dest)},
        )
    lines = []
    for obj in objects:
        if rows[obj.id].wrapped_key is None:  # purged since it was listed
            continue
        rel = _export_name(obj)
        target = dest / rel
        private_folder(target.parent)
        digest = hashlib.sha256()
        row = rows[obj.id]
        with os.fdopen(create_private_file(target), "wb") as out:
            for chunk in vault.chunks(row.blob, bytes(row.wrapped_key)):
                digest.update(chunk)
                out.write(chunk)
        lines.append(f"{digest.hexdigest()}  {rel}")
    write_private(dest / "report.json", [document.encode()])
    lines.append(f"{hashlib.sha256(document.encode()).hexdigest()}  report.json")
    write_private(dest / "manifest.sha256", [("\n".join(lines) + "\n").encode()])
    return dest


def _export_name(obj: VaultObject) -> str:
    folder = {"file": "files", "report": "report", "exchange": "exchanges"}.get(obj.kind, "other")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", obj.name).strip("._") or "object"
    return f"{folder}/{obj.id:05d}-{safe[:100]}"
