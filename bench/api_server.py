"""Server launcher for bench_api.py: ``brightline serve`` with the PDQ index chosen
by ``BENCH_INDEX`` (``default``, ``mih`` or ``brute``, the oracle). Each spawned
worker imports this module, so the choice reaches every worker.

    BENCH_INDEX=brute python bench/api_server.py PORT WORKERS
"""

from __future__ import annotations

import os
import sys

from fastapi import FastAPI

from brightline.core import index as core_index
from brightline.settings import Settings

INDEXES = {
    "default": core_index.default_index,
    "mih": core_index.MihIndex,
    "brute": core_index.BruteForceIndex,
}


def _use_chosen_index() -> None:
    core_index.default_index = INDEXES[os.environ.get("BENCH_INDEX", "default")]  # type: ignore[assignment]


def app() -> FastAPI:
    from brightline.adapters.api.app import create_app

    _use_chosen_index()
    return create_app(Settings())


if __name__ == "__main__":
    import uvicorn

    from brightline.adapters.api.logs import log_config
    from brightline.adapters.api.runtime import warm_index
    from brightline.adapters.api.slowclients import serve, server_config
    from brightline.adapters.cli.serve_cmd import _worker_startup_allowance

    # The module is found through PYTHONPATH (bench_api.py sets it to this folder):
    # uvicorn.Config takes no ``app_dir`` (only uvicorn.run and its command line do).

    port, workers = int(sys.argv[1]), int(sys.argv[2])
    _use_chosen_index()
    settings = Settings()
    warm_index(settings)  # as `brightline serve` does, before the workers start
    # As `brightline serve` runs it: with the slow-client checks.
    config = server_config(
        "api_server:app",
        settings,
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_config=log_config(os.environ.get("BRIGHTLINE_LOG_LEVEL", "info")),
        access_log=False,
        **_worker_startup_allowance(uvicorn.run),
    )
    serve(config)
