"""``brightline hash`` and ``brightline match``."""

from __future__ import annotations

import shlex
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brightline.adapters.cli.app import (
    EXIT_INTERRUPTED,
    EXIT_MATCH,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_UNCHECKED,
    app,
    console,
    err_console,
    handle_errors,
    print_json,
    services,
)
from brightline.errors import FormatError, InputError, UsageError

# `brightline hash` loads only what hashing needs; matching (the store, the index)
# is imported by `match` when it runs.
if TYPE_CHECKING:
    from brightline.core.models import HashRecord, ScanResult
    from brightline.services.context import Services
    from brightline.services.lists.matching import Matcher
    from brightline.services.pipeline.job import Job
    from brightline.services.pipeline.scan_log import ScanLog

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
    from brightline.adapters.cli.render import render_hash
    from brightline.core.sources.files import FileSource
    from brightline.services.hashing import HashOptions
    from brightline.services.pipeline.pool import hash_results
    from brightline.services.pipeline.scan import check_paths
    from brightline.settings import Settings

    check_paths(files)
    settings = Settings()  # hashing needs no database: none is opened
    opts = HashOptions(settings.max_image_pixels, dihedral, settings.max_decode_bytes)
    items = FileSource(files).items()
    for result in _progress(
        hash_results(items, opts, workers or settings.workers), files, "Hashing"
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
    text: Annotated[
        Path | None,
        typer.Option(
            "--text",
            help="Find the URL and keyword lists' entries in this text file ('-': standard "
            "input; JSON lines with id and text: one document a line).",
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
    run_actions: Annotated[
        bool,
        typer.Option(
            "--actions",
            help="Also run the matched lists' webhooks (every match is logged regardless).",
        ),
    ] = False,
) -> None:
    """Scan files and folders (or a hash file) against the hash lists.

    Exit code: 0 everything checked and nothing matched, 1 a match, 2 usage or input
    error, 3 nothing matched but some files could not be checked (the summary says
    how many and why; with --json each such row has its "error"); 130 or 143 when
    stopped by Ctrl-C or SIGTERM (it says how to carry on with --resume).
    """
    from brightline.adapters.cli.render import render_match, render_summary
    from brightline.services.hashing import HashOptions
    from brightline.services.pipeline.scan import ScanStopped, check_paths, check_stop, scan
    from brightline.services.pipeline.scan_log import ScanLog

    if resume and output is None:
        raise UsageError("--resume needs --output FILE (the results of the earlier run)")
    if text is not None and not paths and hashes is None:
        from brightline.adapters.cli import text_cmd

        raise typer.Exit(text_cmd.match_text_file(text, list_names, json_out, run_actions))
    if bool(paths) == bool(hashes):
        raise UsageError(
            "give files or folders to scan, or --hashes FILE, or --text FILE (one of them)"
        )
    svc = services()
    matcher = svc.matcher
    if hashes is not None:
        job = _job(svc, "lookup", list_names, str(hashes), run_actions)
        found = _match_hash_file(hashes, matcher, json_out, job)
        raise typer.Exit(EXIT_MATCH if found else EXIT_OK)
    assert paths is not None
    check_paths(paths)
    log = ScanLog.open(output, resume=resume) if output else None
    job = _job(svc, "scan", list_names, " ".join(str(p) for p in paths), run_actions)
    job.opts = HashOptions(svc.settings.max_image_pixels, dihedral, svc.settings.max_decode_bytes)
    job.workers = workers or svc.settings.workers
    job.start()
    tally = _Tally(log)
    results = scan(paths, job, matcher, skip=log.done if log else frozenset())
    try:
        with _stop_on_signals():
            for result in _progress(results, paths, "Scanning", len(tally.done)):
                check_stop()
                tally.add(result)
                if log:
                    log.write(result)
                if json_out:
                    print_json(result.as_dict())
                else:
                    render_match(result)
    except (KeyboardInterrupt, ScanStopped) as exc:
        results.close()  # stops the hashing processes now
        job.finish("interrupted")
        flags = {"--json": json_out, "--dihedral": dihedral, "--actions": run_actions}
        _say_interrupted(tally, _again(paths, list_names, flags, workers), output)
        terminated = isinstance(exc, ScanStopped) and exc.signum == signal.SIGTERM
        raise typer.Exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED) from None
    except BaseException:
        job.finish("failed")
        raise
    finally:
        if log:
            log.close()
    job.finish("done")
    if not json_out:
        render_summary(tally.files, tally.matched, tally.errors, tally.reasons)
    raise typer.Exit(tally.exit_code)


def _job(svc: Services, kind: str, lists: list[str] | None, ref: str, run_actions: bool) -> Job:
    """The command's job: the local operator's, actions only with --actions."""
    from brightline.core.actor import local_operator
    from brightline.services.pipeline.job import Job

    job = Job(svc.review_env(), local_operator(), kind, lists=lists, ref=ref)
    job.run_actions = run_actions
    job.items = svc.settings.record_items if kind == "scan" else "all"
    return job


class _Tally:
    """Counts of a scan so far, including what a resumed scan already had."""

    def __init__(self, log: ScanLog | None):
        self.done: set[str] = log.done if log else set()
        self.files = len(self.done)
        self.matched = log.matched if log else 0
        self.errors = log.errors if log else 0
        self.reasons: Counter[str] = Counter(log.reasons if log else {})

    @property
    def exit_code(self) -> int:
        if self.matched:
            return EXIT_MATCH
        return EXIT_UNCHECKED if self.errors else EXIT_OK

    def add(self, result: ScanResult) -> None:
        self.files += 1
        self.matched += bool(result.matches)
        if result.error is not None:
            self.errors += 1
            self.reasons[result.error_code or "error"] += 1


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Ctrl-C and SIGTERM ask the scan to stop (``scan.request_stop``: the hashing
    processes are killed, the scan stops at its next step); a second Ctrl-C
    interrupts at once."""

    def handler(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C
        request_stop(signum)

    from brightline.services.pipeline.scan import clear_stop, request_stop

    clear_stop()
    try:
        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread (an embedding application): leave it be
        yield
        return
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        clear_stop()


def _again(
    paths: list[Path], lists: list[str] | None, flags: dict[str, bool], workers: int
) -> list[str]:
    """The scan's own arguments, to carry it on."""
    again = [str(p) for p in paths]
    for name in lists or ():
        again += ["--list", name]
    again += [flag for flag, on in flags.items() if on]
    return again + (["--workers", str(workers)] if workers else [])


def _say_interrupted(tally: _Tally, args: list[str], output: Path | None) -> None:
    """What was done, and the command that carries on (``args``: the scan's own)."""
    err_console.print(
        f"[yellow]Interrupted[/] after {tally.files:,} files: {tally.matched:,} matched, "
        f"{tally.errors:,} could not be checked.",
        highlight=False,
    )
    again = shlex.join(args)
    if output is not None:
        err_console.print(
            f"The results so far are in {output}. Carry on with:\n"
            f"  brightline match {again} -o {shlex.quote(str(output))} --resume",
            highlight=False,
            markup=False,
            soft_wrap=True,  # a command to copy: never wrapped
        )
    else:
        err_console.print(
            "Nothing was kept to resume from: run it with -o FILE, and after an "
            "interruption add --resume to carry on where it stopped.",
            highlight=False,
        )


def _match_hash_file(path: Path, matcher: Matcher, json_out: bool, job: Job) -> int:
    from brightline.core import formats

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
                found += _match_records(batch, matcher, json_out, job)
                batch = []
        found += _match_records(batch, matcher, json_out, job)
    if not json_out:
        console.print(f"{found:,} of the hashes in {path} matched.")
    return found


def _match_records(records: list[HashRecord], matcher: Matcher, json_out: bool, job: Job) -> int:
    from brightline.core import signals
    from brightline.core.models import match_json, suppressed_of
    from brightline.services.lists.matching import Query
    from brightline.services.pipeline.match import match_queries

    source = job.ref or ""
    queries = []
    for rec in records:
        try:
            signal_type, value = signals.normalize(rec.signal_type, rec.value)
        except InputError as exc:
            raise FormatError(str(exc), location=rec.location, source=source) from None
        queries.append(Query(signal_type, value))
    found = 0
    results = match_queries(matcher, queries, job.lists)
    held = [s for matches in results for s in suppressed_of(matches)]
    job.record_matches([m for matches in results for m in matches], held)
    for query, rec, matches in zip(queries, records, results, strict=True):
        found += bool(matches)
        row: dict[str, object] = {
            "hash": {"signal_type": query.signal_type, "value": query.value},
            "location": rec.location,
            "matches": [match_json(m) for m in matches],
        }
        if suppressed := suppressed_of(matches):
            row["suppressed"] = [s.as_dict() for s in suppressed]
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from brightline.services.pipeline.scan import count_files

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
