"""Signing in and out: a session for the browser (a cookie) and for tools (a bearer
token), and the users an admin manages."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from brightline.adapters.api.deps import RuntimeDep, ServicesDep
from brightline.adapters.api.sessions import (
    AdminSession,
    SessionDep,
    clear_cookie,
    client_address,
    set_cookie,
)
from brightline.services.people import users

router = APIRouter(prefix="/v1", tags=["users"])


class LoginIn(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class UserIn(BaseModel):
    name: str = Field(max_length=64)
    role: str = Field(max_length=16)
    password: str = Field(max_length=1024)


class PasswordIn(BaseModel):
    password: str = Field(max_length=1024)


@router.post("/auth/login")
async def login(
    body: LoginIn, request: Request, response: Response, runtime: RuntimeDep
) -> dict[str, object]:
    """Sign in: ``{"token", "expires_at"}`` (a bearer token for the JSON routes) and
    the browser's session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS).

    An unknown name, a wrong password and a locked account get the same 401; too
    many attempts from one address get 429 with ``Retry-After``."""
    token, session = await runtime.sign_in(body.username, body.password, client_address(request))
    set_cookie(request, response, token, int(runtime.settings.session_lifetime_s))
    return {
        "token": token,
        "expires_at": session.expires_at.isoformat(),
        "csrf_token": session.csrf,
        "user": session.user.as_dict(),
    }


@router.post("/auth/logout", status_code=204)
def logout(session: SessionDep, response: Response, svc: ServicesDep) -> None:
    users.logout(svc.store, session)
    clear_cookie(response)


@router.get("/auth/me")
def me(session: SessionDep) -> dict[str, object]:
    """Who is signed in, until when, and the CSRF token for forms."""
    left = (session.expires_at - datetime.now(UTC)).total_seconds()
    return {
        "user": session.user.as_dict(),
        "expires_at": session.expires_at.isoformat(),
        "expires_in_s": max(0, int(left)),
        "csrf_token": session.csrf,
    }


@router.get("/users")
def list_users(_admin: AdminSession, svc: ServicesDep) -> list[dict[str, object]]:
    return [u.as_dict() for u in users.list_users(svc.store)]


@router.post("/users", status_code=201)
def create_user(body: UserIn, admin: AdminSession, svc: ServicesDep) -> dict[str, object]:
    actor = admin.user.actor
    return users.create_user(svc.store, actor, body.name, body.role, body.password).as_dict()


@router.post("/users/{name}/disable")
def disable_user(name: str, admin: AdminSession, svc: ServicesDep) -> dict[str, object]:
    return users.set_disabled(svc.store, admin.user.actor, name, True).as_dict()


@router.post("/users/{name}/enable")
def enable_user(name: str, admin: AdminSession, svc: ServicesDep) -> dict[str, object]:
    return users.set_disabled(svc.store, admin.user.actor, name, False).as_dict()


@router.post("/users/{name}/reset-password")
def reset_password(
    name: str, body: PasswordIn, admin: AdminSession, svc: ServicesDep
) -> dict[str, object]:
    return users.reset_password(svc.store, admin.user.actor, name, body.password).as_dict()
