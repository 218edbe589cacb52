"""``brightline exchange …``: hash exchanges (NCMEC, StopNCII, ThreatExchange, files)."""

from __future__ import annotations

import contextlib
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from brightline.adapters.cli.app import (
    EXIT_MATCH,
    app,
    console,
    handle_errors,
    operator,
    print_json,
    services,
)
from brightline.errors import UsageError

exchange_app = typer.Typer(
    help="Fetch hash lists from exchanges (NCMEC, StopNCII, ThreatExchange, files) and "
    "send them feedback.",
    no_args_is_help=True,
)
app.add_typer(exchange_app, name="exchange")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _env() -> Any:
    from brightline.services.exchanges.service import ExchangeEnv

    svc = services()
    return ExchangeEnv(svc.store, svc.settings)


@exchange_app.command("add")
@handle_errors
def add(
    name: str,
    type_: Annotated[str, typer.Option("--type", help="ncmec, stopncii, threatexchange or file.")],
    list_name: Annotated[str, typer.Option("--list", help="The list its entries go to.")],
    url: Annotated[
        str | None,
        typer.Option(help="The API's base (NCMEC: the environment URL), or a file's path or URL."),
    ] = None,
    environment: Annotated[
        str | None, typer.Option(help="NCMEC environment: industry, ngo, test-industry…")
    ] = None,
    interval: Annotated[
        int | None, typer.Option(help="Seconds between fetches (default 240).")
    ] = None,
    credentials: Annotated[
        str | None,
        typer.Option(
            help="'-' reads one line from standard input: NCMEC user:password, StopNCII "
            "functions-key:subscription-key, ThreatExchange app-id|secret."
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Add an exchange that feeds a list."""
    from brightline.services.exchanges import service

    secret = None
    if credentials is not None:
        if credentials != "-":
            raise UsageError("--credentials takes '-' (read from standard input), never the secret")
        secret = sys.stdin.readline().rstrip("\r\n")
    found = service.add_exchange(
        _env(),
        name,
        type_,
        list_name,
        url=url,
        environment=environment,
        interval_s=interval,
        credentials=secret,
        actor=operator(),
    )
    if json_out:
        print_json(found)
    else:
        console.print(f"Added {found['type']} exchange [bold]{name}[/] feeding {found['list']}.")


@exchange_app.command("list")
@handle_errors
def list_(json_out: JsonOpt = False) -> None:
    """Every exchange, with its last fetch."""
    from brightline.services.exchanges import service

    found = service.list_exchanges(_env())
    if json_out:
        print_json(found)
        return
    table = Table("name", "type", "list", "interval", "last fetch", "last error")
    for ex in found:
        table.add_row(
            ex["name"],
            ex["type"],
            ex["list"],
            f"{ex['interval_s']} s",
            ex["last_fetch_at"] or "never",
            ex["last_error"] or "",
        )
    console.print(table if found else "No exchanges yet: add one with `brightline exchange add`.")


@exchange_app.command("show")
@handle_errors
def show(name: str, json_out: JsonOpt = False) -> None:
    """One exchange: settings (never its credentials), checkpoint, entries, feedback."""
    from brightline.services.exchanges import service

    found = service.show_exchange(_env(), name)
    if json_out:
        print_json(found)
        return
    for key, value in found.items():
        console.print(f"{key:>15}: {value}", highlight=False)


@exchange_app.command("remove")
@handle_errors
def remove(name: str, json_out: JsonOpt = False) -> None:
    """Forget an exchange (the entries it brought stay in its list)."""
    from brightline.services.exchanges import service

    found = service.remove_exchange(_env(), name, actor=operator())
    if json_out:
        print_json(found)
    else:
        console.print(f"Removed exchange [bold]{name}[/].")


@exchange_app.command("fetch")
@handle_errors
def fetch(name: str, json_out: JsonOpt = False) -> None:
    """One incremental fetch now. Exit 1 when the fetch could not finish (it resumes
    where it stopped next time)."""
    from brightline.services.exchanges import service
    from brightline.services.pipeline import retro

    env = _env()
    result = service.fetch(env, name, actor=operator())
    retro.run_after_change(env.store, env.settings)
    out = {k: result[k] for k in ("added", "updated", "deleted", "errors", "checkpoint")}
    if "error" in result:
        out["error"] = result["error"]
    if json_out:
        print_json(out)
    else:
        console.print(
            f"{name}: {out['added']:,} added, {out['updated']:,} updated, "
            f"{out['deleted']:,} deleted, {out['errors']:,} errors.",
            highlight=False,
        )
        if "error" in out:
            console.print(f"[bold red]stopped:[/] {out['error']}", highlight=False)
    if not result["ok"]:
        raise typer.Exit(EXIT_MATCH)


@exchange_app.command("push")
@handle_errors
def push(name: str, json_out: JsonOpt = False) -> None:
    """Send this exchange's pending feedback now."""
    from brightline.services.exchanges import feedback

    found = feedback.push(_env(), name)
    if json_out:
        print_json(found)
    else:
        console.print(
            f"{name}: {found['sent']:,} sent, {found['retrying']:,} to retry, "
            f"{found['failed']:,} failed.",
            highlight=False,
        )


@exchange_app.command("opinion")
@handle_errors
def opinion(
    entry_id: Annotated[int, typer.Argument(help="A list entry that came from an exchange.")],
    value: Annotated[str, typer.Argument(help="confirmed or deconfirmed")],
    reason: Annotated[str | None, typer.Option(help="Why (kept with the opinion).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Confirm or deconfirm an exchange's entry (every fingerprint of it): a
    deconfirmed entry stops matching here; the exchange is told either way."""
    from brightline.services.exchanges import feedback

    found = feedback.set_opinion(_env(), entry_id, value, reason=reason, actor=operator())
    if json_out:
        print_json(found)
    else:
        console.print(
            f"{found['exchange']} entry {found['source_id']}: {found['opinion']}.", highlight=False
        )


@exchange_app.command("sandbox")
@handle_errors
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8765,
    entries: Annotated[int, typer.Option(help="Made-up entries it serves.")] = 2500,
) -> None:
    """Run a local stand-in of NCMEC's hash-sharing API (made-up, benign hashes; user
    'sandbox', password 'sandbox') to try exchanges against."""
    from brightline.testing.exchange_servers import NcmecHashServer, made_up_entries

    server = NcmecHashServer(
        made_up_entries(entries), user="sandbox", password="sandbox", port=port
    )
    console.print(f"NCMEC hash-sharing stand-in at [bold]{server.url}[/] (Ctrl-C stops it).")
    console.print(
        "Try: echo sandbox:sandbox | brightline exchange add ncmec-sandbox --type ncmec "
        f"--list LIST --url {server.url} --credentials -",
        highlight=False,
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
