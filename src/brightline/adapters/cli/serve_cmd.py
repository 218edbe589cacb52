"""``brightline serve``: the HTTP API."""

from __future__ import annotations

import errno
import inspect
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from brightline.adapters.cli.app import app, err_console, handle_errors
from brightline.core.wording import plural
from brightline.errors import UsageError
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
    import uvicorn

    from brightline.adapters.api.logs import log_config
    from brightline.adapters.api.runtime import warm_index
    from brightline.adapters.api.slowclients import serve as serve_uvicorn
    from brightline.adapters.api.slowclients import server_config

    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    workers = max(1, workers or settings.api_workers)
    check_port_free(host, port)
    # The worker processes build their Settings from the environment: hand them the
    # values this server really runs with, so /v1/settings reports those.
    os.environ.update(
        BRIGHTLINE_HOST=host, BRIGHTLINE_PORT=str(port), BRIGHTLINE_API_WORKERS=str(workers)
    )
    metrics_dir = _metrics_dir(settings)
    # Bring the saved index up to date once, so each worker just loads the file.
    hashes = warm_index(settings)
    err_console.print(
        f"Brightline API on http://{host}:{port} ({plural(workers, 'worker')}, "
        f"{plural(hashes, 'PDQ hash')}); docs at /docs",
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
        **_worker_startup_allowance(uvicorn.run),
    )
    try:
        serve_uvicorn(config)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir(settings: Settings) -> Path:
    """A fresh folder for the workers' latency histograms (prometheus_client's
    multiprocess mode reads ``PROMETHEUS_MULTIPROC_DIR`` when it is first imported,
    in each worker), so ``/metrics`` adds every worker's up."""
    settings.home.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="metrics-", dir=settings.home))
    os.environ.update(PROMETHEUS_MULTIPROC_DIR=str(folder), BRIGHTLINE_METRICS_DIR=str(folder))
    return folder


#: Seconds a worker may take to start before uvicorn's supervisor gives up on it and
#: starts another (its default, 5 s, restarts workers in a loop on a busy machine).
WORKER_STARTUP_S = 60


def _worker_startup_allowance(run: Callable[..., Any]) -> dict[str, Any]:
    if "timeout_worker_healthcheck" in inspect.signature(run).parameters:
        return {"timeout_worker_healthcheck": WORKER_STARTUP_S}
    return {}  # an older uvicorn: it has no such check


def check_port_free(host: str, port: int) -> None:
    """Fail early, saying which setting picks another port, when ``port`` is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
            raise UsageError(
                f"port {port} on {host} is already in use (another server?): pick another "
                "with --port or BRIGHTLINE_PORT (for `make run`: make run BRIGHTLINE_PORT=8001)"
            ) from None
