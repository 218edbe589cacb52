"""``brightline users …``: people who sign in to the review workspace."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from brightline.adapters.cli.app import app, console, handle_errors, print_json, services
from brightline.core.actor import local_operator
from brightline.errors import UsageError
from brightline.services.people import users

users_app = typer.Typer(
    help="Create, list, disable users of the review workspace and reset their passwords.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
NameArg = Annotated[str, typer.Argument(help="The user's name.")]


def read_password() -> str:
    """Twice at a terminal (without echo); one line from a pipe. Never an argument."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise UsageError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    if not line:
        raise UsageError("give the password on standard input")
    return line.rstrip("\r\n")


@users_app.command("create")
@handle_errors
def create(
    name: NameArg,
    role: Annotated[
        str,
        typer.Option(help="analyst, senior (also disagreements, quality), admin (users), auditor."),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Make a user; the password is read from standard input."""
    user = users.create_user(services().store, local_operator(), name, role, read_password())
    if json_out:
        print_json(user.as_dict())
        return
    console.print(f"Created {user.role.value} {user.name} (id {user.id}).", highlight=False)


@users_app.command("list")
@handle_errors
def list_(json_out: JsonOpt = False) -> None:
    """List users (never their passwords)."""
    found = users.list_users(services().store)
    if json_out:
        for user in found:
            print_json(user.as_dict())
        return
    table = Table("id", "name", "role", "state", "last sign-in")
    for u in found:
        state = "disabled" if u.disabled else ("locked" if u.locked else "active")
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never"
        table.add_row(str(u.id), u.name, u.role.value, state, last)
    console.print(table if found else "No users yet: make one with `brightline users create`.")


@users_app.command("disable")
@handle_errors
def disable(name: NameArg) -> None:
    """Disable a user; their sessions end at once."""
    user = users.set_disabled(services().store, local_operator(), name, True)
    console.print(f"Disabled {user.name}.", highlight=False)


@users_app.command("enable")
@handle_errors
def enable(name: NameArg) -> None:
    """Enable a disabled user again."""
    user = users.set_disabled(services().store, local_operator(), name, False)
    console.print(f"Enabled {user.name}.", highlight=False)


@users_app.command("reset-password")
@handle_errors
def reset_password(name: NameArg) -> None:
    """Set a new password (read from standard input); unlocks the account and ends
    its sessions."""
    user = users.reset_password(services().store, local_operator(), name, read_password())
    console.print(f"New password set for {user.name}; the account is unlocked.", highlight=False)
