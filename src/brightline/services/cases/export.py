"""Exports of a case: VICS 2.0 ``#Cases``, CSV of every file instance, the HTML report
(and a PDF of it where Chromium is installed), and ``manifest.sha256`` of them all
(``sha256sum -c`` format). Every file is written to ``.partial`` and renamed."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from brightline import __version__
from brightline.core.actor import Actor
from brightline.errors import UsageError
from brightline.services import audit
from brightline.services.cases import report
from brightline.services.cases.query import file_rows, show
from brightline.services.cases.run import limits_for
from brightline.services.cases.views import file_json, other_signals
from brightline.services.context import Services
from brightline.services.store import cases as store

FORMATS = ("vics", "csv", "html")
MANIFEST = "manifest.sha256"
VICS_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases"
CSV_COLUMNS = (
    "exhibit", "path", "size", "deleted", "md5", "sha1", "sha256", "pdq", "media_type",
    "status", "category", "matches", "error_code", "error", "duplicate_of", "copies",
    "cluster", "rank", "modified", "signals",
)  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    manifest: Path | None = None
    pdf_note: str | None = None


def export_names(case: str) -> dict[str, str]:
    return {
        "vics": f"{case}.vics.json",
        "csv": f"{case}.csv",
        "html": f"{case}-report.html",
        "pdf": f"{case}-report.pdf",
    }


def export(
    svc: Services, actor: Actor, case: str, fmt: str, out_dir: Path, *, pdf: bool = True
) -> ExportResult:
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    case_row, rows = file_rows(svc, case)
    names = export_names(case)
    result = ExportResult()
    target = out_dir / names[fmt]
    if fmt == "vics":
        _write(target, lambda fh: write_vics(case_row, rows, fh, _exhibit_ids(svc, case_row.id)))
    elif fmt == "csv":
        _write(target, lambda fh: write_csv(rows, fh), newline="")
    else:
        html = _html(svc, case, rows)
        _write(target, lambda fh: fh.write(html))
    result.files.append(target)
    if fmt == "html":
        if pdf:
            made, result.pdf_note = make_pdf(target, out_dir / names["pdf"])
            if made:
                result.files.append(out_dir / names["pdf"])
        else:
            result.pdf_note = "PDF not asked for"
    result.manifest = write_manifest(out_dir, [out_dir / n for n in names.values()])
    digests = {p.name: sha256_of(p) for p in result.files}
    with svc.store.begin() as conn:
        details = {"format": fmt, "folder": str(out_dir), "files": digests}
        audit.record(conn, actor, "case.export", f"case:{case}", details)
    return result


def _exhibit_ids(svc: Services, case_id: int) -> dict[str, int]:
    with svc.store.connect() as conn:
        return {ex.exhibit: n for n, ex in enumerate(store.exhibits(conn, case_id), 1)}


@contextmanager
def _partial(path: Path, newline: str | None = None) -> Iterator[IO[str]]:
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
        yield fh
    os.replace(tmp, path)


def _write(path: Path, fill: Callable[[IO[str]], object], newline: str | None = None) -> None:
    with _partial(path, newline) as fh:
        fill(fh)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(out_dir: Path, candidates: list[Path]) -> Path:
    present = sorted(p for p in candidates if p.is_file())
    path = out_dir / MANIFEST
    with _partial(path, "\n") as fh:
        for p in present:
            fh.write(f"{sha256_of(p)}  {p.name}\n")
    return path


# -- CSV ---------------------------------------------------------------------------


def _cell(value: object) -> object:
    """Evidence names are untrusted: keep spreadsheets from running them as formulas."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def write_csv(rows: list[dict[str, Any]], fh: IO[str]) -> None:
    writer = csv.writer(fh)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        j = file_json(row)
        j["matches"] = ";".join(
            f"{m['list']}#{m['entry']}:{m['signal_type']}:{m['distance']}:{m['category'] or ''}"
            for m in j["matches"]
        )
        j["error_code"] = row["error_code"]
        j["error"] = row["error"]
        # Signals of types without a column (vPDQ, plugin types): "type:value;…".
        j["signals"] = ";".join(f"{t}:{v}" for t, v in sorted(other_signals(row).items()))
        writer.writerow([_cell(j[c]) for c in CSV_COLUMNS])


# -- VICS 2.0 #Cases -------------------------------------------------------------------


def _vics_value(text: str) -> int | str:
    if text.isascii() and text.isdigit() and len(text) < 19 and str(int(text)) == text:
        return int(text)
    return text


