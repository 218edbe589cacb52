"""The Typer application, its shared options and error handling."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import DataError

from brightline.core.actor import Actor, local_operator
from brightline.core.wording import shown
from brightline.errors import BrightlineError
from brightline.services.context import Services, open_services
from brightline.settings import Settings

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

app = typer.Typer(
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
    return open_services(Settings())


def operator() -> Actor:
    """Who a command acts as: the local operator (the OS user running it)."""
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
        except DataError:
            message = "a value was refused by the database (a NUL character, or out of range)"
            err_console.print(f"[bold red]error:[/] {message}", highlight=False)
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, default=str, separators=(",", ":")) + "\n")
