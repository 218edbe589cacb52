"""``brightline list …``: hash-list management."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from brightline.adapters.cli.app import (
    console,
    handle_errors,
    list_app,
    operator,
    print_json,
    services,
)
from brightline.core import signals as signal_types
from brightline.core.categories import SCHEMES
from brightline.core.models import HashList
from brightline.core.names import LIST_NAME_RULE
from brightline.core.signals.thresholds import parse_assignments
from brightline.core.wording import plural
from brightline.errors import UsageError
from brightline.services import lists
from brightline.services.lists import ingest, video_ingest

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ThresholdForOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--threshold-for",
        metavar="TYPE=N",
        help="Match threshold for one signal type, e.g. pdq=20 (repeatable).",
    ),
]


@list_app.command("create")
@handle_errors
def create(
    name: Annotated[str, typer.Argument(help=f"The list's name: {LIST_NAME_RULE}.")],
    scheme: Annotated[str, typer.Option(help=f"Category scheme: {', '.join(SCHEMES)}.")] = "none",
    threshold: Annotated[int, typer.Option(help="PDQ match threshold (bits of 256).")] = 31,
    threshold_for: ThresholdForOpt = None,
    negative_for: Annotated[
        list[str] | None,
        typer.Option(
            "--negative-for",
            metavar="LIST",
            help="Make this a negative list: content matching it has its LIST matches "
            "suppressed (repeatable).",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create an empty hash list."""
    per_type = parse_assignments(threshold_for or [])
    store = services().store
    hl = lists.create_list(store, name, scheme, threshold, thresholds=per_type, actor=operator())
    targets: list[str] = []
    if negative_for:
        from brightline.services.lists import policy as list_policy

        targets = list_policy.set_negative_for(store, name, negative_for, actor=operator())
    if json_out:
        print_json({**hl.as_dict(), "negative_for": targets})
    else:
        console.print(
            f"Created list [bold]{hl.name}[/] (scheme {hl.scheme}, "
            f"PDQ threshold {hl.pdq_threshold}{_other_thresholds(hl)})."
            + (f" Negative for: {', '.join(targets)}." if targets else "")
        )


@list_app.command("release")
@handle_errors
def release(entry_id: int) -> None:
    """Release a quarantined entry (its match count starts afresh)."""
    from brightline.services.lists import policy as list_policy

    list_policy.release(services().store, entry_id, actor=operator())
    console.print(f"Released entry {entry_id}.")


