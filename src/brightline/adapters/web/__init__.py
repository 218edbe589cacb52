"""The review workspace in the browser: server-rendered pages (Jinja2) with a little
vanilla JavaScript, mounted under ``/ui`` by the API app."""

from brightline.adapters.web.pages import install

__all__ = ["install"]