def write_vics(
    case: store.CaseRow, rows: list[dict[str, Any]], fh: IO[str], sources: dict[str, int]
) -> int:
    """One Media per distinct SHA-1 with every location as a MediaFile. Known files
    carry their category (``IsPrecategorized``); a suggested category, or one from a
    list of another scheme, goes to ``Comments`` so that it is not taken as decided."""
    media: dict[str, dict[str, Any]] = {}
    for row in rows:
        if not row["sha1"]:
            continue
        m = media.get(row["sha1"])
        if m is None:
            m = media[row["sha1"]] = _media(row, len(media) + 1, case.scheme)
        m["MediaFiles"].append(_media_file(row, sources))
    body = {
        "@odata.context": VICS_CONTEXT,
        "value": [
            {
                "CaseNumber": case.name,
                "Sources": [{"SourceID": n, "EvidenceName": ex} for ex, n in sources.items()],
                "Media": list(media.values()),
            }
        ],
    }
    json.dump(body, fh, separators=(",", ":"))
    fh.write("\n")
    return len(media)


def _media(row: dict[str, Any], media_id: int, scheme: str) -> dict[str, Any]:
    m: dict[str, Any] = {"MediaID": media_id}
    category = row["category"]
    own = category is not None and ":" not in category and category != "uncategorised"
    if row["status"] == "known" and own:
        m["Category"] = _vics_value(category)
        m["IsPrecategorized"] = True
    elif row["status"] in ("known", "suggested") and category:
        m["Comments"] = (
            f"{row['status']}: category {category} (not the case's {scheme} scheme)"
            if row["status"] == "known"
            else f"suggested: category {category}, perceptual match, for review"
        )
        m["IsPrecategorized"] = False
    m["MD5"] = row["md5"]
    m["SHA1"] = row["sha1"]
    m["MediaSize"] = row["size"]
    alternatives = [{"HashName": "SHA256", "HashValue": row["sha256"]}]
    if row["pdq"]:
        alternatives.append({"HashName": "PDQ", "HashValue": row["pdq"]})
    for name, value in sorted(other_signals(row).items()):  # vPDQ, plugin types
        alternatives.append({"HashName": name.upper(), "HashValue": value})
    m["AlternativeHashes"] = alternatives
    m["MediaFiles"] = []
    return m


def _media_file(row: dict[str, Any], sources: dict[str, int]) -> dict[str, Any]:
    path = row["locator"]
    return {
        "SourceID": sources.get(row["exhibit"], 0),
        "FileName": path.rsplit("/", 1)[-1],
        "FilePath": path,
        "Unallocated": bool(row["deleted"]),
        "Written": row["modified"].isoformat() if row["modified"] else None,
    }


# -- HTML and PDF ---------------------------------------------------------------------


def _html(svc: Services, case: str, rows: list[dict[str, Any]]) -> str:
    summary = show(svc, case)
    with svc.store.connect() as conn:
        case_row = store.get_case(conn, case)
        lists = store.list_revisions(conn)
        exhibits = {ex.exhibit: (Path(ex.path), ex.id) for ex in store.exhibits(conn, case_row.id)}
    if case_row.lists:
        lists = {k: v for k, v in lists.items() if k in case_row.lists}
    matched = [
        {**file_json(r), "other_signals": other_signals(r)}
        for r in rows
        if r["status"] in ("known", "suggested")
    ]
    errors = [file_json(r) for r in rows if r["status"] == "error"]
    wanted = [(f["exhibit"], f["path"]) for f in matched if f["pdq"] and not f["duplicate_of"]]
    thumbs: dict[tuple[str, str], str] = {}
    for exhibit, (path, ex_id) in exhibits.items():
        limits = limits_for(svc, case, ex_id)
        mine = [w for w in wanted if w[0] == exhibit]
        if mine:
            thumbs.update(
                report.thumbnails({exhibit: path}, mine, limits, svc.settings.max_image_pixels)
            )
            shutil.rmtree(limits.spool_dir or "", ignore_errors=True)
    for f in matched:
        f["thumb"] = thumbs.get((f["exhibit"], f["path"]))
    context = {
        "case": summary,
        "lists": lists,
        "matched": matched,
        "errors": errors,
        "version": __version__,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "max_depth": svc.settings.archive_max_depth,
    }
    return report.render(context)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def make_pdf(html: Path, pdf: Path, timeout: float = 180.0) -> tuple[bool, str]:
    """Print the report to PDF with headless Chromium, where there is one."""
    browser = find_chromium()
    if browser is None:
        return False, "no PDF: Chromium is not installed (print the HTML report instead)"
    tmp = pdf.with_name(pdf.name + ".partial")
    args = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
        f"--user-data-dir={html.parent / '.chromium'}", f"--print-to-pdf={tmp}",
        html.resolve().as_uri(),
    ]  # fmt: skip
    try:
        subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"no PDF: Chromium failed ({exc})"
    finally:
        shutil.rmtree(html.parent / ".chromium", ignore_errors=True)
    if not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        return False, "no PDF: Chromium did not write one"
    os.replace(tmp, pdf)
    return True, f"PDF written with {Path(browser).name}"
