"""API keys and server settings (admin only)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from brightline.adapters.api.deps import AdminKey, RuntimeDep, ServicesDep, actor
from brightline.adapters.api.schemas import KeyCreated, KeyIn, KeyOut
from brightline.errors import UsageError
from brightline.services.context import shown_database_url
from brightline.services.people import auth
from brightline.settings import Settings

router = APIRouter(prefix="/v1", tags=["admin"])


@router.get("/keys", response_model=list[KeyOut])
def get_keys(svc: ServicesDep, _key: AdminKey) -> list[dict[str, object]]:
    return [k.as_dict() for k in auth.list_keys(svc.store)]


@router.post("/keys", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(body: KeyIn, svc: ServicesDep, admin: AdminKey) -> dict[str, object]:
    """Make a key. The token is in this answer only; the server keeps its hash."""
    key, token = auth.create_key(svc.store, body.role, body.name, actor=actor(admin))
    return {"key": key.as_dict(), "token": token}


@router.delete("/keys/{key_id}", response_model=KeyOut)
def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=2**62)], svc: ServicesDep, key: AdminKey
) -> dict[str, object]:
    """Revoke a key; every worker refuses it from the next request on."""
    if key_id == key.id:
        raise UsageError("a key cannot revoke itself; use another admin key")
    return auth.revoke_key(svc.store, key_id, actor=actor(key)).as_dict()


@router.get("/settings")
def get_settings(runtime: RuntimeDep, _key: AdminKey) -> dict[str, Any]:
    """The settings this server runs with (``brightline serve --port/--workers``
    included). Every secret is masked: ``SecretStr`` settings, anything named like a
    password, secret or token, and the database URL's password."""
    return shown_settings(runtime.settings)


_MASK = "**********"
_SECRET_NAME = re.compile(r"password|secret|token|credential|api_key", re.IGNORECASE)


def shown_settings(settings: Settings) -> dict[str, Any]:
    out = settings.model_dump(mode="json")  # SecretStr values come out as "**********"
    for name, value in out.items():
        if value and _SECRET_NAME.search(name):
            out[name] = _MASK
    if out.get("database_url"):
        out["database_url"] = shown_database_url(settings.db_url)
    return out