@list_app.command("flood")
@handle_errors
def flood(
    name: str,
    max_matches: Annotated[
        int | None, typer.Option("--max-matches", help="Matches allowed in the window.")
    ] = None,
    window: Annotated[int | None, typer.Option("--window", help="The window, in seconds.")] = None,
    off: Annotated[bool, typer.Option("--off", help="Remove the list's flood limit.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Quarantine an entry that matches more than --max-matches times in --window
    seconds: its matches still show, marked quarantined, but run no action until a
    curator releases it."""
    from brightline.services.lists import policy as list_policy

    if off:
        max_matches = window = None
    elif max_matches is None or window is None:
        raise UsageError("give --max-matches and --window (or --off)")
    found = list_policy.set_flood(services().store, name, max_matches, window, actor=operator())
    if json_out:
        print_json({"list": name, "flood": found})
    elif found:
        console.print(
            f"List [bold]{name}[/]: more than {found['max_matches']:,} matches in "
            f"{found['window_s']:,} s quarantines an entry."
        )
    else:
        console.print(f"List [bold]{name}[/] has no flood limit.")


def _other_thresholds(hl: HashList) -> str:
    return "".join(f", {t} threshold {n}" for t, n in sorted(hl.thresholds.items()))


@list_app.command("thresholds")
@handle_errors
def thresholds(
    name: str,
    assignments: Annotated[
        list[str] | None,
        typer.Argument(metavar="[TYPE=N]...", help="Thresholds to set, e.g. pdq=20."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a list's match threshold for each non-exact signal type, or set some."""
    per_type = parse_assignments(assignments or [])
    svc = services()
    if per_type:
        hl = lists.update_list(svc.store, name, thresholds=per_type, actor=operator())
    else:
        hl = lists.get_list(svc.store, name)
    found = {
        t.name: hl.threshold_for(t.name, t.default_threshold)
        for t in signal_types.all_types()
        if not t.exact
    }
    if json_out:
        print_json({"list": hl.name, "thresholds": found})
        return
    table = Table("signal type", "threshold", "set on the list")
    for signal_type, value in found.items():
        explicit = signal_type == "pdq" or signal_type in hl.thresholds
        table.add_row(signal_type, str(value), "yes" if explicit else "no (type default)")
    console.print(table)


@list_app.command("import")
@handle_errors
def import_(
    name: str,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="A hash-list file; or pictures and videos (files or folders) to hash.",
            metavar="FILE...",
        ),
    ],
    category: Annotated[
        str | None,
        typer.Option(help="Category of the entries made from pictures and videos."),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid records and report the rest.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(help="Provenance recorded on each entry (default: the file name)."),
    ] = None,
    signal_type: Annotated[
        str | None,
        typer.Option(
            "--type",
            help="A plain-text file of this type, one value a line (e.g. keyword terms).",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Import hashes from a file, or hash pictures and videos into the list; the format
    is recognised from its content.

    \b
    Pictures and videos (a folder of them, or files): each picture gets an entry per
    signal type that applies (md5, sha1, sha256, and pdq when the picture has enough
    detail), each video a vpdq entry (with its MD5); their source_id is the file
    name without its extension, their category --category, their source --source.

    \b
    Formats: plain text (one hash a line: "VALUE", or "TYPE VALUE [note]", or md5sum
    output; a file of URLs is recognised; terms need --type keyword), CSV,
    python-threatexchange files (signal files, `dataset --csv`), VICS 2.0 JSON.
    Hashes of types Brightline cannot use (PhotoDNA) are counted as ignored.

    \b
    CSV: a header row, then one hash a row. Columns are found by header name, in any
    order and any case; others are ignored:
      signal_type (or type)  pdq, md5, sha1, sha256; told from the value when absent
      value (or hash)        the hash (required)
      category               a code of the list's scheme (uk: A/B/C; industry: A1..B2)
      source_id              the source's id for the content (ties its hashes together)
      note                   free text
    Comma-separated, RFC 4180 quoting. `brightline list export` writes this format.
    """
    svc = services()
    shown_files = ", ".join(str(f) for f in files[:3]) + (" …" if len(files) > 3 else "")
    with (
        console.status(f"Importing {shown_files} …", spinner="dots")
        if sys.stderr.isatty()
        else nullcontext()
    ):
        if len(files) == 1:
            report = ingest.import_file(
                svc.store, name, files[0], skip_invalid=skip_invalid, source=source,
                actor=operator(), category=category, signal_type=signal_type,
            )  # fmt: skip
        else:
            report = ingest.import_media(
                svc.store, name, files, skip_invalid=skip_invalid, source=source,
                actor=operator(), category=category,
            )  # fmt: skip
    from brightline.services.pipeline import retro

    retro.run_after_change(svc.store, svc.settings)  # recent content the new entries match
    if json_out:
        print_json(report.as_dict())
        return
    console.print(
        f"Imported {plural(report.imported, 'hash')} into [bold]{name}[/] "
        f"({report.added:,} new, {report.updated:,} updated)."
    )
    if report.ignored:
        console.print(f"Ignored {plural(report.ignored, 'record')} that are not for matching:")
        for reason, count in report.ignored_reasons.most_common():
            console.print(f"  {count:>8,}  {reason}", highlight=False)
    if report.skipped:
        console.print(f"[yellow]Skipped {plural(report.skipped, 'invalid record')}:[/]")
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
        console.print(f"Wrote {plural(count, 'vpdq file')} to {output}.")
        return
    if str(output) == "-":
        ingest.export_list(svc.store, name, format, sys.stdout, actor=operator())
        return
    tmp = output.with_name(output.name + ".partial")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        count = ingest.export_list(svc.store, name, format, fh, actor=operator())
    tmp.replace(output)
    what = plural(count, "medium", "media") if format == "vics" else plural(count, "row")
    console.print(f"Wrote {what} to {output}.")


@list_app.command("show")
@handle_errors
def show(
    name: Annotated[str | None, typer.Argument(help="A list; all lists when omitted.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show one list, or all of them."""
    from brightline.services.lists import policy as list_policy

    store = services().store
    detail = lists.describe(store, name) if name else None
    found = [detail.hash_list] if detail else lists.all_lists(store)
    parts = detail.composition if detail else []
    policy = list_policy.list_policy(store, name) if name else None
    held = list_policy.quarantined(store, name, 0, 1000) if name else []
    if json_out:
        for hl in found:
            row = hl.as_dict()
            if name:
                row["composition"] = [p.as_dict() for p in parts]
                assert policy is not None
                row.update(policy)
                row["quarantined_entries"] = [
                    {
                        "entry_id": q["entry"].id,
                        "signal_type": q["entry"].signal_type,
                        "value": q["entry"].value,
                        "count": q["count"],
                    }
                    for q in held
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
        table = Table("signal type", "category", "state", "entries")
        for part in parts:
            state = "active" if part.active else "disabled or withdrawn"
            table.add_row(part.signal_type, part.category or "—", state, f"{part.count:,}")
        console.print(table)
    if policy and policy["negative_for"]:
        console.print(f"Negative for: {', '.join(policy['negative_for'])}")
    if policy and policy["flood"]:
        f = policy["flood"]
        console.print(f"Flood limit: {f['max_matches']:,} matches in {f['window_s']:,} s")
    if held:
        table = Table("quarantined entry", "signal type", "value", "matches")
        for q in held:
            e = q["entry"]
            table.add_row(str(e.id), e.signal_type, e.value, f"{q['count']:,}")
        console.print(table)


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
    gone = lists.delete_list(services().store, name, actor=operator())
    console.print(f"Deleted list [bold]{name}[/] and its {plural(gone, 'entry')}.")
