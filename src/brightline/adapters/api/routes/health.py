"""Liveness and readiness: no key needed."""

from __future__ import annotations

from fastapi import APIRouter

from brightline.adapters.api.deps import RuntimeDep
from brightline.adapters.api.errors import ApiError
from brightline.adapters.api.schemas import Health

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=Health, response_model_exclude_none=True)
async def live() -> dict[str, object]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/ready", response_model=Health, responses={503: {"description": "Not ready yet."}})
async def ready(runtime: RuntimeDep) -> dict[str, object]:
    """The index is loaded: matches can be answered."""
    if not runtime.ready:
        raise ApiError(503, "not_ready", "the index is still loading")
    return {"status": "ready", "index_hashes": runtime.matcher.size}
