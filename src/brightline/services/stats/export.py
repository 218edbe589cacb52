"""Transparency exports: the figures a regulator's report asks for, with a data
dictionary and caveats, written as CSV and JSON into a folder. Always suppressed.

Formats:

- ``eu-2021-1232``: the annual report of Regulation (EU) 2021/1232, Article
  3(1)(g)(vii): types and volumes of data processed, cases identified and reported,
  complaints and their outcome, error rates, the measures that limit errors,
  retention and safeguards. Figures Brightline cannot know (the legal ground,
  complaints to a judicial authority) are listed as ``provider`` entries to fill in.
- ``ofcom``: Ofcom sets each transparency notice's questions itself, so the export is
  a template (``ofcom_template.json``) mapping Brightline's figures to the questions
  such notices ask about CSEA content; the provider edits the question texts to the
  notice's.
- ``ncmec-esp``: NCMEC-style counts: CyberTipline reports by month and state, the
  content matched and the files behind them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from brightline.core.actor import Actor
from brightline.core.stats.suppression import MARK, Margin, suppress
from brightline.errors import InputError
from brightline.services import audit
from brightline.services.stats import report
from brightline.services.stats.service import check_reader
from brightline.services.store import Store
from brightline.settings import Settings

FORMATS = ("eu-2021-1232", "ofcom", "ncmec-esp")


@dataclass(frozen=True)
class Spec:
    """One published figure: a count (``measure``), over the whole range or split by
    ``group`` (a dimension) or by month (``group="month"``)."""

    id: str
    measure: str
    group: str | None
    title: str
    definition: str
    #: The article point, notice question or NCMEC heading it answers.
    answers: str = ""


_ITEMS = "Content items Brightline checked (hashed and matched) from every source"
_MATCHES = "Matches of checked content against hash lists of known material"

EU: tuple[Spec, ...] = (
    Spec("eu.data.items", "items", None, "Items processed", _ITEMS,
         "Art. 3(1)(g)(vii): type and volume of data processed"),
    Spec("eu.data.items_by_type", "items", "content_type", "Items processed by type",
         "Items by content type (photo, video, file)", "type and volume of data processed"),
    Spec("eu.data.items_by_source", "items", "source", "Items processed by source",
         "Items by how they came in (scan, upload, case, stream)",
         "type and volume of data processed"),
    Spec("eu.cases.matched_items", "matched_items", None, "Items identified",
         "Items matching at least one hash list entry", "number of cases identified"),
    Spec("eu.cases.matches_by_category", "matches", "category", "Matches by category",
         _MATCHES + ", by the list entry's category", "number of cases identified"),
    Spec("eu.cases.matches_by_method", "matches", "method", "Matches by technology",
         "Matches by method: exact (cryptographic hash) or perceptual (PDQ, vPDQ)",
         "number of cases identified; technologies used"),
    Spec("eu.cases.confirmed", "review_confirmed", None, "Cases confirmed by a person",
         "Review items confirmed as illegal by trained reviewers",
         "number of cases identified"),
    Spec("eu.reports.filed_by_destination", "reports_filed", "destination",
         "Reports filed by organisation",
         "Reports accepted by the organisation acting in the public interest",
         "cases reported; organisations with which data was shared"),
    Spec("eu.errors.rejected_by_list", "review_rejected", "list",
         "Matches found not to be abuse (false positives), by list",
         "Review items rejected as not illegal, per list", "numbers of errors"),
    Spec("eu.errors.confirmed_by_list", "review_confirmed", "list",
         "Matches confirmed, by list", "Review items confirmed, per list",
         "ratio of errors (with eu.errors.rejected_by_list)"),
    Spec("eu.errors.overturned", "review_overturned", None, "Decisions overturned",
         "Escalated items where a senior's ruling went against the first reviewer",
         "measures that limit errors"),
    Spec("eu.errors.escalated", "review_escalated", None, "Decisions escalated",
         "Items on which reviewers disagreed and a senior decided",
         "measures that limit errors"),
)  # fmt: skip

OFCOM: tuple[Spec, ...] = (
    Spec("ofcom.detected.items", "matched_items", None, "CSEA items detected by hash matching",
         "Items matching a hash list of known CSEA", "Q: How much CSEA content was detected "
         "using hash matching?"),
    Spec("ofcom.detected.by_category", "matches", "category", "Detected by category",
         _MATCHES + ", by category", "Q: What types of CSEA content were detected?"),
    Spec("ofcom.detected.by_month", "matched_items", "month", "Detected per month",
         "Items matching a list, per month", "Q: How did detection change over the period?"),
    Spec("ofcom.checked.items", "items", None, "Content checked", _ITEMS,
         "Q: How much content was checked by the technology?"),
    Spec("ofcom.reported.nca", "reports_filed", "destination", "Reports to the NCA and NCMEC",
         "Reports filed, by destination", "Q: How many reports were made to the NCA?"),
    Spec("ofcom.accuracy.rejected", "review_rejected", None, "Detections found not CSEA",
         "Review items rejected as not illegal", "Q: How accurate was the technology?"),
    Spec("ofcom.accuracy.confirmed", "review_confirmed", None, "Detections confirmed",
         "Review items confirmed by a person", "Q: How accurate was the technology?"),
)  # fmt: skip

NCMEC: tuple[Spec, ...] = (
    Spec("ncmec.reports.by_month", "reports_filed", "month", "CyberTipline reports per month",
         "Reports finished with NCMEC (and the NCA), per month", "Reports submitted"),
    Spec("ncmec.reports.by_destination", "reports_filed", "destination", "Reports filed",
         "Reports finished, by destination", "Reports submitted"),
    Spec("ncmec.reports.retracted", "reports_retracted", None, "Reports retracted",
         "Reports withdrawn before or after sending", "Reports retracted"),
    Spec("ncmec.reports.failed", "reports_failed", None, "Reports that failed",
         "Reports the outbox gave up on (retried by a person)", "Reports not completed"),
    Spec("ncmec.content.confirmed", "review_confirmed", None, "Files confirmed",
         "Review items confirmed (each may be reported once per destination)",
         "Files reported"),
    Spec("ncmec.content.by_category", "matches", "category", "Matches by category",
         _MATCHES + ", by category", "Incident type"),
)  # fmt: skip

SPECS = {"eu-2021-1232": EU, "ofcom": OFCOM, "ncmec-esp": NCMEC}

#: Figures Brightline does not hold, which the provider adds (EU Art. 3(1)(g)(vii)).
EU_PROVIDER = (
    ("eu.ground", "The specific ground relied on for the processing under Regulation (EU) "
     "2016/679"),
    ("eu.transfers", "The ground relied on for transfers of personal data outside the Union"),
    ("eu.complaints", "Complaints lodged with the internal redress mechanism or a judicial "
     "authority, and their outcome (Brightline records review decisions, not user "
     "complaints)"),
)  # fmt: skip

CAVEATS = """# Caveats

