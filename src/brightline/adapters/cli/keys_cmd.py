"""``brightline keys …``: API keys for the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from brightline.adapters.cli.app import (
    app,
    console,
    handle_errors,
    operator,
    print_json,
    services,
)
from brightline.services.context import database_label
from brightline.services.people import auth

keys_app = typer.Typer(
    help="Create, list and revoke API keys for `brightline serve`.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


@keys_app.command("create")
@handle_errors
def create(
    role: Annotated[
        str, typer.Option(help="scanner (hash, match), curator (+ lists), admin (+ keys).")
    ],
    name: Annotated[str, typer.Option(help="Who or what the key is for.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Make an API key. It is printed once; only its hash is kept."""
    svc = services()
    key, token = auth.create_key(svc.store, auth.parse_role(role), name, actor=operator())
    if json_out:
        print_json({"key": key.as_dict(), "token": token})
        return
    console.print(
        f"Created {key.role.value} key {key.id} ({key.prefix}) {key.name}".rstrip(),
        highlight=False,
    )
    console.print("Keep it now; it is not shown again:\n", highlight=False)
    console.print(token, highlight=False, soft_wrap=True)
    console.print(
        f"\nIt works with servers that use this database: {database_label(svc.settings)}",
        highlight=False,
    )


@keys_app.command("list")
@handle_errors
def list_(json_out: JsonOpt = False) -> None:
    """List API keys (never the keys themselves)."""
    found = auth.list_keys(services().store)
    if json_out:
        for key in found:
            print_json(key.as_dict())
        return
    table = Table("id", "prefix", "role", "name", "created", "revoked")
    for key in found:
        revoked = key.revoked_at.strftime("%Y-%m-%d %H:%M") if key.revoked_at else ""
        table.add_row(
            str(key.id),
            key.prefix,
            key.role.value,
            key.name,
            key.created_at.strftime("%Y-%m-%d %H:%M"),
            revoked,
        )
    console.print(table if found else "No API keys yet: make one with `brightline keys create`.")


@keys_app.command("revoke")
@handle_errors
def revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see `keys list`).")]) -> None:
    """Revoke a key; servers refuse it from their next request on."""
    key = auth.revoke_key(services().store, key_id, actor=operator())
    console.print(f"Revoked {key.role.value} key {key.id} ({key.prefix}).")
