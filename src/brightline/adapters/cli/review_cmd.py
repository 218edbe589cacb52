"""``brightline review …``: the review workspace from the command line."""

from __future__ import annotations

import typer

from brightline.adapters.cli.app import app, console, handle_errors, services
from brightline.errors import NotFoundError
from brightline.services.demo import build_review_demo

review_app = typer.Typer(help="The review workspace (pages at /ui/).", no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("demo")
@handle_errors
def demo() -> None:
    """Demo reviewers and review items made from generated pictures; prints how to
    sign in. Run again for fresh passwords."""
    svc = services()
    try:
        made = build_review_demo(svc.store, svc.settings, "demo-known")
    except NotFoundError:
        made = build_review_demo(svc.store, svc.settings, None)
    s = svc.settings
    console.rule("Review workspace demo")
    console.print(
        f"{len(made.items)} items wait in queue [bold]{made.queue}[/] (two analysts must agree; "
        f"confirmed items join list {made.target_list}). Sign in at "
        f"http://{s.host}:{s.port}/ui/ as:",
        highlight=False,
    )
    for name, password in made.passwords.items():
        console.print(f"  {name:<9} password {password}", highlight=False)
    console.print(
        "Passwords are new each run. Pictures are generated shapes and gradients, shown "
        "blurred and grey; R reveals one (logged).",
        highlight=False,
    )
