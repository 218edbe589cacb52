"""The Typer application, its shared options and error handling."""

from __future__ import annotations

import functools
import importlib
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
import typer.main
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from brightline.core.wording import shown
from brightline.errors import BrightlineError

if TYPE_CHECKING:  # imported when a command needs them: start-up stays fast
    from typer import _click

    from brightline.core.actor import Actor
    from brightline.services.context import Services

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_MATCH = 1
EXIT_ERROR = 2
#: ``match``: nothing matched, but some files could not be checked.
EXIT_UNCHECKED = 3
#: Stopped by Ctrl-C (128 + SIGINT) or SIGTERM (128 + SIGTERM), as shells report it.
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

console = Console()
err_console = Console(stderr=True)


class LazyGroup(TyperGroup):
    """The root group: its commands are ``main.COMMANDS``, whose modules are imported
    only when that command runs; ``--help`` lists them from the table's help text.
    Commands registered on ``app`` by a module imported the old way work as well."""

    _listing = False

    def list_commands(self, ctx: _click.Context) -> list[str]:
        table = _table()
        return [*table, *(name for name in self.commands if name not in table)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        entry = _table().get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            return TyperCommand(name=cmd_name, help=entry.help)
        for module in entry.modules.split():
            importlib.import_module(f"brightline.adapters.cli.{module}")
        return typer.main.get_group(app).commands.get(cmd_name)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def _table() -> dict[str, Any]:
    from brightline.adapters.cli.main import COMMANDS

    return COMMANDS


app = typer.Typer(
    cls=LazyGroup,
    name="brightline",
    help="Find known abuse material by hash: keep hash lists, hash files, match them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
list_app = typer.Typer(
    help="Create, import, export, show and delete hash lists.", no_args_is_help=True
)
app.add_typer(list_app, name="list")


def services() -> Services:
    """Built once per command from the environment (the only place it is read)."""
    from brightline.services.context import open_services
    from brightline.settings import Settings

    return open_services(Settings())


def operator() -> Actor:
    """Who a command acts as: the local operator (the OS user running it)."""
    from brightline.core.actor import local_operator

    return local_operator()


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn Brightline errors into a plain message and exit code 2 (never 1, which
    means "matched"): a value the database refuses is an input error too."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except BrightlineError as exc:
            message = shown(str(exc), keep_newlines=True)
            err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
            raise typer.Exit(EXIT_ERROR) from None
        except Exception as exc:
            if not _is_data_error(exc):
                raise
            message = "a value was refused by the database (a NUL character, or out of range)"
            err_console.print(f"[bold red]error:[/] {message}", highlight=False)
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper


def _is_data_error(exc: BaseException) -> bool:
    """SQLAlchemy's DataError, without importing SQLAlchemy for commands that never
    touch the database (if it is not loaded, the error cannot be one)."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.DataError)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, default=str, separators=(",", ":")) + "\n")
