"""``brightline case``: police triage of folders, archives and disk images."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from brightline.adapters.cli.app import (
    app,
    console,
    err_console,
    handle_errors,
    print_json,
    services,
)
from brightline.core.actor import local_operator
from brightline.core.wording import shown
from brightline.services import cases
from brightline.services.cases.export import MANIFEST
from brightline.services.cases.run import Progress as ProgressFn
from brightline.services.cases.run import RunSummary, estimate

case_app = typer.Typer(
    help="Police triage: cases of exhibits (folders, archives, disk images), counts, exports.",
    no_args_is_help=True,
)
app.add_typer(case_app, name="case")

EXIT_INTERRUPTED = 130


@case_app.callback()
def _before_any_case_command() -> None:
    """Sweep the temporary folders that runs killed with kill -9 left behind."""
    from brightline.services.cases.spool import sweep_leftover_spools
    from brightline.settings import Settings

    sweep_leftover_spools(Settings().cases_folder)


JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output.")]
DihedralOpt = Annotated[
    bool,
    typer.Option(
        "--dihedral", help="Also hash the 8 rotations/flips (PDQ) and match on any of them."
    ),
]


@case_app.command("create")
@handle_errors
def create(
    name: Annotated[str, typer.Argument(help="Case name (letters, digits, '.', '_', '-').")],
    scheme: Annotated[
        str, typer.Option("--scheme", help="Category scheme: uk, industry, vic-us, dhs, none.")
    ],
    list_names: Annotated[
        list[str] | None,
        typer.Option("--list", "-l", help="Match against this list (repeatable); default: all."),
    ] = None,
) -> None:
    """Create a case. Its scheme is fixed once made."""
    svc = services()
    row = cases.create_case(svc, local_operator(), name, scheme, list_names or None)
    lists = ", ".join(row.lists) if row.lists else "every list"
    console.print(f"Created case {row.name} (scheme {row.scheme}; matching against {lists}).")


@case_app.command("set-scheme")
@handle_errors
def set_scheme(
    case: Annotated[str, typer.Argument(help="The case.")],
    scheme: Annotated[str, typer.Argument(help="uk, industry, vic-us, dhs or none.")],
) -> None:
    """Change a case's scheme (only before any exhibit has files in it)."""
    svc = services()
    row = cases.set_scheme(svc, local_operator(), case, scheme)
    console.print(f"Case {row.name} now counts under the {row.scheme} scheme.")


@case_app.command("add-exhibit")
@handle_errors
def add_exhibit(
    case: Annotated[str, typer.Argument(help="The case.")],
    path: Annotated[
        Path, typer.Argument(help="Folder, file, archive, or disk image (raw/dd, E01).")
    ],
    exhibit: Annotated[str, typer.Option("--id", help="The exhibit's reference, e.g. JB/1.")],
    dihedral: DihedralOpt = False,
) -> None:
    """Hash and match every file of an exhibit (deleted files and archives included).

    Exit code: 0 nothing known found, 1 known or suggested material found, 2 usage or
    input error, 3 nothing found but some files could not be read.
    """
    svc = services()
    with _progress(estimate(path) if path.exists() else (0, 0)) as advance:
        summary = _interruptible(
            case,
            lambda: cases.add_exhibit(
                svc, local_operator(), case, path, exhibit, advance, dihedral
            ),
        )
    in_case = cases.show(svc, case)["files"]
    _finish(case, summary, in_case)


@case_app.command("resume")
@handle_errors
def resume(
    case: Annotated[str, typer.Argument(help="The case.")],
    exhibit: Annotated[
        str | None,
        typer.Option(
            "--exhibit", help="Carry on only this exhibit (default: every unfinished one)."
        ),
    ] = None,
    dihedral: DihedralOpt = False,
) -> None:
    """Carry on after Ctrl-C, a crash or kill -9: finished files are not hashed again."""
    svc = services()
    with _progress((0, 0)) as advance:
        summary = _interruptible(
            case, lambda: cases.resume(svc, local_operator(), case, advance, exhibit, dihedral)
        )
    _finish(case, summary)


@case_app.command("show")
@handle_errors
def show(case: Annotated[str, typer.Argument(help="The case.")], json_out: JsonOpt = False) -> None:
    """Counts per exhibit and for the whole case, by category."""
    svc = services()
    data = cases.show(svc, case)
    if json_out:
        print_json(data)
        return
    console.print(f"[bold]Case {data['case']}[/] (scheme {data['scheme']})", highlight=False)
    _counts_table("whole case", data)
    for ex in data["exhibits"]:
        _counts_table(f"exhibit {ex['exhibit']} ({ex['kind']}, {ex['state']})", ex)


