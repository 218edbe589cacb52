"""The pages: sign-in, queue, item, disagreements and quality figures (seniors),
users (admins), the audit log (auditors). Every page reads through the same
services as the JSON routes; the item page grades through the JSON routes with the
session's CSRF token."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.deps import RuntimeDep
from brightline.adapters.api.sessions import (
    SAFE_METHODS,
    check_csrf,
    clear_cookie,
    client_address,
    session_token,
    set_cookie,
)
from brightline.adapters.api.uploads import ONE_FILE, read_upload
from brightline.core.categories import SCHEMES
from brightline.errors import AuthError, BrightlineError, NotFoundError, ThrottledError
from brightline.services.audit import export as audit_export
from brightline.services.people import users
from brightline.services.people.users import Session, UserRole
from brightline.services.review import decide, exposure, intake, items, quality
from brightline.services.review.env import create_queue, list_queues

HERE = Path(__file__).parent
# Jinja2 escapes everything in ``.html`` templates (select_autoescape).
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/ui", include_in_schema=False)
LOGIN_CSRF = "brightline_login_csrf"
REVIEWERS = (UserRole.ANALYST, UserRole.SENIOR)
#: Keys for the categories of a scheme, in order; the rest are fixed.
CATEGORY_KEYS = "123456789"
FIXED_KEYS = {"x": "not illegal", "s": "skip", "r": "reveal", "u": "undo", "n": "next item"}


#: What a page says for the ``?error=`` code a redirect carries: fixed text only, so a
#: crafted link cannot make a Brightline page say anything. Codes are error codes.
PAGE_MESSAGES = {
    "bad_request": "That cannot be done as asked.",
    "conflict": "That name is already taken.",
    "not_found": "That no longer exists.",
    "forbidden": "Your role does not allow this.",
    "unauthenticated": "Sign in again.",
    "invalid_input": "Some of what was entered is not valid.",
    "invalid_name": "That name is not allowed (letters, digits, '.', '_' or '-').",
    "invalid_category": "That category is not one of the queue's scheme.",
    "invalid_text": "Text with a NUL character cannot be stored.",
    "invalid_threshold": "That threshold is out of range.",
    "too_large": "The file is too large.",
    "crypto_failed": "The evidence key could not be used; ask an administrator.",
    "unknown_change": "Unknown change.",
    "failed": "That did not work; the audit log and the server log say more.",
}


def error_code(exc: BrightlineError) -> str:
    """The ``?error=`` code a redirect carries for ``exc`` (never its text)."""
    return exc.code if exc.code in PAGE_MESSAGES else "failed"


def page_message(code: str) -> str:
    """The fixed text for an ``?error=`` code; nothing for none."""
    return PAGE_MESSAGES.get(code, PAGE_MESSAGES["failed"]) if code else ""


class PageRedirect(Exception):
    def __init__(self, location: str):
        self.location = location


class PageForbidden(Exception):
    status = 403

    def __init__(self, message: str, session: Session | None):
        self.message = message
        self.session = session


class PageNotFound(PageForbidden):
    status = 404


#: Ids are 64-bit signed on every database; past that a row cannot exist.
MAX_ID = 2**63 - 1


def page_error(exc: BrightlineError, session: Session | None) -> PageForbidden:
    """The page for a service's refusal: 404 for what does not exist, else 403."""
    if isinstance(exc, NotFoundError):
        return PageNotFound(str(exc), session)
    return PageForbidden(str(exc), session)


def existing_id(value: int, what: str, session: Session | None) -> int:
    """``value`` if a row could have it; else the page is a 404 (on SQLite as on
    PostgreSQL: the driver would refuse the number before the query ran)."""
    if not 1 <= value <= MAX_ID:
        raise PageNotFound(f"there is no {what} {value}", session)
    return value


async def page_session(request: Request, runtime: Any, *roles: UserRole) -> Session:
    """The signed-in user (or a redirect to sign in); CSRF checked on form posts."""
    token, _ = session_token(request)
    if not token:
        raise PageRedirect("/ui/login")
    svc = runtime.services
    try:
        session = await run_in_threadpool(users.check_session, svc.store, svc.settings, token)
    except AuthError:
        raise PageRedirect("/ui/login?expired=1") from None
    if request.method not in SAFE_METHODS:
        await check_csrf(request, session)
    if roles and session.user.role not in roles:
        raise PageForbidden("Your role does not open this page.", session)
    return session


def render(
    request: Request, name: str, session: Session | None, status: int = 200, **ctx: Any
) -> HTMLResponse:
    ctx.update(request=request, session=session, user=session.user if session else None)
    response: HTMLResponse = templates.TemplateResponse(request, name, ctx, status_code=status)
    return response


