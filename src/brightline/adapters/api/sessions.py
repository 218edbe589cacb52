"""Signed-in users on the HTTP side: a session token as ``Authorization: Bearer``
(tools, tests) or the browser's cookie. A cookie-authenticated request that changes
anything must carry the session's CSRF token (``X-CSRF-Token`` header or a
``csrf_token`` form field): a synchronizer token, checked on every such request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.deps import RuntimeDep, current_key, presented_token
from brightline.core.actor import Actor
from brightline.errors import AuthError, ForbiddenError
from brightline.services.people import users
from brightline.services.people.auth import Role, key_actor
from brightline.services.people.users import Session, UserRole

COOKIE = "brightline_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_token(request: Request) -> tuple[str | None, bool]:
    """``(token, from_cookie)``: a bearer session token first, else the cookie."""
    bearer = presented_token(request.headers.get("authorization"))
    if bearer and users.is_session_token(bearer):
        return bearer, False
    return request.cookies.get(COOKIE), True


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy, uvicorn's
    ``--forwarded-allow-ips`` decides whether that is the forwarded one)."""
    return request.client.host if request.client else ""


async def check_csrf(request: Request, session: Session) -> None:
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not users.csrf_ok(session, presented):
        raise ForbiddenError("missing or wrong CSRF token; reload the page and try again")


async def current_session(request: Request, runtime: RuntimeDep) -> Session:
    token, from_cookie = session_token(request)
    if not token:
        raise AuthError("sign in first (POST /v1/auth/login)")
    svc = runtime.services
    session = await run_in_threadpool(users.check_session, svc.store, svc.settings, token)
    if from_cookie and request.method not in SAFE_METHODS:
        await check_csrf(request, session)
    request.state.session = session
    return session


SessionDep = Annotated[Session, Depends(current_session)]


def require_roles(*roles: UserRole) -> Callable[[Session], Awaitable[Session]]:
    async def dependency(session: SessionDep) -> Session:
        if session.user.role not in roles:
            allowed = " or ".join(r.value for r in roles)
            raise ForbiddenError(f"this needs a signed-in {allowed}")
        return session

    return dependency


ReviewerSession = Annotated[Session, Depends(require_roles(UserRole.ANALYST, UserRole.SENIOR))]
SeniorSession = Annotated[Session, Depends(require_roles(UserRole.SENIOR))]
AdminSession = Annotated[Session, Depends(require_roles(UserRole.ADMIN))]
AuditorSession = Annotated[Session, Depends(require_roles(UserRole.AUDITOR))]


def key_or_user(key_role: Role, *roles: UserRole) -> Callable[..., Awaitable[Actor]]:
    """Who may call a route: an API key allowing ``key_role``, or a signed-in user with
    one of ``roles`` (bearer session token, or the cookie with its CSRF token)."""
    allowed = " or ".join(r.value for r in roles)
    article = "an" if key_role.value[0] in "aeiou" else "a"
    refused = f"this needs {article} {key_role.value} key or a signed-in {allowed}"

    async def dependency(request: Request, runtime: RuntimeDep) -> Actor:
        token, _ = session_token(request)
        bearer = presented_token(request.headers.get("authorization"))
        if token and (bearer is None or users.is_session_token(bearer)):
            session = await current_session(request, runtime)
            if session.user.role not in roles:
                raise ForbiddenError(refused)
            return session.user.actor
        key = await current_key(request, runtime, None)
        if not key.allows(key_role):
            raise ForbiddenError(refused)
        return key_actor(key)

    return dependency


def set_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
        path="/",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
