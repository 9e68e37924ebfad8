"""Registry pages and API: the list, a cooperative's page, duplicate review, the correction
queue, export; JSON under ``/api/v1/registry``. The import wizard and import history are in
:mod:`asocia.web.registry_import`; editing in :mod:`asocia.web.registry_edit`.

Reads go through ``asocia.registry.queries`` (scoped by ``asocia.auth.policy``); every write
goes through ``asocia.registry.store`` or the import pipeline.
"""

from __future__ import annotations

import json
import secrets
from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from asocia.auth.policy import Permission, Principal, can
from asocia.db.models.registry import ImportRun
from asocia.i18n import N_, Message
from asocia.registry import duplicates as duplicates_module
from asocia.registry import queries
from asocia.registry.export import FORMATS, export
from asocia.registry.flags import FlagFilters, flag_codes, open_flags
from asocia.registry.store import (
    Actor,
    MergeError,
    decide_pair,
    merge_cooperatives,
    set_ilo_type,
)
from asocia.registry.territory import territory
from asocia.registry.vocabulary import vocabulary
from asocia.settings import Settings
from asocia.web import caching
from asocia.web.deps import SESSION, get_settings, require
from asocia.web.problems import reason_text
from asocia.web.templating import language, render

router = APIRouter()
api_router = APIRouter(tags=["registry"])

BROWSE = Depends(require(Permission.BROWSE_REGISTRY))
VIEW = Depends(require(Permission.VIEW_REGISTRY))
EDIT = Depends(require(Permission.EDIT_REGISTRY))
EXPORT = Depends(require(Permission.EXPORT_DATA))
MEDIA = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _actor(principal: Principal) -> Actor:
    return Actor(principal.user_id, principal.username)


def _filters(request: Request) -> queries.Filters:
    params = request.query_params

    def integer(name: str) -> int | None:
        value = params.get(name, "").strip()
        return int(value) if value.isdigit() else None

    def text(name: str) -> str | None:
        value = params.get(name, "").strip()
        return value or None

    return queries.Filters(
        q=text("q"),
        region=integer("region"),
        comuna=integer("comuna"),
        rural_class=text("rural_class"),
        legal_class=text("legal_class"),
        ilo_type=text("ilo_type"),
        status=text("status"),
        activity=text("activity"),
        size_band=text("size_band"),
        country=text("country"),
    )


def _page(session: Session, principal: Principal, request: Request) -> queries.Page:
    params = request.query_params
    sort = params.get("sort", "name")
    try:
        return queries.list_cooperatives(
            session,
            principal,
            _filters(request),
            sort=sort if sort in queries.SORTS else "name",
            after=params.get("after") or None,
            page=int(params.get("page", "1")) if params.get("page", "1").isdigit() else 1,
            limit=int(params["limit"]) if params.get("limit", "").isdigit() else queries.PAGE_SIZE,
        )
    except ValueError:
        raise HTTPException(400, "bad cursor or sort") from None


@cache
def _choices(lang: str) -> dict[str, Any]:
    """The filter form's choices in ``lang`` (package data: the same for the whole process)."""
    t = territory()
    return {
        "regions": [
            (str(r.code), r.name) for r in sorted(t.regions.values(), key=lambda r: r.code)
        ],
        "comunas": [
            (str(c.code), c.name)
            for c in sorted(t.comunas.values(), key=lambda c: (c.region_code, c.name))
        ],
        **{
            name: [(code, term.label(lang)) for code, term in vocabulary(category).terms.items()]
            for name, category in (
                ("rural_classes", "rural_classes"),
                ("legal_classes", "legal_classes"),
                ("ilo_types", "ilo_types"),
                ("statuses", "legal_statuses"),
                ("size_bands", "size_bands"),
                ("activities", "activities"),
            )
        },
    }


@cache
def _options(choices: str, lang: str, selected: str | None) -> Markup:
    """The ``<option>`` elements of one of :func:`_choices`' lists, ``selected`` marked.

    Built once per (list, language, choice): the comunas alone are 346 options, too many to
    loop over in the template on every request. ``selected`` is a valid code or None (so the
    cache stays bounded whatever the query string says).
    """
    return Markup(
        "".join(
            f'<option value="{escape(code)}"{" selected" if code == selected else ""}>'
            f"{escape(text)}</option>"
            for code, text in _choices(lang)[choices]
        )
    )


