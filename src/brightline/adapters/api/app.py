"""The application factory."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from brightline import __version__
from brightline.adapters.api import docs, errors, metrics
from brightline.adapters.api.middleware import RequestContext
from brightline.adapters.api.routes import (
    actions,
    compat_hma,
    curation,
    exchanges,
    health,
    keys,
    reports,
    scanning,
    text,
)
from brightline.adapters.api.routes import audit as audit_routes
from brightline.adapters.api.routes import auth as auth_routes
from brightline.adapters.api.routes import review as review_routes
from brightline.adapters.api.routes import stats as stats_routes
from brightline.adapters.api.runtime import Runtime
from brightline.adapters.api.uploads import body_limits
from brightline.services.children import die_with_parent
from brightline.services.context import open_services
from brightline.settings import Settings

DESCRIPTION = """Hash uploads and match them against known-content hash lists.

Every route except `/health/*` needs an API key (`Authorization: Bearer <key>`), made
with `brightline keys create --role scanner|curator|admin`. Errors always have the
shape `{"error": {"code", "message", "request_id"}}`."""


def create_app(settings: Settings) -> FastAPI:
    """A ready-to-serve app; the database is migrated and the index loads in the
    background when the server starts (``/health/ready`` says when)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, open_services(settings))
        app.state.runtime = runtime
        runtime.start()
        # Everything loaded so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise stall requests for tens of ms.
        gc.freeze()
        try:
            yield
        finally:
            runtime.stop()

    app = FastAPI(
        title="Brightline",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's load Swagger UI and ReDoc from a CDN: ours do not
        redoc_url=None,
    )
    docs.install(app, app.title)
    for module in (health, scanning, curation, actions, keys, compat_hma, reports, text, exchanges):
        app.include_router(module.router)
    app.include_router(audit_routes.router)
    app.state.settings = settings
    app.include_router(auth_routes.router)
    app.include_router(review_routes.router)
    app.include_router(stats_routes.router)
    app.include_router(metrics.router)
    errors.install(app)
    # Imported here: the web adapter sits above the API one (it reuses its routes).
    from brightline.adapters import web

    web.install(app)
    limits = body_limits(app.routes, settings.max_upload_bytes, settings.max_import_bytes)
    app.add_middleware(RequestContext, json_limit=settings.max_json_bytes, route_limits=limits)
    app.add_middleware(metrics.RequestTimer)
    return app


def app_from_environment() -> FastAPI:
    """Entry point of each server worker process: settings come from the environment.

    A worker started by ``serve --workers N``'s supervisor ends with it: killed
    (``kill -9``, the OOM killer), the supervisor cannot stop its workers, which would
    go on serving (and sending reports) under PID 1, holding the port."""
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:
        die_with_parent(parent.pid)
    return create_app(Settings())
