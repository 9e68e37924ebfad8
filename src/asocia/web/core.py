"""Core pages and API: home, login, logout, language, account and tokens, users, jobs, API docs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asocia import i18n, jobs
from asocia.auth import accounts
from asocia.auth.policy import Permission, Principal, Role, can
from asocia.db.models import Cooperative, User
from asocia.i18n import N_, Message
from asocia.settings import LANGUAGES
from asocia.web import caching
from asocia.web.deps import (
    SESSION,
    get_database,
    get_settings,
    login_window,
    require,
)
from asocia.web.forms import account_error
from asocia.web.security import LANGUAGE_COOKIE, SESSION_COOKIE, cookies_secure
from asocia.web.templating import render, translator

router = APIRouter()
api_router = APIRouter(tags=["core"])

PUBLIC = Depends(require(Permission.VIEW_PUBLIC))
ACCOUNT = Depends(require(Permission.USE_ACCOUNT))
ADMIN = Depends(require(Permission.MANAGE_USERS))


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _secure(request: Request) -> bool:
    return cookies_secure(get_settings(request), request.url.scheme)


# --- pages -------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: Principal = PUBLIC, session: Session = SESSION) -> Response:
    """Home page: what the observatory is and where to go."""
    active = COUNTS.get_or_build(
        ("active", caching.registry_version(session)),
        lambda: session.scalar(
            select(func.count())
            .select_from(Cooperative)
            .where(Cooperative.merged_into_id.is_(None))
        ),
    )
    return render(request, "home.html", {"cooperative_count": active or 0})


# The count of active cooperatives by registry version (counting them scans the table).
COUNTS = caching.LRU(8)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, next: str | None = None, principal: Principal = PUBLIC
) -> Response:
    """The login form."""
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    next: str = Form("/"),
    principal: Principal = PUBLIC,
    session: Session = SESSION,
) -> Response:
    """Check the credentials and open a session."""
    settings = get_settings(request)
    _ = translator(request)
    client = request.client.host if request.client else "unknown"
    try:
        user = accounts.authenticate(
            session,
            username,
            password,
            client=client,
            max_failures=settings.login_max_failures,
            window=login_window(settings),
        )
    except accounts.TooManyAttempts:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": _("Too many failed attempts. Try again later.")},
            status_code=429,
        )
    if user is None:
        # Commit the failed attempt so that rate limiting counts it.
        session.commit()
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": _("Wrong username or password.")},
            status_code=400,
        )
    secret = accounts.open_web_session(session, user, hours=settings.session_hours)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=settings.session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, principal: Principal = PUBLIC, session: Session = SESSION) -> Response:
    """Close the session."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        accounts.close_web_session(session, secret)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
def set_language(
    request: Request, lang: str = Form(...), next: str = Form("/"), principal: Principal = PUBLIC
) -> Response:
    """Remember the visitor's language in a cookie (a year)."""
    if lang not in LANGUAGES:
        raise HTTPException(
            400, Message(N_("unsupported language %(lang)r"), i18n.CORE_DOMAIN, lang=lang)
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="lax",
        secure=_secure(request),
    )
    return response


@router.get("/account", response_class=HTMLResponse)
def account_page(
    request: Request, principal: Principal = ACCOUNT, session: Session = SESSION
) -> Response:
    """The person's account: role and API tokens."""
    assert principal.user_id is not None
    tokens = accounts.list_tokens(session, principal.user_id)
    return render(request, "account.html", {"tokens": tokens, "new_token": None})


@router.post("/account/tokens", response_class=HTMLResponse)
def account_create_token(
    request: Request,
    name: str = Form(...),
    principal: Principal = ACCOUNT,
    session: Session = SESSION,
) -> Response:
    """Create an API token and show its secret once."""
    assert principal.user_id is not None
    user = session.get(User, principal.user_id)
    assert user is not None
    try:
        new = accounts.create_token(session, user, name)
    except accounts.AccountError as exc:
        raise HTTPException(400, account_error(str(exc), translator(request))) from None
    tokens = accounts.list_tokens(session, principal.user_id)
    return render(request, "account.html", {"tokens": tokens, "new_token": new})


@router.post("/account/tokens/{token_id}/revoke")
def account_revoke_token(
    token_id: int, principal: Principal = ACCOUNT, session: Session = SESSION
) -> Response:
    """Revoke one of the person's tokens."""
    assert principal.user_id is not None
    try:
        accounts.revoke_token(session, principal.user_id, token_id)
    except accounts.AccountError:
        raise HTTPException(404, "no such token") from None
    return RedirectResponse("/account", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request, principal: Principal = ADMIN, session: Session = SESSION
) -> Response:
    """Administration of user accounts."""
    return render(
        request,
        "users.html",
        {"users": accounts.list_users(session), "roles": [r.value for r in Role], "error": None},
    )


