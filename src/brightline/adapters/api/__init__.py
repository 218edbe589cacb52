"""The HTTP API: ``create_app(settings)`` builds it, ``brightline serve`` runs it."""

from brightline.adapters.api.app import create_app

__all__ = ["create_app"]