def options(choices: str, lang: str, selected: Any) -> Markup:
    """:func:`_options` for whatever the query string says is selected."""
    codes = {code for code, _ in _choices(lang)[choices]}
    return _options(choices, lang, selected if selected in codes else None)


def _labels(item: dict[str, Any], lang: str) -> dict[str, Any]:
    for key, category in (
        ("legal_class", "legal_classes"),
        ("ilo_type", "ilo_types"),
        ("legal_status", "legal_statuses"),
        ("activity", "activities"),
        ("size_band", "size_bands"),
        ("rural_class", "rural_classes"),
        ("organisation_type", "organisation_types"),
    ):
        if key in item:
            item[f"{key}_label"] = vocabulary(category).label(item[key], lang)
    return item


# -- pages ----------------------------------------------------------------------------------


# Rendered list pages (their blocks; the layout is rendered for each visitor).
LIST_PAGES = caching.LRU(256)
LIST_JSON = caching.LRU(256)


def _list_key(request: Request, session: Session, principal: Principal) -> tuple[Any, ...]:
    """What a list page or answer depends on: the registry's version, the query, and who
    asks (their role's rights and, for the coop role, their cooperative)."""
    return (
        caching.registry_version(session),
        principal.role,
        principal.cooperative_id,
        request.url.query,
    )


@router.get("/registry")
def registry_list(
    request: Request, principal: Principal = BROWSE, session: Session = SESSION
) -> Response:
    """The registry: search, filters, sorting, pages (served from the cache while the registry
    has not changed)."""
    lang = language(request)

    def build() -> dict[str, Any]:
        page = _page(session, principal, request)
        items = [_labels(i, lang) for i in page.items]
        params = {k: v for k, v in request.query_params.items() if k not in ("after", "page") and v}
        return {
            "page": page,
            "items": items,
            "params": params,
            "sort": params.get("sort", "name"),
            "options": lambda choices, selected: options(choices, lang, selected),
        }

    return caching.cached_page(
        request,
        key=(*_list_key(request, session, principal), lang),
        template="registry/list.html",
        build=build,
        cache=LIST_PAGES,
    )


@router.get("/registry/duplicates")
def duplicates_page(
    request: Request, principal: Principal = EDIT, session: Session = SESSION
) -> Response:
    """Duplicate candidates for review."""
    found = duplicates_module.candidates(session, limit=100)
    return render(request, "registry/duplicates.html", {"candidates": found})


CORRECTIONS_PAGE = 50


@router.get("/registry/corrections")
def corrections_page(
    request: Request, principal: Principal = EDIT, session: Session = SESSION
) -> Response:
    """The correction queue: open flags of kept cooperatives, each with its reason."""
    params = request.query_params
    field = (params.get("field") or "").strip() or None
    code = (params.get("code") or "").strip() or None
    try:
        page = max(1, int(params.get("page") or 1))
        run = int(params["run"]) if params.get("run") else None
    except ValueError:
        page, run = 1, None
    queue = open_flags(
        session,
        FlagFilters(field=field, code=code, import_run_id=run),
        limit=CORRECTIONS_PAGE,
        offset=(page - 1) * CORRECTIONS_PAGE,
    )
    return render(
        request,
        "registry/corrections.html",
        {
            "queue": queue,
            "codes": flag_codes(session),
            "field": field or "",
            "code": code or "",
            "page": page,
            "run": run,
            "reason": reason_text(request),
        },
    )


@router.post("/registry/duplicates/decide")
def decide(
    keep: int = Form(...),
    other: int = Form(...),
    decision: str = Form(...),
    principal: Principal = EDIT,
    session: Session = SESSION,
) -> Response:
    """Merge a pair (keeping both histories) or mark it distinct."""
    try:
        if decision == "merge":
            merge_cooperatives(session, keep, other, _actor(principal))
        elif decision == "distinct":
            decide_pair(session, keep, other, "distinct", _actor(principal))
        else:
            raise HTTPException(400, "decision must be merge or distinct")
    except MergeError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse("/registry/duplicates", status_code=303)


