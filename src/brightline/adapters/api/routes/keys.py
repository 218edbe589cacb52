"""API keys and server settings (admin only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from sqlalchemy.engine import make_url

from brightline.adapters.api.deps import AdminKey, RuntimeDep, ServicesDep
from brightline.adapters.api.schemas import KeyCreated, KeyIn, KeyOut
from brightline.errors import UsageError
from brightline.services import auth
from brightline.settings import Settings

router = APIRouter(prefix="/v1", tags=["admin"])
#: Settings never shown, not even masked (their names are enough to say they exist).
_SECRET_SETTINGS = {
    name for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)
}


@router.get("/keys", response_model=list[KeyOut])
def get_keys(svc: ServicesDep, _key: AdminKey) -> list[dict[str, object]]:
    return [k.as_dict() for k in auth.list_keys(svc.store)]


@router.post("/keys", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(body: KeyIn, svc: ServicesDep, _key: AdminKey) -> dict[str, object]:
    """Make a key. The token is in this answer only; the server keeps its hash."""
    key, token = auth.create_key(svc.store, body.role, body.name)
    return {"key": key.as_dict(), "token": token}


@router.delete("/keys/{key_id}", response_model=KeyOut)
def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=2**62)], svc: ServicesDep, key: AdminKey
) -> dict[str, object]:
    """Revoke a key; every worker refuses it within a few seconds."""
    if key_id == key.id:
        raise UsageError("a key cannot revoke itself; use another admin key")
    return auth.revoke_key(svc.store, key_id).as_dict()


@router.get("/settings")
def get_settings(runtime: RuntimeDep, _key: AdminKey) -> dict[str, Any]:
    """The server's settings (the database password is hidden; secret settings, such
    as the master key and the NCMEC password, are left out)."""
    out = runtime.settings.model_dump(mode="json", exclude=_SECRET_SETTINGS)
    if out.get("database_url"):
        out["database_url"] = shown_database_url(runtime.settings.db_url)
    return out


def shown_database_url(url: str) -> str:
    """The URL with its password masked, in the userinfo or (libpq) in the query."""
    parsed = make_url(url)
    hidden = {k: "***" for k in parsed.query if k.lower() in ("password", "sslpassword")}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True)
