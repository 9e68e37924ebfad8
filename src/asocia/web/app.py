"""The application factory."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import URL, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from asocia import __version__, uploads
from asocia.db.session import Database
from asocia.settings import LANGUAGES, Settings
from asocia.web import caching, errors, hardening, openapi
from asocia.web.deps import LoginRequired, csrf_protect
from asocia.web.security import (
    CSRF_COOKIE,
    LANGUAGE_COOKIE,
    cookie_header,
    cookies_secure,
    new_csrf_seed,
    resolve_secret_key,
)

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
API_PREFIX = "/api/v1"

# Capability modules, each exposing ``router`` (pages) and/or ``api_router`` (JSON).
# registry_edit before registry: its fixed paths (/registry/new...) must not be read as an id.
CAPABILITIES = (
    "core",
    "registry_edit",
    "registry_review",
    "registry_import",
    "registry",
    "diagnosis",
    "stats",
    "programmes",
    "monitoring",
    "partnerships",
)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the web application for ``settings`` (read from the environment when omitted).

    The process keeps no state of its own: sessions, rate limits and job progress are in the
    database, so several workers can serve one deployment.
    """
    settings = settings or Settings.from_env()
    database = database or Database(settings.database_url)
    database.check_schema()

    app = FastAPI(
        title="asocia",
        version=__version__,
        description="API del observatorio de cooperativas / cooperative observatory API",
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
        dependencies=[Depends(csrf_protect)],
    )
    app.state.settings = settings
    app.state.database = database
    app.state.secret_key = resolve_secret_key(settings, database)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for name in CAPABILITIES:
        try:
            module = importlib.import_module(f"asocia.web.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"asocia.web.{name}":
                raise
            continue  # a capability not built yet
        if hasattr(module, "router"):
            app.include_router(module.router, include_in_schema=False)  # pages: not the API
        if hasattr(module, "api_router"):
            app.include_router(module.api_router, prefix=API_PREFIX)

    # Innermost (added first): the route's own reads of the body meet the limit directly.
    uploads.install(app, settings.max_upload_mb)
    _install_middleware(app, settings)
    _install_error_handlers(app)
    openapi.install(app)
    caching.install(app)
    hardening.install(app, settings)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(LanguageAndCsrfCookie, settings=settings)


class LanguageAndCsrfCookie:
    """ASGI middleware: the request's language and CSRF seed (from their cookies) in
    ``request.state``; the CSRF cookie set when the visitor had none; the basic security
    headers. Plain ASGI rather than ``@app.middleware("http")``, which runs every request
    through an extra task and a streamed copy of the response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        state = request.state
        state.language = chosen if chosen in LANGUAGES else self.settings.default_language
        seed = request.cookies.get(CSRF_COOKIE)
        fresh_seed = not seed
        state.csrf_seed = seed or new_csrf_seed()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if fresh_seed:
                    secure = cookies_secure(self.settings, scope["scheme"])
                    headers.raw.append(cookie_header(CSRF_COOKIE, state.csrf_seed, secure=secure))
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "authentication required"}, status_code=401)
        target = URL("/login").include_query_params(next=request.url.path)
        return RedirectResponse(str(target), status_code=303)

    app.add_exception_handler(HTTPException, errors.http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, errors.validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, errors.server_error)