@router.get("/registry/export")
def export_file(
    request: Request,
    fmt: str = Query("csv", alias="format"),
    public: bool = Query(False),
    principal: Principal = EXPORT,
    session: Session = SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """Download the registry (``public=true`` leaves out personal data)."""
    if fmt not in FORMATS:
        raise HTTPException(
            400,
            Message(
                N_("format must be one of %(formats)s"), "registry", formats=", ".join(FORMATS)
            ),
        )
    folder = settings.upload_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{secrets.token_urlsafe(8)}.{fmt}"
    export(session, principal, out, fmt=fmt, public=public)
    name = f"registro_cooperativas{'_publico' if public else ''}.{fmt}"
    return FileResponse(
        out, media_type=MEDIA[fmt], filename=name, background=BackgroundTask(out.unlink)
    )


@router.post("/registry/{cooperative_id}/ilo-type")
def override_ilo_type(
    cooperative_id: int,
    ilo_type: str = Form(""),
    principal: Principal = EDIT,
    session: Session = SESSION,
) -> Response:
    """Set a cooperative's ILO type, or (empty) go back to its class's default."""
    if queries.get_cooperative(session, principal, cooperative_id) is None:
        raise HTTPException(404, "no such cooperative")
    try:
        set_ilo_type(session, cooperative_id, ilo_type or None, _actor(principal))
    except ValueError:
        raise HTTPException(400, "unknown ILO type") from None
    return RedirectResponse(f"/registry/{cooperative_id}", status_code=303)


@router.get("/registry/{cooperative_id}")
def cooperative_page(
    cooperative_id: int,
    request: Request,
    principal: Principal = VIEW,
    session: Session = SESSION,
) -> Response:
    """A cooperative: all its data, provenance and history."""
    data = queries.get_cooperative(session, principal, cooperative_id)
    if data is None:
        raise HTTPException(404, "no such cooperative")
    lang = language(request)
    run = session.get(ImportRun, data["import_run_id"]) if data.get("import_run_id") else None
    return render(
        request,
        "registry/detail.html",
        {
            "coop": _labels(data, lang),
            "ilo_types": _choices(lang)["ilo_types"],
            "history": queries.history(
                session, principal, cooperative_id, merged_ids=data["merged_ids"]
            ),
            "run": run,
            "can_personal": data["contact"] is not None
            or can(principal, Permission.VIEW_PERSONAL_DATA),
        },
    )


# -- API --------------------------------------------------------------------------------------


@api_router.get("/registry/cooperatives")
def api_list(
    request: Request, principal: Principal = BROWSE, session: Session = SESSION
) -> Response:
    """Cooperatives with filters (q, region, comuna, rural_class, legal_class, ilo_type, status,
    activity, size_band, country), sort, and pages (``after`` cursor for name sorts)."""

    def build() -> bytes:
        page = _page(session, principal, request)
        return _json(
            {
                "items": page.items,
                "count": page.count,
                "count_capped": page.count_capped,
                "next_after": page.next_after,
                "page": page.page,
                "has_next": page.has_next,
                "filters": page.filters,
            }
        )

    body = LIST_JSON.get_or_build(_list_key(request, session, principal), build)
    return Response(body, media_type="application/json")


def _json(data: Any) -> bytes:
    """``data`` as JSONResponse writes it, dates and decimals as text."""
    return json.dumps(
        data, default=str, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode()


@api_router.get("/registry/cooperatives/{cooperative_id}")
def api_detail(
    cooperative_id: int, principal: Principal = VIEW, session: Session = SESSION
) -> JSONResponse:
    """One cooperative (contacts only for those who may see personal data)."""
    data = queries.get_cooperative(session, principal, cooperative_id)
    if data is None:
        raise HTTPException(404, "no such cooperative")
    return JSONResponse(json.loads(json.dumps(data, default=str)))


@api_router.get("/registry/cooperatives/{cooperative_id}/history")
def api_history(
    cooperative_id: int, principal: Principal = VIEW, session: Session = SESSION
) -> JSONResponse:
    """Every change of a cooperative (and of records merged into it), newest first."""
    if queries.get_cooperative(session, principal, cooperative_id) is None:
        raise HTTPException(404, "no such cooperative")
    changes = queries.history(session, principal, cooperative_id)
    return JSONResponse(json.loads(json.dumps(changes, default=str)))
