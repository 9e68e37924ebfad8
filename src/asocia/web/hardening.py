"""Web hardening installed by the application factory: upload limit, security headers, and
clear answers (instead of 500) for malformed input and a busy database.

- Request bodies are limited while they stream in (:mod:`asocia.uploads`, installed by the
  factory as the innermost middleware): 413.
- Headers on every response: a Content-Security-Policy with no inline script
  (:data:`CSP`), ``Strict-Transport-Security`` over HTTPS, and ``Cache-Control: no-store``
  whenever the visitor is logged in (pages and JSON that may carry personal data).
- A value the database cannot store (an integer out of range, a NUL byte in text) is a 400
  with one line saying so, not a traceback: parameters are validated where they are read,
  and these handlers are the net under that.
- A write that cannot get SQLite's single write lock within :data:`BUSY_SECONDS` (an import
  holds it) answers 503 "busy, try again" with ``Retry-After``; PostgreSQL's lock timeouts too.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import event
from sqlalchemy.exc import DataError, OperationalError, StatementError
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from asocia.db.session import Database
from asocia.locks import ImportBusy
from asocia.settings import Settings
from asocia.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    cookie_header,
    cookies_secure,
    new_csrf_seed,
)
from asocia.web.templating import render, translator

log = logging.getLogger(__name__)

#: Seconds a web request waits for SQLite's write lock before answering 503.
BUSY_SECONDS = 5
#: Seconds anything else (imports, the CLI) waits, as before.
DEFAULT_BUSY_SECONDS = 30
RETRY_AFTER = "10"

#: No inline script and no ``eval`` anywhere (charts run Vega's expression interpreter).
#: Inline styles stay allowed: htmx and Vega set them, and they cannot run code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware and handlers of this module to ``app``."""
    database: Database = app.state.database
    if database.dialect == "sqlite":
        _default_busy_timeout(database)

    app.add_middleware(SecurityHeaders, settings=settings)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        return _bad_value(request, exc)

    @app.exception_handler(OverflowError)
    async def overflow(request: Request, exc: OverflowError) -> Response:
        return _bad_value(request, exc)

    @app.exception_handler(StatementError)
    async def statement_error(request: Request, exc: StatementError) -> Response:
        if isinstance(exc.orig, (OverflowError, ValueError)):
            return _bad_value(request, exc)
        raise exc

    @app.exception_handler(ImportBusy)
    async def import_busy(request: Request, exc: ImportBusy) -> Response:
        return _answer(request, 409, str(exc), headers={"Retry-After": RETRY_AFTER})

    @app.exception_handler(OperationalError)
    async def operational(request: Request, exc: OperationalError) -> Response:
        if not is_busy(exc):
            raise exc
        log.warning("database busy: %s %s", request.method, request.url.path)
        return _answer(
            request,
            503,
            "the database is busy (an import is writing); try again in a moment",
            headers={"Retry-After": RETRY_AFTER},
        )


class SecurityHeaders:
    """ASGI middleware: the CSP, HSTS over HTTPS, ``no-store`` for a logged-in visitor, and the
    session and CSRF cookies' upkeep (:func:`_session_cookies`) on every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                scheme = scope["scheme"]
                if cookies_secure(self.settings, scheme) and scheme == "https":
                    headers.setdefault("Strict-Transport-Security", HSTS)
                request = Request(scope)
                principal = getattr(request.state, "principal", None)
                if principal is not None and principal.is_authenticated:
                    headers["Cache-Control"] = "no-store"
                _session_cookies(request, headers, self.settings)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _session_cookies(request: Request, headers: MutableHeaders, settings: Settings) -> None:
    """Rotate the CSRF cookie when a session opens; keep the session cookie's lifetime the
    server's (it slides with each visit, as the session's expiry does in the database)."""
    secure = cookies_secure(settings, request.url.scheme)
    session_set = [
        value for value in headers.getlist("set-cookie") if value.startswith(f"{SESSION_COOKIE}=")
    ]
    if session_set:
        opened = not any(
            "max-age=0" in v.lower() or v.startswith(f'{SESSION_COOKIE}=""') for v in session_set
        )
        if opened:
            headers.raw.append(cookie_header(CSRF_COOKIE, new_csrf_seed(), secure=secure))
        return
    principal = getattr(request.state, "principal", None)
    secret = request.cookies.get(SESSION_COOKIE)
    if (
        secret
        and principal is not None
        and principal.is_authenticated
        and not getattr(request.state, "via_token", False)
    ):
        headers.raw.append(
            cookie_header(
                SESSION_COOKIE, secret, secure=secure, max_age=settings.session_hours * 3600
            )
        )


def is_busy(exc: BaseException) -> bool:
    """True for "the database is locked / busy" (SQLite) or a lock timeout (PostgreSQL)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return any(
        marker in text
        for marker in ("database is locked", "database is busy", "lock timeout", "could not obtain")
    )


def _bad_value(request: Request, exc: BaseException) -> Response:
    log.info("refused a value the database cannot hold: %s", str(exc).splitlines()[0])
    return _answer(
        request,
        400,
        "a value in the request is out of range or not valid text (e.g. too large a number, "
        "or a NUL character)",
    )


def _answer(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> Response:
    if request.url.path.startswith("/api/") or not hasattr(request.state, "csrf_seed"):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    _ = translator(request)
    titles = {400: _("Bad request"), 409: _("Busy, try again"), 503: _("Busy, try again")}
    response = render(
        request,
        "error.html",
        {
            "title": titles.get(status, _("Something went wrong")),
            "detail": detail,
            "status": status,
        },
        status_code=status,
    )
    response.headers.update(headers or {})
    return response


def _default_busy_timeout(database: Database) -> None:
    """Every connection starts with the usual 30 s wait; web requests shorten it."""

    @event.listens_for(database.engine, "checkout")
    def _reset(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {DEFAULT_BUSY_SECONDS * 1000}")
        cursor.close()


def bounded_wait(session: Session, seconds: float = BUSY_SECONDS) -> None:
    """Make ``session`` (SQLite) wait at most ``seconds`` for the write lock."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
