"""``brightline reports …`` and ``brightline vault …``: reports to NCMEC and the NCA,
and the evidence vault. Sending is a person's decision: nothing here is automatic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from brightline.adapters.cli.app import (
    EXIT_ERROR,
    app,
    console,
    err_console,
    handle_errors,
    print_json,
    services,
)
from brightline.core.actor import local_operator
from brightline.errors import UsageError
from brightline.services.reports import Reporting

reports_app = typer.Typer(
    help="Reports to NCMEC's CyberTipline and the UK NCA: list, show, send, retry, retract.",
    no_args_is_help=True,
)
vault_app = typer.Typer(
    help="The evidence vault: purge what is past its hold, export, rotate keys, extend holds.",
    no_args_is_help=True,
)
app.add_typer(reports_app, name="reports")
app.add_typer(vault_app, name="vault")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
IdArg = Annotated[int, typer.Argument(help="The report's id (see `brightline reports list`).")]


def reporting() -> Reporting:
    svc = services()
    return Reporting.from_settings(svc.store, svc.settings)


@reports_app.command("list")
@handle_errors
def list_(
    state: Annotated[
        str | None, typer.Option(help="draft, sending, finished, failed, retracted")
    ] = None,
    destination: Annotated[str | None, typer.Option(help="ncmec or nca")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List reports with their state, items and NCMEC's report id."""
    found = reporting().reports(state, destination)
    if json_out:
        print_json(found)
        return
    table = Table("id", "to", "state", "reported user", "items", "NCMEC id", "last error")
    for r in found:
        table.add_row(
            str(r["id"]),
            r["destination"],
            r["state"],
            r["reported_user"],
            str(len(r["items"])),
            r["report_id"] or "",
            (r["last_error"] or "")[:60],
        )
    console.print(table if found else "No reports yet: confirmed review items make drafts.")


@reports_app.command("show")
@handle_errors
def show(report_id: IdArg, json_out: JsonOpt = False) -> None:
    """One report: its items and their classification, its steps, what the vault holds."""
    view = reporting().show(report_id)
    if json_out:
        print_json(view)
        return
    _print_view(view)


@reports_app.command("send")
@handle_errors
def send(
    report_id: IdArg,
    escalate: Annotated[str | None, typer.Option(help="Ask NCMEC for high priority: why.")] = None,
    note: Annotated[str | None, typer.Option(help="A note added to the report.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Drive it here until it is done.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits at most.")] = 600.0,
    json_out: JsonOpt = False,
) -> None:
    """Send a draft (a senior's decision): its media go into the vault, the outbox files it."""
    rep = reporting()
    view = rep.send(report_id, local_operator(), escalate=escalate, note=note)
    if wait:
        view = rep.wait(report_id, timeout)
    _result(view, json_out)


@reports_app.command("retry")
@handle_errors
def retry(
    report_id: IdArg,
    wait: Annotated[bool, typer.Option("--wait", help="Drive it here until it is done.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits at most.")] = 600.0,
    json_out: JsonOpt = False,
) -> None:
    """Send a failed report again, from the step that failed."""
    rep = reporting()
    view = rep.retry(report_id, local_operator())
    if wait:
        view = rep.wait(report_id, timeout)
    _result(view, json_out)


@reports_app.command("check")
@handle_errors
def check(
    destination: Annotated[str, typer.Argument(help="ncmec or nca")] = "ncmec",
) -> None:
    """Check that the destination answers and takes the credentials (NCMEC: GET /status)."""
    ok, text = reporting().check(destination)
    if not ok:
        raise UsageError(f"{destination}: {text}")
    console.print(f"{destination}: reachable, credentials accepted ({text})", highlight=False)


@reports_app.command("sandbox")
@handle_errors
def sandbox(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8025,
    username: Annotated[str, typer.Option(help="The sandbox's user name.")] = "sandbox",
    password: Annotated[str, typer.Option(help="The sandbox's password.")] = "sandbox",
) -> None:
    """Run a local CyberTipline SANDBOX on loopback: a stand-in for NCMEC, so reports
    can be seen filed end to end without NCMEC credentials. Nothing sent to it leaves
    this machine; it keeps reports in memory only. Ctrl-C stops it."""
    import time

    from brightline.testing.cybertipline import CyberTiplineSandbox

    try:
        server = CyberTiplineSandbox(username, password, port).start()
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    for line in sandbox_banner(server.url, username, password):
        typer.echo(line)  # plain and flushed: URLs never wrapped, seen at once in a pipe
    seen: set[tuple[int, str]] = set()
    try:
        while True:
            for report in list(server.reports.values()):
                if (report.report_id, report.state) not in seen and report.state != "open":
                    seen.add((report.report_id, report.state))
                    files = len(report.files)
                    typer.echo(
                        f"SANDBOX report {report.report_id} {report.state} "
                        f"({files} file{'' if files == 1 else 's'})"
                    )
            time.sleep(0.3)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def sandbox_banner(url: str, username: str, password: str) -> list[str]:
    """What ``reports sandbox`` says first: what it is, where it listens (second line),
    and how to point Brightline at it."""
    return [
        "CyberTipline SANDBOX: a local stand-in for NCMEC on this machine. It is NOT NCMEC: "
        "nothing sent to it leaves this machine.",
        f"Listening on {url}",
        "Point Brightline at it (in the shell that runs `brightline serve`):",
        f"  export BRIGHTLINE_NCMEC_URL={url}",
        f"  export BRIGHTLINE_NCMEC_USERNAME={username}",
        f"  export BRIGHTLINE_NCMEC_PASSWORD={password}",
        "  export BRIGHTLINE_REPORTER_FIRST_NAME=Sam BRIGHTLINE_REPORTER_LAST_NAME=Sandbox",
        "  export BRIGHTLINE_REPORTER_EMAIL=sandbox@example.org",
        "Ctrl-C stops it.",
    ]


