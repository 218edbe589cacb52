"""``brightline list …``: hash-list management."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from brightline.adapters.cli.app import console, handle_errors, list_app, print_json, services
from brightline.core.categories import SCHEMES
from brightline.errors import UsageError
from brightline.services import ingest, video_ingest
from brightline.services.store import lists as store_lists
from brightline.services.store.entries import composition

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@list_app.command("create")
@handle_errors
def create(
    name: str,
    scheme: Annotated[str, typer.Option(help=f"Category scheme: {', '.join(SCHEMES)}.")] = "none",
    threshold: Annotated[int, typer.Option(help="PDQ match threshold (bits of 256).")] = 31,
    json_out: JsonOpt = False,
) -> None:
    """Create an empty hash list."""
    svc = services()
    with svc.store.begin() as conn:
        hl = store_lists.create_list(conn, name, scheme, threshold)
    if json_out:
        print_json(hl.as_dict())
    else:
        console.print(
            f"Created list [bold]{hl.name}[/] (scheme {hl.scheme}, "
            f"PDQ threshold {hl.pdq_threshold})."
        )


@list_app.command("import")
@handle_errors
def import_(
    name: str,
    file: Path,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid records and report the rest.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(help="Provenance recorded on each entry (default: the file name)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Import hashes from a file; the format is recognised from its content."""
    svc = services()
    with (
        console.status(f"Importing {file} …", spinner="dots")
        if sys.stderr.isatty()
        else nullcontext()
    ):
        report = ingest.import_file(svc.store, name, file, skip_invalid=skip_invalid, source=source)
    if json_out:
        print_json(report.as_dict())
        return
    console.print(
        f"Imported {report.imported:,} hashes into [bold]{name}[/] "
        f"({report.added:,} new, {report.updated:,} updated)."
    )
    if report.ignored:
        console.print(f"Ignored {report.ignored:,} records that are not for matching:")
        for reason, count in report.ignored_reasons.most_common():
            console.print(f"  {count:>8,}  {reason}", highlight=False)
    if report.skipped:
        console.print(f"[yellow]Skipped {report.skipped:,} invalid records:[/]")
        for reason, count in report.skipped_reasons.most_common():
            console.print(f"  {count:>8,}  {reason}", highlight=False)
        for example in report.examples:
            console.print(f"  e.g. {example}", highlight=False)


@list_app.command("export")
@handle_errors
def export(
    name: str,
    format: Annotated[
        str, typer.Option("--format", "-f", help="csv, vics, pytx or vpdq (a folder).")
    ] = "csv",
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write ('-' for standard output).")
    ] = Path("-"),
) -> None:
    """Export a list as CSV, VICS 2.0 JSON, a pytx dataset CSV, or (``vpdq``) a folder of
    vpdq files, one per video entry."""
    svc = services()
    if format == "vpdq":  # video entries: one vpdq tool file each, into the folder -o
        if str(output) == "-":
            raise UsageError("--format vpdq writes a folder: give it with --output FOLDER")
        count = video_ingest.export_vpdq_folder(svc.store, name, output)
        console.print(f"Wrote {count:,} vpdq files to {output}.")
        return
    if str(output) == "-":
        ingest.export_list(svc.store, name, format, sys.stdout)
        return
    tmp = output.with_name(output.name + ".partial")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        count = ingest.export_list(svc.store, name, format, fh)
    tmp.replace(output)
    console.print(f"Wrote {count:,} {'media' if format == 'vics' else 'rows'} to {output}.")


@list_app.command("show")
@handle_errors
def show(
    name: Annotated[str | None, typer.Argument(help="A list; all lists when omitted.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show one list, or all of them."""
    svc = services()
    with svc.store.connect() as conn:
        found = [store_lists.get_list(conn, name)] if name else store_lists.all_lists(conn)
        parts = composition(conn, found[0].id) if name else []
    if json_out:
        for hl in found:
            row = hl.as_dict()
            if name:
                row["composition"] = [
                    {"signal_type": t, "category": c, "active": a, "count": n}
                    for t, c, a, n in parts
                ]
            print_json(row)
        return
    table = Table("name", "scheme", "PDQ threshold", "entries", "created")
    for hl in found:
        table.add_row(
            hl.name,
            hl.scheme,
            str(hl.pdq_threshold),
            f"{hl.entry_count:,}",
            hl.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table if found else "No lists yet: create one with `brightline list create`.")
    if parts:
        detail = Table("signal type", "category", "state", "entries")
        for signal_type, category, active, count in parts:
            state = "active" if active else "disabled or withdrawn"
            detail.add_row(signal_type, category or "—", state, f"{count:,}")
        console.print(detail)


@list_app.command("delete")
@handle_errors
def delete(
    name: str,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a list and all its entries."""
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("deleting a list needs confirmation: pass --yes")
        typer.confirm(f"Delete list {name!r} and all its entries?", abort=True)
    svc = services()
    with svc.store.begin() as conn:
        gone = store_lists.delete_list(conn, name)
    console.print(f"Deleted list [bold]{name}[/] and its {gone:,} entries.")
