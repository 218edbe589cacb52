"""The application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from brightline import __version__
from brightline.adapters.api import errors
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
)
from brightline.adapters.api.routes import audit as audit_routes
from brightline.adapters.api.routes import auth as auth_routes
from brightline.adapters.api.routes import review as review_routes
from brightline.adapters.api.runtime import Runtime
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
    )
    for module in (health, scanning, curation, actions, keys, compat_hma, reports, exchanges):
        app.include_router(module.router)
    app.include_router(audit_routes.router)
    app.state.settings = settings
    app.include_router(auth_routes.router)
    app.include_router(review_routes.router)
    errors.install(app)
    # Imported here: the web adapter sits above the API one (it reuses its routes).
    from brightline.adapters import web

    web.install(app)
    app.add_middleware(
        RequestContext,
        upload_limit=settings.max_upload_bytes,
        import_limit=settings.max_import_bytes,
    )
    return app


def app_from_environment() -> FastAPI:
    """Entry point of each server worker process: settings come from the environment."""
    return create_app(Settings())
