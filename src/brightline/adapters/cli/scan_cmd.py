"""``brightline hash`` and ``brightline match``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from brightline.adapters.cli.app import (
    EXIT_MATCH,
    EXIT_OK,
    app,
    console,
    err_console,
    handle_errors,
    print_json,
    services,
)
from brightline.adapters.cli.render import render_hash, render_match, render_summary
from brightline.core import formats, signals
from brightline.core.models import HashRecord, ScanResult
from brightline.errors import FormatError, InputError, UsageError
from brightline.services.hashing import options_from
from brightline.services.matching import Matcher, Query
from brightline.services.scan import check_paths, count_files, hash_files, iter_files, scan
from brightline.services.scan_log import ScanLog

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line and per file.")]
DihedralOpt = Annotated[
    bool,
    typer.Option(
        "--dihedral", help="Also hash the 8 rotations/flips (PDQ) and match on any of them."
    ),
]
WorkersOpt = Annotated[int, typer.Option(help="Hashing processes (0 = one per core).")]


@app.command("hash")
@handle_errors
def hash_(
    files: Annotated[list[Path], typer.Argument(help="Files or folders to hash.")],
    json_out: JsonOpt = False,
    dihedral: DihedralOpt = False,
    workers: WorkersOpt = 0,
) -> None:
    """Print the signals (MD5, SHA-1, SHA-256, PDQ and quality) of files."""
    check_paths(files)
    svc = services()
    opts = options_from(svc.settings, dihedral)
    for result in _progress(
        hash_files(iter_files(files), opts, workers or svc.settings.workers), files, "Hashing"
    ):
        if json_out:
            print_json(result.as_dict())
        else:
            render_hash(result)


@app.command("match")
@handle_errors
def match(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to scan (recursive; types recognised from content)."),
    ] = None,
    list_names: Annotated[
        list[str] | None,
        typer.Option(
            "--list", "-l", help="Match only against this list (repeatable); default: all."
        ),
    ] = None,
    hashes: Annotated[
        Path | None,
        typer.Option(
            "--hashes", help="Match the hashes in this file (any import format) instead of media."
        ),
    ] = None,
    json_out: JsonOpt = False,
    dihedral: DihedralOpt = False,
    workers: WorkersOpt = 0,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Also write one JSON line per file here, as each finishes."
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Carry on an interrupted scan: skip the files already in --output."
        ),
    ] = False,
) -> None:
    """Scan files and folders (or a hash file) against the hash lists.

    Exit code: 0 no match, 1 match found, 2 usage or input error.
    """
    if resume and output is None:
        raise UsageError("--resume needs --output FILE (the results of the earlier run)")
    if bool(paths) == bool(hashes):
        raise UsageError("give files or folders to scan, or --hashes FILE (not both)")
    svc = services()
    matcher = svc.matcher
    if hashes is not None:
        found = _match_hash_file(hashes, matcher, list_names, json_out)
        raise typer.Exit(EXIT_MATCH if found else EXIT_OK)
    assert paths is not None
    check_paths(paths)
    opts = options_from(svc.settings, dihedral)
    log = ScanLog.open(output, resume=resume) if output else None
    done = log.done if log else set()
    results = scan(
        paths,
        matcher,
        list_names=list_names,
        opts=opts,
        workers=workers or svc.settings.workers,
        skip=done,
    )
    files, matched, errors = len(done), log.matched if log else 0, log.errors if log else 0
    try:
        for result in _progress(results, paths, "Scanning", len(done)):
            files += 1
            matched += bool(result.matches)
            errors += result.error is not None
            if log:
                log.write(result)
            if json_out:
                print_json(result.as_dict())
            else:
                render_match(result)
    finally:
        if log:
            log.close()
    if not json_out:
        render_summary(files, matched, errors)
    raise typer.Exit(EXIT_MATCH if matched else EXIT_OK)


def _match_hash_file(
    path: Path, matcher: Matcher, list_names: list[str] | None, json_out: bool
) -> int:
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    found = 0
    with open(path, "rb") as stream:
        batch: list[HashRecord] = []
        for item in formats.read_records(stream, source=str(path)):
            if isinstance(item, FormatError):
                raise item
            batch.append(item)
            if len(batch) >= 4096:
                found += _match_records(batch, matcher, list_names, json_out, str(path))
                batch = []
        found += _match_records(batch, matcher, list_names, json_out, str(path))
    if not json_out:
        console.print(f"{found:,} of the hashes in {path} matched.")
    return found


def _match_records(
    records: list[HashRecord],
    matcher: Matcher,
    list_names: list[str] | None,
    json_out: bool,
    source: str,
) -> int:
    queries = []
    for rec in records:
        try:
            signal_type, value = signals.normalize(rec.signal_type, rec.value)
        except InputError as exc:
            raise FormatError(str(exc), location=rec.location, source=source) from None
        queries.append(Query(signal_type, value))
    found = 0
    for query, rec, matches in zip(
        queries, records, matcher.match(queries, list_names), strict=True
    ):
        found += bool(matches)
        row = {
            "hash": {"signal_type": query.signal_type, "value": query.value},
            "location": rec.location,
            "matches": [m.as_dict() for m in matches],
        }
        if json_out:
            print_json(row)
        elif matches:
            best = matches[0]
            console.print(
                f"[bold red]MATCH[/] {query.signal_type} {query.value} "
                f"({rec.location}) → {best.list_name} entry {best.entry_id}, "
                f"distance {best.distance}",
                highlight=False,
            )
    return found


def _progress(
    results: Iterator[ScanResult], paths: list[Path], verb: str, done: int = 0
) -> Iterator[ScanResult]:
    """A progress bar on the terminal (stderr) for long work; nothing when piped.
    ``done``: files a resumed scan already has."""
    if not err_console.is_terminal:
        yield from results
        return
    total = max(0, count_files(paths) - done)
    bar = Progress(
        TextColumn(f"{verb}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with bar if total > 20 else nullcontext():
        task = bar.add_task(verb, total=total)
        for result in results:
            bar.advance(task)
            yield result