@case_app.command("list")
@handle_errors
def list_(json_out: JsonOpt = False) -> None:
    """Every case."""
    svc = services()
    rows = cases.list_cases(svc)
    if json_out:
        for row in rows:
            print_json(row)
        return
    table = Table("case", "scheme", "lists", "exhibits", "created")
    for row in rows:
        lists = ", ".join(row["lists"]) if row["lists"] else "all"
        table.add_row(row["case"], row["scheme"], lists, str(row["exhibits"]), row["created_at"])
    console.print(table)


@case_app.command("files")
@handle_errors
def files(
    case: Annotated[str, typer.Argument(help="The case.")],
    exhibit: Annotated[str | None, typer.Option("--exhibit", help="Only this exhibit.")] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="known, suggested, unknown (ranked for review), other, error."
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Every file instance, with its hashes, status, category and matches."""
    svc = services()
    rows = cases.files(svc, case, exhibit, status)
    if json_out:
        for row in rows:
            print_json(row)
        return
    table = Table("exhibit", "path", "status", "category", "size", "sha1")
    for row in rows:
        path = row["path"] + (" (deleted)" if row["deleted"] else "")
        if row["error"]:
            path += f" [{row['error']['code']}: {row['error']['message']}]"
        table.add_row(
            escape(shown(row["exhibit"])), escape(shown(path)), row["status"],
            row["category"] or "", str(row["size"] or ""), row["sha1"] or "",
        )  # fmt: skip
    console.print(table)


@case_app.command("export")
@handle_errors
def export(
    case: Annotated[str, typer.Argument(help="The case.")],
    fmt: Annotated[str, typer.Option("--format", help="vics, csv or html.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write to.")],
    pdf: Annotated[
        bool,
        typer.Option("--pdf/--no-pdf", help="With html: also a PDF, if Chromium is installed."),
    ] = True,
) -> None:
    """Write an export and refresh manifest.sha256 (check it with sha256sum -c)."""
    svc = services()
    result = cases.export(svc, local_operator(), case, fmt, output, pdf=pdf)
    for path in result.files:
        console.print(f"Wrote {path}")
    if result.pdf_note and fmt == "html":
        console.print(result.pdf_note)
    console.print(f"Manifest: {result.manifest} (check it: cd {output} && sha256sum -c {MANIFEST})")


def _interruptible(case: str, run: Any) -> RunSummary:
    try:
        summary: RunSummary = run()
    except KeyboardInterrupt:
        err_console.print(
            "Interrupted. The files finished so far are kept; carry on with: "
            f"brightline case resume {case}"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    return summary


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _finish(case: str, summary: RunSummary, in_case: int | None = None) -> None:
    """The run's counts: of this exhibit (``in_case``: the case's files besides), or of
    the whole case (a resume)."""
    where = (
        f"{_plural(summary.files, 'file')} in this exhibit, {in_case:,} in the case {case}"
        if in_case is not None
        else f"{_plural(summary.files, 'file')} in the case {case}"
    )
    console.print(
        f"{where}: {summary.known:,} known, "
        f"{summary.suggested:,} suggested, {summary.errors:,} could not be read. "
        f"Counts: brightline case show {case}",
        highlight=False,
    )
    raise typer.Exit(summary.exit_code)


@contextmanager
def _progress(totals: tuple[int, int]) -> Iterator[ProgressFn | None]:
    """Files/s, MB/s and ETA on the terminal; nothing when piped."""
    if not err_console.is_terminal:
        yield None
        return
    files_total, bytes_total = totals
    bar = Progress(
        TextColumn("Hashing"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[files]:,} files, {task.fields[rate]:.0f} files/s"),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with bar:
        task = bar.add_task("hash", total=bytes_total or None, files=0, rate=0.0)
        count = 0
        started = os.times().elapsed

        def advance(files: int, nbytes: int) -> None:
            nonlocal count
            count += files
            elapsed = max(os.times().elapsed - started, 1e-6)
            bar.update(task, advance=nbytes, files=count, rate=count / elapsed)

        yield advance
    del files_total


def _counts_table(title: str, data: dict[str, Any]) -> None:
    table = Table("", "files", "distinct", title=title, title_justify="left")
    table.add_row("all", str(data["files"]), str(data["unique"]))
    for kind in ("known", "suggested"):
        for cat, c in data[kind].items():
            table.add_row(f"{kind} {cat}", str(c["files"]), str(c["unique"]))
    table.add_row("unknown media", str(data["unknown"]["files"]), str(data["unknown"]["unique"]))
    table.add_row("other", str(data["other"]["files"]), str(data["other"]["unique"]))
    table.add_row("errors", str(data["errors"]), "")
    table.add_row("deleted (recovered)", str(data["deleted"]), "")
    console.print(table)