@reports_app.command("retract")
@handle_errors
def retract(report_id: IdArg, json_out: JsonOpt = False) -> None:
    """Withdraw a report: a draft at once; a sent one at NCMEC (refused once finished)."""
    rep = reporting()
    view = rep.retract(report_id, local_operator())
    if view["state"] == "sending":
        view = rep.wait(report_id, 120.0)
    _result(view, json_out)


def _result(view: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(view)
    else:
        remote = f" (NCMEC report {view['report_id']})" if view["report_id"] else ""
        console.print(f"Report {view['id']} to {view['destination']}: {view['state']}{remote}")
    if view["state"] == "failed":
        err_console.print(f"[bold red]error:[/] {view['last_error']}", highlight=False)
        raise typer.Exit(EXIT_ERROR)


def _print_view(view: dict[str, Any]) -> None:
    remote = view["report_id"] or "not yet"
    console.print(
        f"Report {view['id']} to {view['destination']}: [bold]{view['state']}[/]", highlight=False
    )
    console.print(
        f"reported user {view['reported_user']}; NCMEC report id {remote}; "
        f"held until {(view['hold_until'] or '')[:10] or 'its report date + hold'}",
        highlight=False,
    )
    if view["last_error"]:
        console.print(f"last error: {view['last_error']}", highlight=False)
    items = Table("item", "list", "graded", "industry", "sha256", "size")
    for i in view["items"]:
        items.add_row(
            str(i["item_id"]),
            i["list"] or "",
            f"{i['scheme']} {i['category']}",
            i["industry"] or "(not given)",
            i["sha256"][:16],
            str(i["size"]),
        )
    console.print(items)
    for i in view["items"]:
        console.print(f"  item {i['item_id']}: {i['classification']}", highlight=False)
    steps = Table("gen", "step", "item", "state", "tries", "remote id", "answer")
    for s in view["steps"]:
        steps.add_row(
            str(s["generation"]),
            s["kind"],
            str(s["item_id"] or ""),
            s["state"],
            str(s["attempts"]),
            s["remote_id"] or "",
            (s["response"] or "")[:50],
        )
    if view["steps"]:
        console.print(steps)


@vault_app.command("purge")
@handle_errors
def purge(json_out: JsonOpt = False) -> None:
    """Destroy the evidence whose hold has ended (recorded: what, when, by whom)."""
    destroyed = reporting().purge(local_operator())
    if json_out:
        print_json([o.as_dict() for o in destroyed])
        return
    reports = sorted({o.report_id for o in destroyed if o.report_id is not None})
    console.print(
        f"Destroyed {len(destroyed)} object(s) of {len(reports)} report(s) past their hold."
        if destroyed
        else "Nothing is past its hold."
    )


@vault_app.command("export")
@handle_errors
def export(
    report_id: IdArg,
    dest: Annotated[Path, typer.Argument(help="A new (or empty) folder to write to.")],
) -> None:
    """Export a report's evidence for law enforcement, with manifest.sha256."""
    folder = reporting().export(report_id, dest, local_operator())
    console.print(
        f"Exported report {report_id} to {folder}; check it there with "
        "`sha256sum -c manifest.sha256`.",
        highlight=False,
    )


@vault_app.command("rotate")
@handle_errors
def rotate() -> None:
    """Re-wrap every data key under the current master key (BRIGHTLINE_MASTER_KEY), with
    the old one in BRIGHTLINE_OLD_MASTER_KEYS; the data is not re-encrypted."""
    count = reporting().rotate(local_operator())
    console.print(f"Re-wrapped {count} data key(s) under the current master key.")


#: The longest hold one command sets (a hundred years); a longer one is a typo.
MAX_HOLD_DAYS = 36_500


@vault_app.command("hold")
@handle_errors
def hold(
    report_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why (e.g. a preservation request's number).")],
    days: Annotated[
        int | None,
        typer.Option(
            min=1, max=MAX_HOLD_DAYS, help="Hold until this many days from today (1-36500)."
        ),
    ] = None,
    until: Annotated[str | None, typer.Option(help="Hold until this date (YYYY-MM-DD).")] = None,
) -> None:
    """Extend a report's legal hold (never shortened)."""
    if (days is None) == (until is None):
        raise UsageError("give either --days or --until")
    if days is not None:
        when = datetime.now(UTC) + timedelta(days=days)
    else:
        try:
            when = datetime.fromisoformat(str(until)).replace(tzinfo=UTC)
        except ValueError:
            raise UsageError(f"--until {until!r} is not a date like 2027-12-31") from None
    held = reporting().hold(report_id, when, reason, local_operator())
    console.print(f"Report {report_id} is held until {held:%Y-%m-%d}.")
