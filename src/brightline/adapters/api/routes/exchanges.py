"""Hash exchanges: ``/v1/exchanges`` for curators (read, fetch, push) and admins (add,
remove: an exchange's URL may point at private addresses and its credentials are
the platform's)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from brightline.adapters.api.deps import AdminKey, CuratorKey, ServicesDep, actor
from brightline.errors import UsageError
from brightline.services.exchanges import feedback, service
from brightline.services.exchanges.service import ExchangeEnv

router = APIRouter(prefix="/v1", tags=["exchanges"])


class ExchangeIn(BaseModel):
    name: str = Field(max_length=200)
    type: str = Field(max_length=32, examples=["ncmec"])
    list: str = Field(max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    environment: str | None = Field(default=None, max_length=64)
    interval_s: int | None = Field(default=None, ge=1, le=7 * 86400)
    credentials: str | None = Field(
        default=None,
        max_length=4000,
        description="NCMEC user:password, StopNCII functions-key:subscription-key, "
        "ThreatExchange app-id|secret. Stored encrypted; never returned.",
    )


class FetchOut(BaseModel):
    added: int
    updated: int
    deleted: int
    errors: int
    checkpoint: dict[str, Any] | None
    ok: bool
    error: str | None = None


def _env(svc: ServicesDep) -> ExchangeEnv:
    return ExchangeEnv(svc.store, svc.settings)


@router.get("/exchanges")
def list_exchanges(svc: ServicesDep, _key: CuratorKey) -> list[dict[str, Any]]:
    return service.list_exchanges(_env(svc))


@router.post("/exchanges", status_code=status.HTTP_201_CREATED)
def add_exchange(body: ExchangeIn, svc: ServicesDep, key: AdminKey) -> dict[str, Any]:
    """Add an exchange (admins). A file exchange takes an http(s) URL here; local
    paths only from the command line (the server's files are not the API's)."""
    if body.type == "file" and not (body.url or "").startswith(("http://", "https://")):
        raise UsageError("over the API a file exchange needs an http(s) URL")
    return service.add_exchange(
        _env(svc),
        body.name,
        body.type,
        body.list,
        url=body.url,
        environment=body.environment,
        interval_s=body.interval_s,
        credentials=body.credentials,
        actor=actor(key),
    )


@router.get("/exchanges/{name}")
def get_exchange(name: str, svc: ServicesDep, _key: CuratorKey) -> dict[str, Any]:
    return service.show_exchange(_env(svc), name)


@router.delete("/exchanges/{name}")
def remove_exchange(name: str, svc: ServicesDep, key: AdminKey) -> dict[str, Any]:
    return service.remove_exchange(_env(svc), name, actor=actor(key))


@router.post("/exchanges/{name}/fetch", response_model=FetchOut)
def fetch_exchange(name: str, svc: ServicesDep, key: CuratorKey) -> dict[str, Any]:
    """One incremental fetch now (``ok`` false when it could not finish; it resumes)."""
    return service.fetch(_env(svc), name, actor=actor(key))


@router.post("/exchanges/{name}/push")
def push_exchange(name: str, svc: ServicesDep, _key: CuratorKey) -> dict[str, int]:
    """Send this exchange's pending feedback now."""
    return feedback.push(_env(svc), name)
