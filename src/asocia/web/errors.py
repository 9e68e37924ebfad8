"""Error answers: HTML pages in the site's layout and language for pages, JSON for the API.

A browser asking for ``/registry/abc`` gets a page saying the address does not exist, in its
language, with the site's navigation; a script asking the API gets ``{"detail": ...}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from asocia import i18n
from asocia.i18n import N_
from asocia.web.templating import language, render

API_PREFIX = "/api/v1"

TITLES = {
    400: N_("The request could not be understood"),
    401: N_("Authentication required"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("This address does not take this kind of request"),
    409: N_("This conflicts with the current state"),
    413: N_("The file is too large"),
    422: N_("Some values are not valid"),
    500: N_("Something went wrong"),
    503: N_("Busy, try again"),
}
FORM_INVALID = N_("A field of the form is missing or not valid; go back and try again.")
# Details of errors the pages raise, marked here so that the error page can translate them.
DETAILS = (
    N_("Not Found"),  # Starlette: unknown address
    N_("Method Not Allowed"),
    N_("The address names something that does not exist."),
    N_("The error was recorded. Try again later, or tell the site's administrators."),
    N_("you do not have permission to do this"),
    N_("CSRF token missing or invalid; reload the page and try again"),
    N_("no such job"),
    N_("no such token"),
    N_("no such cooperative"),
    N_("no such import run"),
    N_("no such upload"),
    N_("no such report"),
    N_("no such diagnosis"),
    N_("no such action"),
    N_("no such category"),
    N_("no such chart or table"),
    N_("bad cursor or sort"),
)


def is_api(request: Request) -> bool:
    """Whether ``request`` asked the JSON API (not a page)."""
    return request.url.path.startswith(API_PREFIX)


def translate(request: Request, message: str) -> str:
    """``message`` in the request's language, looked up in every gettext domain."""
    lang = language(request)
    for domain in (i18n.CORE_DOMAIN, *sorted(i18n.domains())):
        text = i18n.gettext(lang, message, domain)
        if text != message:
            return text
    return message


def error_page(
    request: Request, status: int, detail: Any, headers: Mapping[str, str] | None = None
) -> Response:
    """The HTML page of an error with ``status`` (``detail`` is translated when it can be)."""
    title = translate(request, TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400]))
    if isinstance(detail, (i18n.Message, i18n.MessageError)):
        text = detail.text(language(request))  # a message with values, in the reader's language
    else:
        text = translate(request, detail) if isinstance(detail, str) else ""
    response = render(
        request,
        "error.html",
        {"title": title, "detail": text, "status": status},
        status_code=status,
    )
    if headers:
        response.headers.update(headers)
    return response


async def http_error(request: Request, exc: HTTPException) -> Response:
    """An ``HTTPException``: JSON on the API, an HTML page elsewhere."""
    if is_api(request) or not hasattr(request.state, "csrf_seed"):
        detail = exc.detail
        if isinstance(detail, (i18n.Message, i18n.MessageError)):
            detail = str(detail)  # the API speaks English
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
    return error_page(request, exc.status_code, exc.detail, exc.headers)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """Parameters that do not parse: JSON with every error on the API; on a page, a bad path
    parameter is an address that does not exist (404), anything else a 422 page."""
    errors = [
        {"location": list(e.get("loc", ())), "message": e.get("msg"), "type": e.get("type")}
        for e in exc.errors()
    ]
    if is_api(request) or not hasattr(request.state, "csrf_seed"):
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)
    if any(e["location"][:1] == ["path"] for e in errors):
        return error_page(request, 404, "The address names something that does not exist.")
    return error_page(request, 422, FORM_INVALID)


async def server_error(request: Request, exc: Exception) -> Response:
    """An unexpected failure: the visitor gets a page (or JSON) without internals; Starlette
    raises the exception again after this answer, so the server logs it once."""
    if is_api(request) or not hasattr(request.state, "csrf_seed"):
        return JSONResponse({"detail": "internal error"}, status_code=500)
    try:
        return error_page(
            request,
            500,
            "The error was recorded. Try again later, or tell the site's administrators.",
        )
    except Exception:  # the layout itself failed: plain text rather than nothing
        return Response("500", status_code=500, media_type="text/plain")
