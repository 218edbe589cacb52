"""``brightline stats``: counts of what was scanned, matched, reviewed and reported,
by period and by any of list, category, signal type, method, source, content type,
destination and outcome; ``brightline stats export``: transparency-report figures."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from brightline.adapters.cli.app import app, console, handle_errors, operator, print_json, services

stats_app = typer.Typer(
    help="Statistics: counts by period and group, and transparency exports.",
    invoke_without_command=True,
)
app.add_typer(stats_app, name="stats")

FromOpt = Annotated[
    str | None, typer.Option("--from", help="First day counted (YYYY-MM-DD, in --tz).")
]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day counted (included).")]
#: The figures shown in the table (the JSON and CSV have them all).
SHOWN = ("items", "matched_items", "matches", "actions", "review_confirmed",
         "review_rejected", "reports_filed")  # fmt: skip


@stats_app.callback()
@handle_errors
def stats(
    ctx: typer.Context,
    first: FromOpt = None,
    last: ToOpt = None,
    by: Annotated[
        str, typer.Option("--by", help="Period: day, week, month, quarter or year.")
    ] = "month",
    group: Annotated[
        list[str] | None,
        typer.Option(
            "--group",
            help="Split by list, category, signal_type, method, source, content_type, "
            "destination or outcome (repeat for more).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    tz: Annotated[str, typer.Option("--tz", help="Time zone of days and periods.")] = "UTC",
    suppress: Annotated[
        bool,
        typer.Option("--suppress", help="Hide small counts, as published figures are."),
    ] = False,
) -> None:
    """Counts per period: items scanned, matches, actions, review outcomes, reports,
    and the median and p90 times from detection to first decision and to report."""
    if ctx.invoked_subcommand is not None:
        return
    from brightline.services.stats.service import stats as read_stats

    svc = services()
    data = read_stats(svc.store, svc.settings, operator(), first=first, last=last, by=by,
                      group=group or (), tz=tz, suppress=suppress)  # fmt: skip
    if json_out:
        print_json(data)
    elif csv_out:
        from brightline.services.stats.report import csv_rows

        csv.writer(sys.stdout, lineterminator="\n").writerows(csv_rows(data))
    else:
        _table(data)


def _table(data: dict[str, Any]) -> None:
    from brightline.core.stats.suppression import MARK

    t = Table(title=f"{data['from']} to {data['to']} by {data['by']} ({data['tz']})")
    for name in ("period", *data["group"], *SHOWN):
        t.add_column(name, justify="left" if name == "period" or name in data["group"] else "right")

    def cell(v: object) -> str:
        return MARK if v is None and data["suppressed"] else "" if v is None else str(v)

    for row in data["rows"]:
        t.add_row(*(cell(row.get(n)) for n in ("period", *data["group"], *SHOWN)))
    t.add_row("total", *([""] * len(data["group"])), *(cell(data["totals"][n]) for n in SHOWN))
    console.print(t)
    totals = data["totals"]
    for name, what in (("time_to_decision", "detection to first decision"),
                       ("time_to_report", "detection to report filed")):  # fmt: skip
        median, p90 = totals[f"{name}_median_s"], totals[f"{name}_p90_s"]
        if median is not None:
            console.print(f"{what}: median {_span(median)}, p90 {_span(p90)}")


def _span(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


@stats_app.command("export")
@handle_errors
def export(
    fmt: Annotated[str, typer.Option("--format", help="eu-2021-1232, ofcom or ncmec-esp.")],
    first: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    last: Annotated[str, typer.Option("--to", help="Last day (included).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder to write into.")],
    tz: Annotated[str, typer.Option("--tz", help="Time zone of the days.")] = "UTC",
) -> None:
    """Write a transparency report's figures (CSV and JSON), a data dictionary and
    the caveats into a folder. Small counts are always suppressed. Audited."""
    from brightline.services.stats.export import export as write_export

    svc = services()
    written = write_export(svc.store, svc.settings, operator(), fmt, first, last, out, tz=tz)
    for path in written:
        console.print(str(path), highlight=False)


__all__ = ["export", "stats", "stats_app"]
