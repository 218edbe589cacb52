"""``brightline batch scan``: the back catalogue, on Ray."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brightline.adapters.cli.app import (
    EXIT_INTERRUPTED,
    EXIT_MATCH,
    EXIT_OK,
    EXIT_UNCHECKED,
    app,
    console,
    err_console,
    handle_errors,
    operator,
    print_json,
    services,
)
from brightline.errors import UsageError

if TYPE_CHECKING:
    from brightline.services.batch.driver import BatchRequest, BatchSummary, Progress

batch_app = typer.Typer(
    help="Scan a back catalogue (folders, manifests, S3 buckets) on Ray.", no_args_is_help=True
)
app.add_typer(batch_app, name="batch")


@batch_app.command("scan")
@handle_errors
def scan(
    source: Annotated[
        str,
        typer.Argument(
            help="A folder, a manifest (.txt, .lst, .csv or .parquet of paths or s3:// URIs) "
            "or s3://bucket/prefix."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the results: one Parquet file a partition.")
    ],
    list_names: Annotated[
        list[str] | None,
        typer.Option("--list", "-l", help="Match only against this list (repeatable)."),
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(
            "--address", help="An existing Ray cluster: auto or ray://host:port (default: local)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Worker processes (0: one per CPU Ray has).")
    ] = 0,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Carry on a batch in --out: skip its finished partitions."),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    s3_endpoint_url: Annotated[
        str | None,
        typer.Option("--s3-endpoint-url", help="An S3-compatible store other than AWS."),
    ] = None,
    partition_size: Annotated[
        int, typer.Option("--partition-size", help="Files per partition (and Parquet file).")
    ] = 500,
    no_actions: Annotated[
        bool,
        typer.Option("--no-actions", help="Record the matches only: no webhooks, no review items."),
    ] = False,
) -> None:
    """Hash and match every file of SOURCE on Ray, with the code of ``brightline match``.

    Results: --out/part-NNNNNN.parquet, one row per file (path, size, md5, sha1,
    sha256, media_type, pdq, pdq_quality, error_code, error_message, matches as JSON,
    a column per other signal type). Exit code: 0 nothing matched, 1 a match, 2 usage
    error, 3 nothing matched but some files could not be checked, 130 interrupted
    (carry on with --resume).
    """
    from brightline.services.batch.driver import BatchRequest, run_batch

    if partition_size < 1:
        raise UsageError("--partition-size must be at least 1")
    if workers < 0:
        raise UsageError("--workers must be 0 or more")
    req = BatchRequest(
        source=source,
        out=out,
        lists=tuple(list_names or ()),
        address=address,
        workers=workers,
        resume=resume,
        s3_endpoint_url=s3_endpoint_url,
        partition_size=partition_size,
        actions=not no_actions,
    )
    svc = services()
    try:
        with _progress() as progress:
            summary = run_batch(svc, req, operator(), progress)
    except KeyboardInterrupt:
        _say_interrupted(req)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        svc.close()
    if json_out:
        print_json(summary.as_dict())
    else:
        _say_done(summary, out)
    if summary.matched:
        raise typer.Exit(EXIT_MATCH)
    raise typer.Exit(EXIT_UNCHECKED if summary.errors else EXIT_OK)


@contextmanager
def _progress() -> Iterator[Progress]:
    """A Rich progress bar of files scanned (on stderr, when it is a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import (
        Progress as Bar,
    )

    from brightline.services.batch.driver import Progress

    if not err_console.is_terminal:
        yield Progress()
        return
    bar = Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    task = bar.add_task("Listing", total=None)
    with bar:
        yield Progress(
            total=lambda files, done: bar.update(task, total=files, completed=done),
            partition=lambda result: bar.advance(task, result.files),
            stage=lambda text: bar.update(task, description=text),
        )


def _say_done(summary: BatchSummary, out: Path) -> None:
    resumed = f" ({summary.resumed:,} done before)" if summary.resumed else ""
    parts = "partition" if summary.partitions == 1 else "partitions"
    console.print(
        f"{summary.files:,} files in {summary.partitions:,} {parts}{resumed}: "
        f"{summary.matched:,} matched, {summary.errors:,} could not be checked "
        f"({summary.seconds:.1f} s). Results in {out}.",
        highlight=False,
    )


def _say_interrupted(req: BatchRequest) -> None:
    args = ["brightline", "batch", "scan", req.source, "--out", str(req.out)]
    for name in req.lists:
        args += ["--list", name]
    if req.s3_endpoint_url:
        args += ["--s3-endpoint-url", req.s3_endpoint_url]
    if req.partition_size != 500:
        args += ["--partition-size", str(req.partition_size)]
    err_console.print(
        "[yellow]Interrupted.[/] Finished partitions are kept in the output folder. Carry on with:",
        highlight=False,
    )
    err_console.print(
        "  " + shlex.join([*args, "--resume"]), highlight=False, markup=False, soft_wrap=True
    )
