"""``brightline audit …``: check and read the audit chain."""

from __future__ import annotations

import json
from pathlib import Path
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
from brightline.errors import InputError, UsageError
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
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="A checkpoint from 'brightline audit checkpoint': the chain must still "
            "hold its record unchanged (catches a chain cut back with its head reset).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Check every record against the one before it, the chain head and the audit key.

    Exit code: 0 the chain is intact; 1 a record was changed, removed or inserted
    (the first one is named), or the chain no longer holds the checkpoint's record;
    2 the check could not run (no such checkpoint, or not signed with this key).
    """
    store = services().store
    if against is None:
        result = audit.verify(store)
    else:
        result = audit.verify_against(store, _read_checkpoint(against))
    if json_out:
        print_json(result.as_dict())
    elif result.broken is None:
        console.print(f"[green]The audit chain is intact[/] ({plural(result.records, 'record')}).")
        if result.keyed:
            console.print("Every record is signed with the audit key.")
        if against is not None and result.checkpoint is not None:
            console.print(
                f"It holds the checkpoint of {escape(str(result.checkpoint['made_at']))} "
                f"(record {result.checkpoint['seq']}) unchanged.",
                highlight=False,
            )
        if result.keyed is False:
            err_console.print(
                "The chain was written before the audit key and is not signed with it: "
                "whoever can write the database could rewrite it. Run "
                "'brightline audit rekey' to sign it.",
                highlight=False,
            )
    else:
        err_console.print(
            f"[bold red]The audit chain is broken at {escape(str(result.broken))}[/]",
            highlight=False,
        )
    if result.broken is not None:
        raise typer.Exit(EXIT_BROKEN)


def _read_checkpoint(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"no checkpoint file {str(path)!r}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path} is not a checkpoint file: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a checkpoint file")
    return data


@audit_app.command("checkpoint")
@handle_errors
def checkpoint(
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Where to write it (keep it off this machine).", dir_okay=False
        ),
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Also print it as JSON.")] = False,
) -> None:
    """Write a signed checkpoint of the chain as it is now (its newest record's number
    and digest, and the time), to keep outside the database; 'brightline audit verify
    --against FILE' later proves the chain still holds it."""
    made = audit.checkpoint(services().store)
    tmp = output.with_name(f".{output.name}.partial")
    tmp.write_text(json.dumps(made, indent=2) + "\n")
    tmp.replace(output)
    if json_out:
        print_json(made)
        return
    console.print(
        f"Checkpoint of record {made['seq']} ({plural(int(made['records']), 'record')}) "
        f"written to {escape(str(output))}.",
        highlight=False,
    )


@audit_app.command("rekey")
@handle_errors
def rekey() -> None:
    """Sign a chain written before the audit key: every record's digest becomes an HMAC
    under the key (the chain is checked intact first). A keyed chain is left as it is."""
    result = audit.rekey(services().store)
    console.print(
        f"The audit chain is signed with the audit key ({plural(result.records, 'record')}).",
        highlight=False,
    )


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
