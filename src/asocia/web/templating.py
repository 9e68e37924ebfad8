"""Jinja2 templates with translations, CSRF and the authorization policy in every render."""

from __future__ import annotations

from datetime import date as _date
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2.ext import _make_new_gettext, _make_new_ngettext
from markupsafe import Markup, escape

from asocia import __version__, i18n
from asocia.auth.policy import ANONYMOUS, Permission, Principal, can
from asocia.web.security import CSRF_FIELD, csrf_token_for

TEMPLATES = Path(__file__).parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.newstyle_gettext = True  # type: ignore[attr-defined]


def language(request: Request) -> str:
    """The language of this request (set by the language middleware)."""
    lang: str = getattr(request.state, "language", "es")
    return lang


def csrf_token(request: Request) -> str:
    """The CSRF token for this visitor's forms."""
    return csrf_token_for(request.app.state.secret_key, request.state.csrf_seed)


def domain_of(route_module: str) -> str:
    """The gettext domain of a web module or template (``registry/list.html`` → registry)."""
    name = route_module.rsplit(".", 1)[-1]
    if "/" in route_module:
        name = route_module.split("/", 1)[0]
    return name if name in i18n.domains() else i18n.CORE_DOMAIN


def translator(request: Request, domain: str = i18n.CORE_DOMAIN) -> Any:
    """A plain gettext function in the request's language, for use in Python code.

    Capability modules pass their domain: ``translator(request, "registry")``.
    """
    lang = language(request)
    return lambda message: i18n.gettext(lang, message, domain)


@lru_cache(maxsize=8192, typed=True)
def format_number(value: Any, digits: int, lang: str) -> str:
    """A number with ``digits`` decimals in the format of ``lang`` (``1.234`` in Spanish).

    Cached: Babel's formatting is slow, and the values a page shows (counts, members) repeat.
    """
    pattern = f"#,##0{'.' + '0' * digits if digits else ''}"
    return str(format_decimal(value, format=pattern, locale=lang))


@lru_cache(maxsize=4096, typed=True)
def _format_date(value: Any, lang: str) -> str:
    """A date (or ISO date text) in the one date format of ``lang`` ("7 feb 2026")."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            parsed = _date.fromisoformat(value[:10])
        except ValueError:
            return value
        return str(format_date(parsed, "medium", locale=lang))
    return str(format_date(value, "medium", locale=lang))


def context_for(request: Request, domain: str = i18n.CORE_DOMAIN) -> dict[str, Any]:
    """The globals every template gets; strings are looked up in ``domain`` first."""
    lang = language(request)
    principal: Principal = getattr(request.state, "principal", None) or ANONYMOUS
    token = csrf_token(request)
    translations = i18n.translations(lang, domain)
    return {
        "request": request,
        "lang": lang,
        "principal": principal,
        "can": lambda name: can(principal, Permission(name)),
        "csrf_token": token,
        "csrf_input": lambda: Markup(
            f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'
        ),
        "_": _make_new_gettext(translations.gettext),
        "gettext": _make_new_gettext(translations.gettext),
        "ngettext": _make_new_ngettext(translations.ngettext),
        "url_for": request.url_for,
        "number": lambda value, digits=0: (
            "—" if value is None else format_number(value, digits, lang)
        ),
        "percent": lambda value, digits=1: (
            "—"
            if value is None
            else format_percent(value, format=f"#,##0.{'0' * digits} %", locale=lang)
        ),
        "date": lambda value: _format_date(value, lang),
        "datetime": lambda value: (
            "—" if value is None else f"{_format_date(value, lang)} {value.strftime('%H:%M')}"
        ),
        "static": lambda path: f"/static/{path}?v={__version__}",
        "version": __version__,
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with the request's globals plus ``context``.

    The template's folder names its gettext domain (``registry/…`` → ``registry``).
    """
    values = context_for(request, domain_of(template))
    if context:
        values.update(context)
    html = environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