@router.post("/admin/users", response_class=HTMLResponse)
def users_create(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    role: str = Form(...),
    cooperative_id: str = Form(""),
    principal: Principal = ADMIN,
    session: Session = SESSION,
) -> Response:
    """Create a user account."""
    error = None
    try:
        coop = int(cooperative_id) if cooperative_id.strip() else None
        accounts.create_user(session, username, password, role, cooperative_id=coop)
    except (accounts.AccountError, ValueError) as exc:
        error = account_error(str(exc), translator(request))
        session.rollback()
    if error is None:
        return RedirectResponse("/admin/users", status_code=303)
    return render(
        request,
        "users.html",
        {"users": accounts.list_users(session), "roles": [r.value for r in Role], "error": error},
        status_code=400,
    )


@router.post("/admin/users/{username}/role")
def users_set_role(
    request: Request,
    username: str,
    role: str = Form(...),
    cooperative_id: str = Form(""),
    principal: Principal = ADMIN,
    session: Session = SESSION,
) -> Response:
    """Change a user's role."""
    try:
        coop = int(cooperative_id) if cooperative_id.strip() else None
        accounts.set_role(session, username, role, cooperative_id=coop)
    except (accounts.AccountError, ValueError) as exc:
        raise HTTPException(400, account_error(str(exc), translator(request))) from None
    return RedirectResponse("/admin/users", status_code=303)


def _visible_job(session: Session, principal: Principal, job_id: int) -> jobs.JobStatus:
    status = jobs.job_status(session, job_id)
    if status is None:
        raise HTTPException(404, "no such job")
    if status.created_by_id != principal.user_id and not can(principal, Permission.MANAGE_USERS):
        raise HTTPException(404, "no such job")
    return status


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: int,
    principal: Principal = ACCOUNT,
    session: Session = SESSION,
) -> Response:
    """Progress of a background job; polls itself with htmx until the job ends."""
    status = _visible_job(session, principal, job_id)
    template = "job_fragment.html" if request.headers.get("hx-request") else "job.html"
    return render(request, template, {"job": status})


@router.get("/api/v1/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request, principal: Principal = PUBLIC) -> Response:
    """Interactive API documentation (Swagger UI, served from our own static files)."""
    # Our own page rather than FastAPI's, whose inline script the Content-Security-Policy
    # refuses: static/js/api-docs.js starts Swagger UI.
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>asocia API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body data-openapi="{API_DOCS_OPENAPI}"><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script></body></html>"""
    return HTMLResponse(page)


API_DOCS_OPENAPI = "/api/v1/openapi.json"


# --- API ---------------------------------------------------------------------------------------


class Me(BaseModel):
    authenticated: bool
    username: str | None
    role: str | None
    cooperative_id: int | None
    permissions: list[str]


@api_router.get("/me", response_model=Me)
def api_me(principal: Principal = PUBLIC) -> Me:
    """Who the API sees: useful to check a token."""
    return Me(
        authenticated=principal.is_authenticated,
        username=principal.username,
        role=principal.role.value if principal.role else None,
        cooperative_id=principal.cooperative_id,
        permissions=sorted(p.value for p in Permission if can(principal, p)),
    )


class TokenIn(BaseModel):
    name: str


@api_router.get("/tokens")
def api_list_tokens(
    principal: Principal = ACCOUNT, session: Session = SESSION
) -> list[dict[str, Any]]:
    """The caller's API tokens (never their secrets)."""
    assert principal.user_id is not None
    return [
        {
            "id": t.id,
            "name": t.name,
            "prefix": t.prefix,
            "created_at": t.created_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked": t.revoked_at is not None,
        }
        for t in accounts.list_tokens(session, principal.user_id)
    ]


@api_router.post("/tokens", status_code=201)
def api_create_token(
    body: TokenIn, principal: Principal = ACCOUNT, session: Session = SESSION
) -> dict[str, Any]:
    """Create a token; the secret is in this answer only."""
    assert principal.user_id is not None
    user = session.get(User, principal.user_id)
    assert user is not None
    try:
        new = accounts.create_token(session, user, body.name)
    except accounts.AccountError as exc:
        raise HTTPException(400, str(exc)) from None
    return {"id": new.id, "name": new.name, "token": new.secret}


@api_router.delete("/tokens/{token_id}", status_code=204)
def api_revoke_token(
    token_id: int, principal: Principal = ACCOUNT, session: Session = SESSION
) -> Response:
    """Revoke a token."""
    assert principal.user_id is not None
    try:
        accounts.revoke_token(session, principal.user_id, token_id)
    except accounts.AccountError:
        raise HTTPException(404, "no such token") from None
    return Response(status_code=204)


@api_router.get("/jobs/{job_id}")
def api_job(
    job_id: int, principal: Principal = ACCOUNT, session: Session = SESSION
) -> JSONResponse:
    """Progress and result of a background job started by the caller."""
    return JSONResponse(_visible_job(session, principal, job_id).as_dict())


@api_router.get("/health")
def api_health(request: Request, principal: Principal = PUBLIC) -> dict[str, str]:
    """Liveness and database reachability, for load balancers."""
    get_database(request).ping()
    return {"status": "ok"}
