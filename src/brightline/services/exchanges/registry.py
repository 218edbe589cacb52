"""The exchange types, by name: adding an exchange is adding one module that
defines ``EXCHANGE`` and naming it here (or calling ``register``)."""

from __future__ import annotations

import importlib

from brightline.errors import UsageError
from brightline.services.exchanges.base import ExchangeType

#: Built-in types: name -> module (imported on first use).
BUILT_IN = {
    "ncmec": "brightline.services.exchanges.ncmec",
    "stopncii": "brightline.services.exchanges.stopncii",
    "threatexchange": "brightline.services.exchanges.threatexchange",
    "file": "brightline.services.exchanges.files",
}
_TYPES: dict[str, ExchangeType] = {}


def register(exchange: ExchangeType) -> None:
    _TYPES[exchange.name] = exchange


def names() -> list[str]:
    return sorted({*BUILT_IN, *_TYPES})


def get(name: str) -> ExchangeType:
    if name not in _TYPES and name in BUILT_IN:
        module = importlib.import_module(BUILT_IN[name])
        register(module.EXCHANGE)
    try:
        return _TYPES[name]
    except KeyError:
        raise UsageError(f"unknown exchange type {name!r} (known: {', '.join(names())})") from None
