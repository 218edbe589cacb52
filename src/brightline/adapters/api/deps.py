"""Dependencies routes declare with ``Annotated`` aliases: the runtime, the caller's
API key, and the role a route needs.

Keys come as ``Authorization: Bearer <key>``, or as the password of HTTP Basic
auth (so an HMA client works unchanged with ``http://any:<key>@host/compat/hma``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.runtime import Runtime
from brightline.core.actor import Actor
from brightline.errors import AuthError, ForbiddenError
from brightline.services.context import Services
from brightline.services.people.auth import ApiKey, Role, key_actor, role_needed


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_services(request: Request) -> Services:
    return get_runtime(request).services


ServicesDep = Annotated[Services, Depends(get_services)]

# Declared so the OpenAPI document (and /docs) knows how to authenticate.
_bearer = HTTPBearer(auto_error=False, description="An API key: `brightline keys create`.")


def presented_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


async def current_key(
    request: Request,
    runtime: RuntimeDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    token = presented_token(request.headers.get("authorization"))
    if token is None:
        raise AuthError("this route needs an API key: send 'Authorization: Bearer <key>'")
    key = runtime.keys.cached(token)
    if key is None:  # a database look-up: off the event loop
        key = await run_in_threadpool(runtime.keys.check, token)
    request.state.key_prefix = key.prefix
    return key


CurrentKey = Annotated[ApiKey, Depends(current_key)]


def require(role: Role) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    async def dependency(key: CurrentKey) -> ApiKey:
        if not key.allows(role):
            raise ForbiddenError(role_needed(role, key))
        return key

    return dependency


ScannerKey = Annotated[ApiKey, Depends(require(Role.SCANNER))]
CuratorKey = Annotated[ApiKey, Depends(require(Role.CURATOR))]
AdminKey = Annotated[ApiKey, Depends(require(Role.ADMIN))]


def actor(key: ApiKey) -> Actor:
    """Who a request acts as: its API key (prefix, name, role)."""
    return key_actor(key)
