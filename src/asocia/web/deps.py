"""Request dependencies: who is asking, may they, and a database session.

Every route depends on :func:`require`; the authorization matrix test checks that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from asocia.auth import accounts
from asocia.auth.policy import ANONYMOUS, Permission, Principal, can
from asocia.db.session import Database
from asocia.settings import Settings
from asocia.stats.cellkey import Perturbation
from asocia.web import hardening
from asocia.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    csrf_valid,
)


class LoginRequired(Exception):
    """An anonymous visitor asked for something that needs an account."""


def get_database(request: Request) -> Database:
    """The application's database."""
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session for the request, committed when the route returns without error."""
    with get_database(request).session() as session:
        hardening.bounded_wait(session)
        # Also for what a page's template asks of the database while it renders (see
        # :func:`request_session`), so a page checks out one connection.
        request.state.session = session
        try:
            yield session
        finally:
            del request.state.session


def request_session(request: Request) -> Session | None:
    """The request's open database session, if its route has one (None otherwise)."""
    session: Session | None = getattr(request.state, "session", None)
    return session


# Routes take their session as ``session: Session = SESSION``. ``scope="function"`` commits
# before the response goes out: by default FastAPI runs a yield dependency's exit code after
# the response is sent, so a browser could follow a redirect before the write was committed
# and the next page would not see it (a login would look like it failed).
SESSION = Depends(get_session, scope="function")


def bearer_token(request: Request) -> str | None:
    """The API token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def get_principal(request: Request, session: Session = SESSION) -> Principal:
    """Who is asking: from an API token, else the session cookie, else anonymous.

    Read in the request's own database session (the one its route uses: FastAPI gives every
    dependency of a request the same one), so a logged-in request checks out one connection,
    not two. Cached on the request so that every dependency sees the same answer.
    """
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = ANONYMOUS
    due = False
    token = bearer_token(request)
    secret = request.cookies.get(SESSION_COOKIE)
    if token is not None:
        found, due = accounts.read_token(session, token)
        if found is None:
            raise HTTPException(401, "invalid or revoked API token")
        principal = found
    elif secret:
        principal, due = accounts.read_web_session(session, secret)
    if due:
        _touch(request, token, secret)
    request.state.principal = principal
    request.state.via_token = token is not None
    return principal


def _touch(request: Request, token: str | None, secret: str | None) -> None:
    """Write a session's sliding expiry or a token's last use, at most every few minutes.

    In a short session of its own, committed at once, so that the request's own transaction
    stays read-only; it does not wait for an import's write lock: when the database is busy
    the write is skipped, and done on a later request.
    """
    try:
        with get_database(request).session() as own:
            hardening.bounded_wait(own, 0.1)
            if token is not None:
                accounts.touch_token(own, token)
            elif secret is not None:
                accounts.touch_web_session(own, secret, hours=get_settings(request).session_hours)
    except OperationalError as exc:
        if not hardening.is_busy(exc):
            raise


async def csrf_protect(request: Request) -> None:
    """Refuse a state-changing request that lacks the CSRF token.

    Requests authenticated by an API token carry no cookies a forged page could abuse, so they
    are exempt.
    """
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    secret_key: str = request.app.state.secret_key
    if not csrf_valid(secret_key, request.cookies.get(CSRF_COOKIE), token):
        raise HTTPException(403, "CSRF token missing or invalid; reload the page and try again")


def require(permission: Permission) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that lets the request through only if its principal has ``permission``.

    Anonymous visitors asking for more than public pages are sent to log in (401 on the API).
    """

    # async: it only compares, so it runs on the event loop (a plain ``def`` dependency would
    # be sent to the thread pool, a hand-off on every request).
    async def dependency(
        request: Request, principal: Principal = Depends(get_principal)
    ) -> Principal:
        if can(principal, permission):
            return principal
        if not principal.is_authenticated:
            raise LoginRequired()
        raise HTTPException(403, "you do not have permission to do this")

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the authz test
    return dependency


def login_window(settings: Settings) -> timedelta:
    """The window in which failed logins are counted."""
    return timedelta(minutes=settings.login_window_minutes)


def disclosure_control(request: Request, principal: Principal) -> Perturbation | None:
    """The statistics' disclosure control (the cell key method) for whoever may not see full
    statistics; None for analysts, who see exact figures."""
    if can(principal, Permission.VIEW_FULL_STATISTICS):
        return None
    return Perturbation.from_settings(get_settings(request))


def back_with_error(path: str, error: object) -> RedirectResponse:
    """303 back to ``path`` with ``error`` in its query string (encoded: a message holds spaces,
    ``&`` or ``#``), for the page to show."""
    return RedirectResponse(f"{path}?{urlencode({'error': str(error)})}", status_code=303)


async def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON body as an object, or 400 (invalid JSON, or not an object)."""
    try:
        body = await request.json()
    except ValueError:  # JSONDecodeError, and UnicodeDecodeError of a body not in UTF-8
        raise HTTPException(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body