def home_for(session: Session) -> str:
    role = session.user.role
    if role is UserRole.ADMIN:
        return "/ui/users"
    if role is UserRole.AUDITOR:
        return "/ui/audit"
    return "/ui/queue"


@router.get("")
@router.get("/")
async def index(request: Request, runtime: RuntimeDep) -> Response:
    session = await page_session(request, runtime)
    return RedirectResponse(home_for(session), 303)


@router.get("/login")
def login_page(request: Request, expired: int = 0, failed: str = "") -> HTMLResponse:
    nonce = secrets.token_urlsafe(24)
    failed = "form" if failed == "form" else ""  # the one code; never text from the URL
    response = render(
        request, "login.html", None, login_csrf=nonce, expired=bool(expired), failed=failed
    )
    response.set_cookie(LOGIN_CSRF, nonce, httponly=True, samesite="strict", path="/ui/login")
    return response


@router.post("/login")
async def login_submit(
    request: Request,
    runtime: RuntimeDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return RedirectResponse("/ui/login?failed=form", 303)
    try:
        token, session = await runtime.sign_in(username, password, client_address(request))
    except (AuthError, ThrottledError) as exc:
        status = 429 if isinstance(exc, ThrottledError) else 401
        page = render(
            request, "login.html", None, status, login_csrf=expected, expired=False, failed=str(exc)
        )
        if isinstance(exc, ThrottledError):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(home_for(session), 303)
    set_cookie(request, response, token, int(runtime.settings.session_lifetime_s))
    response.delete_cookie(LOGIN_CSRF, path="/ui/login")
    return response


@router.post("/logout")
async def logout(request: Request, runtime: RuntimeDep) -> Response:
    session = await page_session(request, runtime)
    await run_in_threadpool(users.logout, runtime.services.store, session)
    response = RedirectResponse("/ui/login", 303)
    clear_cookie(response)
    return response


@router.get("/queue")
async def queue_page(request: Request, runtime: RuntimeDep, empty: int = 0) -> HTMLResponse:
    session = await page_session(request, runtime, *REVIEWERS)
    actor = session.user.actor
    found = await run_in_threadpool(items.list_items, runtime.review, actor, None, None, None, 200)
    mine = await run_in_threadpool(exposure.mine, runtime.review, actor)
    return render(request, "queue.html", session, items=found, exposure=mine, empty=bool(empty))


@router.post("/next")
async def next_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await page_session(request, runtime, *REVIEWERS)
    found = await run_in_threadpool(items.next_item, runtime.review, session.user.actor)
    if found is None:
        return RedirectResponse("/ui/queue?empty=1", 303)
    return RedirectResponse(f"/ui/items/{found['id']}", 303)


@router.get("/items/{item_id}")
async def item_page(request: Request, runtime: RuntimeDep, item_id: int) -> HTMLResponse:
    session = await page_session(request, runtime, *REVIEWERS)
    existing_id(item_id, "review item", session)
    try:
        item = await run_in_threadpool(items.get_item, runtime.review, session.user.actor, item_id)
    except BrightlineError as exc:
        raise page_error(exc, session) from None
    keys = dict(zip(CATEGORY_KEYS, item["categories"], strict=False))
    mine = await run_in_threadpool(exposure.mine, runtime.review, session.user.actor)
    joined = await run_in_threadpool(runtime.reporting.for_item, item_id)
    return render(
        request,
        "item.html",
        session,
        reports=joined,
        item=item,
        keys=keys,
        fixed_keys=FIXED_KEYS,
        exposure=mine,
        undo_s=int(runtime.settings.review_undo_s),
    )


@router.get("/disagreements")
async def disagreements_page(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    session = await page_session(request, runtime, UserRole.SENIOR)
    found = await run_in_threadpool(decide.disagreements, runtime.review, session.user.actor)
    return render(request, "disagreements.html", session, items=found)


@router.get("/quality")
async def quality_page(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    session = await page_session(request, runtime, UserRole.SENIOR)
    actor = session.user.actor
    figures = await run_in_threadpool(quality.figures, runtime.review, actor)
    counters = await run_in_threadpool(exposure.counters, runtime.review, actor, None)
    flagged = await run_in_threadpool(decide.flagged, runtime.review)
    return render(
        request, "quality.html", session, figures=figures, counters=counters, flagged=flagged
    )


@router.get("/queues")
async def queues_page(
    request: Request, runtime: RuntimeDep, error: str = "", seeded: int = 0
) -> HTMLResponse:
    session = await page_session(request, runtime, UserRole.SENIOR)
    found = await run_in_threadpool(list_queues, runtime.review)
    return render(
        request,
        "queues.html",
        session,
        queues=found,
        schemes=[s for s in SCHEMES if s != "none"],
        error=page_message(error),
        seeded=seeded,
    )


@router.post("/queues")
async def queues_create(
    request: Request,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=100)],
    scheme: Annotated[str, Form(max_length=20)],
    agreement: Annotated[int, Form(ge=1, le=10)],
    target_list: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    session = await page_session(request, runtime, UserRole.SENIOR)
    try:
        await run_in_threadpool(
            create_queue,
            runtime.review,
            session.user.actor,
            name,
            scheme,
            agreement,
            target_list or None,
        )
    except BrightlineError as exc:
        return RedirectResponse(f"/ui/queues?error={error_code(exc)}", 303)
    return RedirectResponse("/ui/queues", 303)


@router.post("/queues/seed", openapi_extra=ONE_FILE)
async def queues_seed(request: Request, runtime: RuntimeDep) -> Response:
    session = await page_session(request, runtime, UserRole.SENIOR)
    name, data, fields = await read_upload(request, ("known_answer", "queue", "csrf_token"))
    try:
        item_id = await run_in_threadpool(
            intake.seed,
            runtime.review,
            session.user.actor,
            data,
            name,
            fields.get("known_answer", ""),
            fields.get("queue") or None,
        )
    except BrightlineError as exc:
        return RedirectResponse(f"/ui/queues?error={error_code(exc)}", 303)
    return RedirectResponse(f"/ui/queues?seeded={item_id}", 303)


@router.get("/users")
async def users_page(request: Request, runtime: RuntimeDep, error: str = "") -> HTMLResponse:
    session = await page_session(request, runtime, UserRole.ADMIN)
    found = await run_in_threadpool(users.list_users, runtime.services.store)
    roles = [r.value for r in UserRole]
    return render(
        request, "users.html", session, users=found, roles=roles, error=page_message(error)
    )


@router.post("/users")
async def users_create(
    request: Request,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    session = await page_session(request, runtime, UserRole.ADMIN)
    store = runtime.services.store
    try:
        await run_in_threadpool(users.create_user, store, session.user.actor, name, role, password)
    except BrightlineError as exc:
        return RedirectResponse(f"/ui/users?error={error_code(exc)}", 303)
    return RedirectResponse("/ui/users", 303)


@router.post("/users/{name}/{change}")
async def users_change(
    request: Request,
    runtime: RuntimeDep,
    name: str,
    change: str,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    session = await page_session(request, runtime, UserRole.ADMIN)
    store, actor = runtime.services.store, session.user.actor
    try:
        if change in ("disable", "enable"):
            await run_in_threadpool(users.set_disabled, store, actor, name, change == "disable")
        elif change == "reset-password":
            await run_in_threadpool(users.reset_password, store, actor, name, password)
        else:
            return RedirectResponse("/ui/users?error=unknown_change", 303)
    except BrightlineError as exc:
        return RedirectResponse(f"/ui/users?error={error_code(exc)}", 303)
    return RedirectResponse("/ui/users", 303)


@router.get("/audit")
async def audit_log_page(
    request: Request,
    runtime: RuntimeDep,
    action: Annotated[str, Query(max_length=64)] = "",
    actor: Annotated[str, Query(max_length=300)] = "",
    target: Annotated[str, Query(max_length=300)] = "",
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> HTMLResponse:
    session = await page_session(request, runtime, UserRole.AUDITOR)
    store = runtime.services.store
    rows = await run_in_threadpool(audit_export.rows, store, action, actor, target, limit)
    rows = await run_in_threadpool(audit_export.with_names, store, rows)
    verified = await run_in_threadpool(audit_export.verify, store)
    filters = {"action": action, "actor": actor, "target": target, "limit": limit}
    return render(request, "audit.html", session, rows=rows, verified=verified, filters=filters)


@router.get("/audit/export")
async def audit_export_file(
    request: Request,
    runtime: RuntimeDep,
    format: Annotated[str, Query(pattern="^(csv|json)$")] = "json",
    action: Annotated[str, Query(max_length=64)] = "",
    actor: Annotated[str, Query(max_length=300)] = "",
    target: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    session = await page_session(request, runtime, UserRole.AUDITOR)
    body, media_type = await run_in_threadpool(
        audit_export.export,
        runtime.services.store,
        session.user.actor,
        format,
        action,
        actor,
        target,
    )
    headers = {"Content-Disposition": f'attachment; filename="brightline-audit.{format}"'}
    return Response(body, media_type=media_type, headers=headers)


async def redirect_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRedirect)
    response = RedirectResponse(exc.location, 303)
    if "expired" in exc.location:
        clear_cookie(response)
    return response


async def forbidden_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    return render(request, "forbidden.html", exc.session, exc.status, message=exc.message)
