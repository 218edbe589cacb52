"""``brightline watch`` (live streams) and ``brightline list video`` (video thresholds)."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Annotated

import typer

from brightline.adapters.cli.app import (
    EXIT_ERROR,
    EXIT_MATCH,
    EXIT_OK,
    app,
    console,
    err_console,
    handle_errors,
    list_app,
    print_json,
    services,
)
from brightline.core.actor import local_operator
from brightline.errors import UsageError
from brightline.services.pipeline.watch import (
    Alert,
    Watcher,
    WatchOptions,
    nothing_watched,
    source_problem,
    watch_job,
)
from brightline.services.video import lists as video_lists


@app.command("watch")
@handle_errors
def watch(
    source: Annotated[
        str,
        typer.Argument(
            help="HLS URL (http[s]://…m3u8), rtmp:// or rtsp:// URL, a file being written, "
            "or a device (/dev/video0)."
        ),
    ],
    list_names: Annotated[
        list[str] | None,
        typer.Option(
            "--list", "-l", help="Watch for this list's entries (repeatable); default: all."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per alert.")] = False,
    window: Annotated[
        int, typer.Option(help="Consecutive sampled frames that must match one listed video.")
    ] = 2,
    no_actions: Annotated[
        bool, typer.Option("--no-actions", help="Do not run the lists' actions for alerts.")
    ] = False,
) -> None:
    """Watch a live stream and alert as soon as known video (or a known image) appears.

    Runs until interrupted (Ctrl-C); reconnects with backoff when the stream stalls,
    drops or restarts. Exit code: 1 when there was an alert, 2 when the source does
    not exist or ended without one decodable frame (the reason is said), 0 otherwise.
    """
    if problem := source_problem(source):
        raise UsageError(problem)
    svc = services()
    s = svc.settings
    opts = WatchOptions(
        rate=s.video_rate or 1.0,
        window=window,
        buffer_frames=s.watch_buffer_frames,
        reconnect_max_s=s.watch_reconnect_max_s,
    )
    alerts = 0

    def on_alert(alert: Alert) -> None:
        nonlocal alerts
        alerts += 1
        if json_out:
            print_json(alert.as_dict())
            return
        m = alert.match
        console.print(
            f"[bold red]ALERT[/] {alert.wall_time:%H:%M:%S} stream {alert.stream_time:.1f} s: "
            f"list [bold]{m.list_name}[/] entry {m.entry_id}"
            f"{f' ({m.source_id})' if m.source_id else ''} {m.signal_type}",
            highlight=False,
        )

    job = None if no_actions else watch_job(svc.review_env(), local_operator(), source, list_names)
    watcher = Watcher(source, svc.matcher, list_names, opts, on_alert, job=job)

    stopped = False

    def stop(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopped
        stopped = True
        watcher.stop.set()

    signal.signal(signal.SIGTERM, stop)
    if not json_out:
        err_console.print(f"Watching {source} (Ctrl-C to stop) …", highlight=False)
    try:
        stats = watcher.run()
    except KeyboardInterrupt:
        stopped = True
        watcher.stop.set()
        stats = watcher.stats
    finally:
        if job is not None:
            job.finish()
    if not json_out:
        err_console.print(
            f"{stats.frames:,} frames hashed, {alerts:,} alerts, {stats.dropped:,} frames "
            f"dropped, {stats.reconnects:,} reconnections.",
            highlight=False,
        )
    if not stopped and (reason := nothing_watched(stats)):
        err_console.print(f"Error: {reason}", highlight=False, markup=False)
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_MATCH if alerts else EXIT_OK)


@list_app.command("video")
@handle_errors
def list_video(
    name: str,
    query_share: Annotated[
        float | None,
        typer.Option(help="Share (0-1) of a query video's frames that must match (trimmed clips)."),
    ] = None,
    listed_share: Annotated[
        float | None,
        typer.Option(help="Share (0-1) of a listed video's frames that must be found (embedded)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the thresholds as JSON.")] = False,
) -> None:
    """Show or set a list's video thresholds (a video matches when either share is reached)."""
    svc = services()
    d = svc.settings
    q, listed = video_lists.set_thresholds(
        svc.store,
        local_operator(),
        name,
        query_share,
        listed_share,
        defaults=(d.video_query_share, d.video_listed_share),
    )
    if json_out:
        print_json({"list": name, "query_share": q, "listed_share": listed})
    else:
        console.print(f"List {name}: query share {q:.0%}, listed share {listed:.0%}.")
