"""Caching of the dashboard, conditional requests (ETag / Last-Modified → 304), compression.

The dashboard is the same for every visitor who sees the same data with the same filters in
the same language with the same rights (public or full statistics). So each worker keeps:

- the dashboard's *board* (every figure, chart and cross-tab; language-independent), keyed by
  ``(data version, filters, public, k)``, shared by the page, the CSV downloads and the API;
- the rendered *blocks* of the dashboard page (its content without the site header, which names
  the visitor), keyed by the same plus the language and the diagnosis section's version.

The *data version* is :func:`registry_version` (the registry's highest id and latest change,
two index lookups) plus the statistics' parameters: when the registry changes, the version
changes, so a cached entry is never served for other data. A warm dashboard costs that and a
render of the layout. The summary tables keep their own fuller fingerprint
(:func:`asocia.stats.summary.fingerprint`), checked when a board is built.

Other pages cache their blocks the same way (:func:`cached_page`): the registry list, keyed by
the registry's version, the query, the language and the visitor's role and cooperative.

The cache lives in the worker's memory (bounded, least recently used out first): several
workers each warm their own, and none needs to coordinate because the key names the data.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.middleware.gzip import GZipMiddleware

from asocia import __version__
from asocia.auth.policy import ANONYMOUS, Principal

T = TypeVar("T")

# Responses smaller than this are sent as they are (compressing them gains nothing).
GZIP_MINIMUM = 1024


class LRU:
    """A small thread-safe least-recently-used mapping (:func:`clear` empties them all)."""

    def __init__(self, size: int) -> None:
        self.size = size
        _ALL.append(self)
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]  # type: ignore[no-any-return]
        self.misses += 1
        value = build()  # outside the lock: a slow build does not block other keys
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_ALL: list[LRU] = []
BOARDS = LRU(64)
PAGES = LRU(128)
# When each data version was first seen by this worker (its Last-Modified).
_SEEN: dict[str, datetime] = {}


def clear() -> None:
    """Forget everything cached (tests; a deployment never needs to)."""
    for cache in _ALL:
        cache.clear()
    _SEEN.clear()


def registry_version(session: Session) -> str:
    """The registry's version: its highest id and its latest change.

    Two index lookups (the primary key and ``updated_at``), so it is cheap enough to ask on
    every request, at any size of registry. Every write to ``cooperatives`` moves
    ``updated_at`` (the importer, edits and merges set it; the statistics summary relies on it
    too) and every new row a higher id; rows are never deleted (a merge keeps both).
    """
    from asocia.db.models import Cooperative

    row = session.execute(select(func.max(Cooperative.id), func.max(Cooperative.updated_at))).one()
    # The database's address is part of the version: one process may serve several.
    return f"{session.get_bind().engine.url}|{row[0]}|{row[1]}"


def data_version(session: Session, *, uf_clp: float) -> str:
    """The registry's version as the statistics see it: :func:`registry_version`, the UF
    rate and the day (ages and the year's figures are counted as of today).

    The summary tables keep their own, fuller fingerprint
    (:func:`asocia.stats.summary.fingerprint`), checked when a board is built.
    """
    version = f"{registry_version(session)}|{uf_clp}|{date.today().isoformat()}"
    _SEEN.setdefault(version, datetime.now(UTC).replace(microsecond=0))
    return version


def diagnosis_version(session: Session) -> str:
    """The version of the stored diagnoses (for the dashboard's traffic-light section)."""
    from asocia.db.models.diagnosis import Diagnosis

    row = session.execute(
        select(func.count(), func.max(Diagnosis.id), func.max(Diagnosis.updated_at))
    ).one()
    return f"{row[0]}:{row[1]}:{row[2]}"


def last_modified(version: str) -> datetime:
    return _SEEN.get(version) or datetime.now(UTC).replace(microsecond=0)


def board(key: Hashable, build: Callable[[], T]) -> T:
    """The dashboard's figures for ``key`` (built by ``build`` when not cached)."""
    return BOARDS.get_or_build(("board", key), build)


def page_blocks(
    key: Hashable,
    template: str,
    build: Callable[[], dict[str, Any]],
    request: Request,
    cache: LRU | None = None,
) -> dict[str, Markup]:
    """The rendered blocks (``head``, ``content``, ``scripts``, ``title``) of ``template`` for
    ``key``; ``build`` gives the template's own context when they are not cached.

    The key must hold everything the blocks depend on besides ``build``'s data: the blocks
    must not show the visitor's name or CSRF token (those are in the layout, rendered for
    each request by :func:`cached_page`).
    """
    from asocia.web.templating import context_for, domain_of, environment

    def render_blocks() -> dict[str, Markup]:
        values = context_for(request, domain_of(template))
        values.update(build())
        tmpl = environment.get_template(template)
        context = tmpl.new_context(values)
        return {
            name: Markup("".join(tmpl.blocks[name](context)))
            for name in ("title", "head", "content", "scripts")
            if name in tmpl.blocks
        }

    return (cache or PAGES).get_or_build(("page", template, key), render_blocks)


def cached_page(
    request: Request,
    *,
    key: Hashable,
    template: str,
    build: Callable[[], dict[str, Any]],
    cache: LRU | None = None,
) -> HTMLResponse:
    """``template``'s page: the site's layout for this visitor around the cached blocks."""
    from asocia.web.templating import context_for, domain_of, environment

    blocks = page_blocks(key, template, build, request, cache)
    # The layout reads the page's gettext domain first, as the page itself would.
    values = context_for(request, domain_of(template))
    values["blocks"] = blocks
    return HTMLResponse(environment.get_template("cached_page.html").render(values))


def etag_for(*parts: Any) -> str:
    digest = hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def not_modified(request: Request, etag: str, modified: datetime) -> bool:
    """Whether the client's copy (If-None-Match, else If-Modified-Since) is current."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {t.strip() for t in match.split(",")}
        return etag in tags or "*" in tags or etag.removeprefix("W/") in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def validators(etag: str, modified: datetime) -> dict[str, str]:
    return {
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        # Shared caches must not keep pages that name the visitor; browsers revalidate.
        "Cache-Control": "private, no-cache",
        "Vary": "Cookie, Authorization",
    }


def visitor(request: Request) -> tuple[Any, ...]:
    """What the site header of a page depends on besides the language."""
    principal: Principal = getattr(request.state, "principal", None) or ANONYMOUS
    return (
        principal.user_id,
        principal.role.value if principal.role else None,
        getattr(request.state, "csrf_seed", None),
        request.url.path,
        request.url.query,
        __version__,
    )


def conditional_page(
    request: Request,
    *,
    key: Hashable,
    version: str,
    template: str,
    build: Callable[[], dict[str, Any]],
) -> Response:
    """A cached page: 304 when the client's copy is current, else the layout around the
    cached blocks of ``template``."""

    etag = etag_for("page", template, key, visitor(request))
    modified = last_modified(version)
    headers = validators(etag, modified)
    if not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    response = cached_page(request, key=key, template=template, build=build)
    response.headers.update(headers)
    return response


def conditional_json(
    request: Request, *, key: Hashable, version: str, build: Callable[[], Any]
) -> Response:
    """A cached JSON answer with validators; 304 when the client's copy is current."""
    etag = etag_for("json", key)
    modified = last_modified(version)
    headers = validators(etag, modified)
    if not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    body = PAGES.get_or_build(("json", key), lambda: json.dumps(build(), default=str).encode())
    return Response(body, media_type="application/json", headers=headers)


def install(app: FastAPI) -> None:
    """Compress responses (gzip) for clients that accept it."""
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM, compresslevel=5)
