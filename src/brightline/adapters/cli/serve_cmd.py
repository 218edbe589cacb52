"""``brightline serve``: the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from brightline.adapters.cli.app import app, err_console, handle_errors
from brightline.settings import Settings


@app.command("serve")
@handle_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes.")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs). Settings come from BRIGHTLINE_*."""
    # Imported here: the web stack is not needed by (nor slows down) other commands.
    from brightline.adapters.api.logs import log_config
    from brightline.adapters.api.runtime import warm_index
    from brightline.adapters.api.slowclients import serve as serve_uvicorn
    from brightline.adapters.api.slowclients import server_config

    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    workers = max(1, workers or settings.api_workers)
    # Bring the saved index up to date once, so each worker just loads the file.
    hashes = warm_index(settings)
    err_console.print(
        f"Brightline API on http://{host}:{port} ({workers} worker"
        f"{'s' if workers > 1 else ''}, {hashes:,} PDQ hashes); docs at /docs",
        highlight=False,
    )
    config = server_config(
        "brightline.adapters.api.app:app_from_environment",
        settings,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(settings.log_level),
        access_log=False,
        server_header=False,
    )
    serve_uvicorn(config)
