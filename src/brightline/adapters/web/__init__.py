"""The review workspace in the browser: server-rendered pages (Jinja2) with a little
vanilla JavaScript, mounted under ``/ui`` by the API app."""

from fastapi import FastAPI
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from brightline.adapters.web import pages, reports_pages, stats_pages
from brightline.adapters.web.security import SecurityHeaders


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and headers on the API app."""
    app.include_router(pages.router)
    app.include_router(reports_pages.router)
    app.include_router(stats_pages.router)
    app.mount("/ui/static", StaticFiles(directory=pages.HERE / "static"), name="ui-static")
    app.add_exception_handler(pages.PageRedirect, pages.redirect_page)
    app.add_exception_handler(pages.PageForbidden, pages.forbidden_page)
    app.add_middleware(SecurityHeaders)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/ui/", 303)


__all__ = ["install"]
