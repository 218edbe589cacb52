"""The interactive API docs, served from this server alone.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from a CDN, on the
origin that holds the session cookie: whoever serves those scripts could act as any
signed-in reviewer. Here Swagger UI's files come from the ``fastapi-offline``
package, are started by a script of ours (no inline script) and run under a Content-
Security-Policy that allows nothing from elsewhere. ``/redoc`` leads to ``/docs``:
ReDoc's bundle would still fetch its logo from its maker's CDN, and needs inline
styles and blob workers besides.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
#: Swagger UI sets its styles through the CSSOM (which a CSP allows); its schema views
#: use ``data:`` images.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/ui/static/docs.js"></script>
</body>
</html>
"""


def install(app: FastAPI, title: str) -> None:
    """``/docs`` (Swagger UI) and its files, and ``/redoc`` leading there, on an app
    made with ``docs_url=None, redoc_url=None``."""
    app.mount(ASSETS, StaticFiles(directory=_assets()), name="docs-assets")
    common = {"assets": ASSETS, "openapi": app.openapi_url}
    swagger = _PAGE.format(title=f"{title} - API docs", **common)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(swagger, headers={"Content-Security-Policy": DOCS_CSP})

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", 307)


def _assets() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"
