"""``brightline audit …``: check and read the audit chain."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from brightline.adapters.cli.app import (
    app,
    console,
    err_console,
    handle_errors,
    print_json,
    services,
)
from brightline.core.wording import plural
from brightline.services import audit

#: ``audit verify``: the chain is broken (2 stays "could not check").
EXIT_BROKEN = 1

audit_app = typer.Typer(
    help="Check the audit chain (every change, who made it) and read its records.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
@handle_errors
def verify(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Check every record against the one before it and the chain head.

    Exit code: 0 the chain is intact; 1 a record was changed, removed or inserted
    (the first one is named); 2 the check could not run.
    """
    result = audit.verify(services().store)
    if json_out:
        print_json(result.as_dict())
    elif result.broken is None:
        console.print(f"[green]The audit chain is intact[/] ({plural(result.records, 'record')}).")
    else:
        err_console.print(
            f"[bold red]The audit chain is broken at {escape(str(result.broken))}[/]",
            highlight=False,
        )
    if result.broken is not None:
        raise typer.Exit(EXIT_BROKEN)


@audit_app.command("show")
@handle_errors
def show(
    action: Annotated[
        str | None,
        typer.Option(help="Only this action, or actions starting so: 'list.', 'key.revoke'."),
    ] = None,
    actor: Annotated[
        str | None, typer.Option(help="Only this actor: 'key:ab12cd34', 'operator:alice'.")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Only this target: 'list:iwf'.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many records.")] = 50,
    json_out: Annotated[
        bool, typer.Option("--json", help="One JSON object per line and per record.")
    ] = False,
) -> None:
    """List audit records, newest first."""
    found = audit.records(services().store, action=action, actor=actor, target=target, limit=limit)
    if json_out:
        for rec in found:
            print_json(audit.record_dict(rec))
        return
    if not found:
        console.print("No audit records yet (every change made to lists and keys makes one).")
        return
    table = Table("seq", "at (UTC)", "actor", "action", "target", "details")
    for rec in found:
        details = {k: v for k, v in rec.details.items() if k != "actor"}
        table.add_row(
            str(rec.seq),
            rec.at[:19].replace("T", " "),
            rec.actor,
            rec.action,
            rec.target,
            escape(json.dumps(details, separators=(", ", ": "), default=str)),
        )
    console.print(table)