- **Reports are not prevalence.** These figures count what this service checked,
  matched and reported. They depend on what was scanned, which lists were used and
  how thresholds were set; they do not measure how much abuse exists or happens.
- **Matches are against lists of known material.** New material is not found by
  hash; a match is an entry on a list, not yet a person's decision. Confirmed and
  rejected figures are people's decisions on the items put before them.
- **Suppressed cells.** A count from 1 to {minus} is shown as `{mark}` (JSON:
  `null`). So is any other figure that, with the totals, would let one be worked out
  by subtraction (secondary suppression), so a `{mark}` cell may hold any number.
  Zero is shown as 0. Totals are exact sums of the cells, shown or not. Suppression
  protects against exact recovery; it does not hide that a hidden cell lies between
  0 and its total.
- **Times and periods.** Days run from midnight to midnight in {tz}; months are
  calendar months there. Figures from {first} to {last}, both days included.
- **Durations** (where given) are read from log-spaced histograms: within about 9%
  of the true median and 90th percentile.
"""


def export(
    store: Store,
    settings: Settings,
    actor: Actor,
    fmt: str,
    first: str,
    last: str,
    out: Path,
    *,
    tz: str = "UTC",
) -> list[Path]:
    """Write the format's figures, dictionary and caveats into ``out``; audited as
    ``stats.export``. Returns the files written."""
    check_reader(actor)
    if fmt not in SPECS:
        raise InputError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    specs = SPECS[fmt]
    base = report.make_query(first, last, "month", (), tz, min_cell=settings.stats_min_cell)
    figures = [row for spec in specs for row in _figure(store, base, spec)]
    out.mkdir(parents=True, exist_ok=True)
    written = [
        _write_json(out / "figures.json", _document(fmt, base, figures, settings)),
        _write_csv(out / "figures.csv", ["figure", "group", "value"], _csv_rows(figures)),
        _write_csv(
            out / "data_dictionary.csv",
            ["figure", "title", "definition", "measure", "split_by", "answers"],
            _dictionary(specs, fmt),
        ),
        _write_text(
            out / "caveats.md",
            CAVEATS.format(
                minus=base.min_cell - 1, mark=MARK, tz=tz, first=base.first, last=base.last
            ),
        ),
    ]
    if fmt == "ofcom":
        written.append(_write_json(out / "ofcom_template.json", _ofcom_template(specs)))
    with store.begin() as conn:
        details = {"format": fmt, "from": first, "to": last, "tz": tz, "figures": len(figures)}
        audit.record(conn, actor, "stats.export", f"stats:{fmt}", details)
    return written


def _figure(store: Store, base: report.Query, spec: Spec) -> list[dict[str, Any]]:
    """One figure's rows ``{"figure", "group", "value"}`` (value None: suppressed),
    then its total when split."""
    from dataclasses import replace

    group = () if spec.group in (None, "month") else (spec.group,)
    fig = report.figures(store, replace(base, group=group))
    cells: dict[str, int] = {}
    for key, values in fig.cells.items():
        name = key[0] if spec.group == "month" else (key[1] if group else "total")
        cells[name or "(none)"] = cells.get(name or "(none)", 0) + values[spec.measure]
    if spec.group is None:
        total = cells.get("total", 0)
        hidden = 0 < total < base.min_cell
        return [{"figure": spec.id, "group": "total", "value": None if hidden else total}]
    keys = tuple(sorted(cells))
    result = suppress(cells, [Margin("total", keys)], base.min_cell)
    rows = [
        {"figure": spec.id, "group": k, "value": None if k in result.cells else cells[k]}
        for k in keys
    ]
    total = sum(cells.values())
    rows.append(
        {
            "figure": spec.id,
            "group": "total",
            "value": None if "total" in result.margins else total,
        }
    )
    return rows


def _document(
    fmt: str, q: report.Query, figures: list[dict[str, Any]], settings: Settings
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": fmt,
        "from": q.first.isoformat(),
        "to": q.last.isoformat(),
        "tz": q.tz,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "min_cell": q.min_cell,
        "figures": figures,
    }
    if fmt == "eu-2021-1232":
        doc["measures_limiting_errors"] = {
            "review_agreement": settings.review_agreement,
            "senior_ruling_on_disagreement": True,
            "false_positive_flag_after": settings.review_false_positive_flag,
            "automatic_action_from_classifier": False,
        }
        doc["retention"] = {
            "evidence_hold_days": settings.vault_hold_days,
            "by_jurisdiction": dict(settings.vault_hold_days_by_jurisdiction),
            "review_media": "encrypted at rest, per-item keys",
        }
        doc["provider_to_complete"] = [{"figure": k, "what": v} for k, v in EU_PROVIDER]
    return doc


def _csv_rows(figures: list[dict[str, Any]]) -> list[list[str]]:
    return [[f["figure"], f["group"], MARK if f["value"] is None else str(f["value"])]
            for f in figures]  # fmt: skip


def _dictionary(specs: Sequence[Spec], fmt: str) -> list[list[str]]:
    rows = [[s.id, s.title, s.definition, s.measure, s.group or "", s.answers] for s in specs]
    if fmt == "eu-2021-1232":
        rows += [
            [k, "provider to complete", v, "", "", "Art. 3(1)(g)(vii)"] for k, v in EU_PROVIDER
        ]
    return rows


def _ofcom_template(specs: Sequence[Spec]) -> dict[str, Any]:
    return {
        "about": "Ofcom sets the questions of each transparency notice. Replace each "
        "'question' with the notice's wording and reference; the 'figures' are "
        "Brightline's answers from figures.json.",
        "questions": [
            {"reference": "", "question": s.answers.removeprefix("Q: "), "figures": [s.id]}
            for s in specs
        ],
    }


def _write_json(path: Path, obj: Any) -> Path:
    return _write_text(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    partial.replace(path)
    return path


def _write_text(path: Path, text: str) -> Path:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    partial.replace(path)
    return path
