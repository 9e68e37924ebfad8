"""Statistics pages and API: the public dashboard, data downloads, the analysts' cross-tab
builder, and JSON under ``/api/v1/stats``.

Who sees what is decided once, here, from ``asocia.auth.policy``: a principal without
``VIEW_FULL_STATISTICS`` (anonymous visitors, field and coop users) gets every figure through
disclosure control (the cell key method of ``asocia.stats.cellkey``, with the parameters of
``settings.disclosure_*``); analysts and admins see exact figures.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from asocia.auth.policy import Permission, Principal, can
from asocia.i18n import N_
from asocia.registry.territory import territory
from asocia.registry.vocabulary import vocabulary
from asocia.spreadsheets import safe_row
from asocia.stats import charts, report
from asocia.stats.cellkey import Perturbation
from asocia.stats.crosstab import BELOW_K, CrossTab, crosstab, to_csv
from asocia.stats.definitions import load_definitions
from asocia.stats.dimensions import CROSSTAB_MEASURES, PUBLIC_DIMENSIONS
from asocia.stats.engine import Filters, StatsEngine
from asocia.stats.labels import (
    REGIONS_NORTH_TO_SOUTH,
    dimension_label,
    measure_label,
    value_labels,
)
from asocia.web import caching
from asocia.web.deps import SESSION, get_settings, require
from asocia.web.templating import language, render, translator

router = APIRouter()
api_router = APIRouter(tags=["stats"])

PUBLIC = Depends(require(Permission.VIEW_PUBLIC))
FULL = Depends(require(Permission.VIEW_FULL_STATISTICS))

FILTERS = ("region", "rural_class", "legal_class", "ilo_type")
DOWNLOADS = (*report.CHARTS, *report.CROSSTABS, "lorenz_sales", "summary")


def _full(principal: Principal) -> bool:
    return can(principal, Permission.VIEW_FULL_STATISTICS)


def _filters(request: Request) -> Filters:
    mapping = {name: [v for v in request.query_params.getlist(name) if v != ""] for name in FILTERS}
    try:
        return Filters.of(mapping)
    except (KeyError, ValueError) as exc:
        raise HTTPException(400, f"invalid filter: {exc}") from None


def _engine(request: Request, session: Session) -> StatsEngine:
    return StatsEngine(session, uf_clp=get_settings(request).uf_clp, use_summary=True)


def _k(request: Request) -> int:
    return get_settings(request).disclosure_k


def _control(request: Request) -> Perturbation:
    return Perturbation.from_settings(get_settings(request))


def _query(filters: Filters) -> str:
    parts = [f"{k}={v}" for k, values in filters.values for v in values]
    return ("?" + "&".join(parts)) if parts else ""


# --- formatting --------------------------------------------------------------------------------


def _number(value: Any, lang: str, unit: str = "") -> str:
    if value is None:
        return "·"
    if unit == "fraction":
        return str(format_percent(value, "#,##0.0%", locale=lang))
    if unit == "index":
        return str(format_decimal(value, "0.000", locale=lang))
    if unit == "CLP":
        # Pesos in millions (MM$), as Chilean statistics write them.
        return f"MM$ {format_decimal(round(value / 1e6), locale=lang)}"
    return str(format_decimal(round(value), locale=lang))


def _table_labels(table: CrossTab, lang: str) -> dict[str, dict[Any, str]]:
    labels = {table.rows: value_labels(table.rows, table.row_values, lang)}
    if table.columns:
        labels[table.columns] = value_labels(table.columns, table.column_values, lang)
    return labels


def _csv_response(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


# --- view model ----------------------------------------------------------------------------------


CHART_TITLES = {
    "cooperatives_by_region": N_("Cooperatives by region"),
    "members_by_region": N_("Members by region"),
    "cooperatives_by_rural_class": N_("Cooperatives by rural class of the comuna"),
    "members_by_rural_class": N_("Members by rural class of the comuna"),
    "workers_by_rural_class": N_("Workers by rural class of the comuna"),
    "cooperatives_by_legal_class": N_("Cooperatives by class"),
    "cooperatives_by_ilo_type": N_("Cooperatives by ILO type"),
    "cooperatives_by_size_members": N_("Cooperatives by number of members"),
    "cooperatives_by_size_sales": N_("Cooperatives by size (annual sales, Law 20,416)"),
    "sales_by_size_sales": N_("Sales by size of cooperative"),
    "cooperatives_by_age": N_("Cooperatives by age"),
    "cooperatives_by_sector": N_("Cooperatives by sector (ISIC)"),
    "cooperatives_by_status": N_("Registered cooperatives by legal status"),
    "constitutions_by_year": N_("Constitutions per year"),
    "dissolutions_by_year": N_("Dissolutions per year"),
}
TABLE_TITLES = {
    "region_by_legal_class": N_("Cooperatives by region and class"),
    "rural_class_by_size_members": N_("Members by rural class and size"),
    "ilo_type_by_size_sales": N_("Sales by ILO type and size"),
}


def _chart_view(
    chart_id: str, table: CrossTab, lang: str, query: str, gettext: Any
) -> dict[str, Any]:
    labels = _table_labels(table, lang)[table.rows]
    rows = charts.chart_rows(table, labels)
    title = gettext(CHART_TITLES[chart_id])
    value_title = measure_label(table.measure, lang)
    if table.rows in ("constitution_year", "dissolution_year"):
        spec = charts.year_spec(
            rows,
            title=title,
            value_title=value_title,
            year_title=dimension_label(table.rows, lang),
        )
    else:
        spec = charts.bar_spec(
            rows,
            title=title,
            value_title=value_title,
            sort=table.rows in ("legal_class", "sector", "legal_status"),
            money=table.measure == "sales",
        )
    unit = "CLP" if table.measure == "sales" else ""
    below = f"< {table.k}"
    return {
        "id": chart_id,
        "title": title,
        "spec": json.dumps(spec, ensure_ascii=False),
        "dimension": dimension_label(table.rows, lang),
        "measure": value_title,
        "rows": [
            {
                "label": r["label"],
                "value": below
                if table.cell_status(i, 0) == BELOW_K
                else _number(r["value"], lang, unit),
            }
            for i, r in enumerate(rows)
        ],
        "total": below
        if table.cell_status(-1, 0) == BELOW_K
        else _number(table.values[-1][0], lang),
        "csv": f"/stats/data/{chart_id}.csv{query}",
    }


def _table_view(
    table_id: str, table: CrossTab, lang: str, query: str, title: str
) -> dict[str, Any]:
    labels = _table_labels(table, lang)
    columns = [labels[table.columns][v] for v in table.column_values] if table.columns else []
    rows = []
    below = f"< {table.k}"
    for i, label in enumerate([*(labels[table.rows][v] for v in table.row_values), "Total"]):
        cells = [
            below if table.cell_status(i, j) == BELOW_K else _number(v, lang)
            for j, v in enumerate(table.values[i])
        ]
        rows.append({"label": label, "cells": cells})
    return {
        "id": table_id,
        "title": title,
        "rows_title": dimension_label(table.rows, lang),
        "columns": columns,
        "rows": rows,
        "measure": measure_label(table.measure, lang),
        "suppressed": table.suppressed_cells,
        "csv": f"/stats/data/{table_id}.csv{query}" if table_id else "",
    }


def _filter_options(lang: str, filters: Filters) -> list[dict[str, Any]]:
    regions = territory().regions
    options = {
        "region": [
            (str(code), regions[code].name) for code in REGIONS_NORTH_TO_SOUTH if code in regions
        ],
        "rural_class": [
            (t.code, t.label(lang)) for t in vocabulary("rural_classes").terms.values()
        ],
        "legal_class": [
            (t.code, t.label(lang)) for t in vocabulary("legal_classes").terms.values()
        ],
        "ilo_type": [(t.code, t.label(lang)) for t in vocabulary("ilo_types").terms.values()],
    }
    chosen = filters.as_dict()
    return [
        {
            "name": name,
            "label": dimension_label(name, lang),
            "options": options[name],
            "selected": {str(v) for v in chosen.get(name, [])},
        }
        for name in FILTERS
    ]


# --- pages ---------------------------------------------------------------------------------------


@router.get("/stats", response_class=HTMLResponse)
def dashboard_page(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The public dashboard: headline figures, map, charts and cross-tabs, with downloads.

    Served from the cache of :mod:`asocia.web.caching` (keyed by the data version, filters,
    language and rights), with ETag/Last-Modified.
    """
    filters = _filters(request)
    public = not _full(principal)
    version = caching.data_version(session, uf_clp=get_settings(request).uf_clp)
    diagnosis_key = None
    if can(principal, Permission.VIEW_PORTFOLIO):
        diagnosis_key = (caching.diagnosis_version(session), principal.cooperative_id)
    key = (version, filters, language(request), public, _k(request), diagnosis_key)
    return caching.conditional_page(
        request,
        key=key,
        version=version,
        template="stats/dashboard.html",
        build=lambda: _dashboard_context(request, session, principal, filters),
    )


def _board(request: Request, session: Session, filters: Filters, public: bool) -> report.Dashboard:
    """The dashboard's figures, from the cache when the data has not changed."""
    version = caching.data_version(session, uf_clp=get_settings(request).uf_clp)
    return caching.board(
        (version, filters, public, _k(request)),
        lambda: report.dashboard(
            _engine(request, session),
            filters,
            public=public,
            k=_k(request),
            perturbation=_control(request),
        ),
    )


# The page draws the Lorenz curve from at most this many points (the CSV has them all): with
# exact concentration there is one point per cooperative, megabytes at 20,000 co-ops.
LORENZ_POINTS = 201


def _thin(points: list[Any], most: int) -> list[Any]:
    """At most ``most`` of ``points``, evenly spaced, always with the first and the last."""
    if len(points) <= most:
        return list(points)
    step = (len(points) - 1) / (most - 1)
    return [points[round(i * step)] for i in range(most)]


def _dashboard_context(
    request: Request, session: Session, principal: Principal, filters: Filters
) -> dict[str, Any]:
    """What the dashboard template shows (rendered once per cache key)."""
    lang = language(request)
    gettext = translator(request, "stats")
    public = not _full(principal)
    board = _board(request, session, filters, public)
    query = _query(filters)
    definitions = load_definitions()
    kpis = []
    approximate = set() if board.concentration.exact else set(report.CONCENTRATION)
    for key in report.HEADLINE:
        ind = definitions.indicator(key)
        text = ind.text(lang)
        kpis.append(
            {
                "id": key,
                "label": text["label"],
                "definition": text["definition"],
                "value": (
                    f"< {board.k}"
                    if public and ind.unit == "cooperatives" and key in board.suppressed
                    else ("≈ " if key in approximate and board.headline[key] is not None else "")
                    + _number(board.headline[key], lang, ind.unit)
                ),
                "suppressed": key in board.suppressed,
            }
        )
    chart_views = {
        cid: _chart_view(cid, table, lang, query, gettext) for cid, table in board.charts.items()
    }
    region_rows = charts.chart_rows(
        board.charts["cooperatives_by_region"],
        value_labels("region", board.charts["cooperatives_by_region"].row_values, lang),
    )
    names = {code: r.name for code, r in territory().regions.items()}
    lorenz = charts.lorenz_spec(
        _thin(board.lorenz, LORENZ_POINTS),
        title=gettext("Lorenz curve of sales"),
        x_title=gettext("Share of cooperatives (from the smallest)"),
        y_title=gettext("Share of sales"),
    )
    tables = [
        _table_view(tid, t, lang, query, gettext(TABLE_TITLES[tid]))
        for tid, t in board.crosstabs.items()
    ]
    return {
        "kpis": kpis,
        "charts": chart_views,
        "map_cells": charts.map_cells(region_rows, names),
        "lorenz_spec": json.dumps(lorenz, ensure_ascii=False),
        "lorenz_csv": f"/stats/data/lorenz_sales.csv{query}",
        "summary_csv": f"/stats/data/summary.csv{query}",
        "tables": tables,
        "filters": _filter_options(lang, filters),
        "public": public,
        "k": board.k,
        "max_noise": get_settings(request).disclosure_max_noise,
        "exact_concentration": board.concentration.exact,
        "api_url": f"/api/v1/stats/dashboard{query}",
        "diagnosis": _dashboard_diagnosis(request, session, principal, filters),
        "diagnosis_filters": _diagnosis_filter_note(filters),
    }


@router.get("/stats/data/{name}.csv")
def download(
    name: str,
    request: Request,
    principal: Principal = PUBLIC,
    session: Session = SESSION,
) -> Response:
    """The data of one chart or table of the dashboard, as CSV (same filters and control)."""
    if name not in DOWNLOADS:
        raise HTTPException(404, "no such chart or table")
    lang = language(request)
    filters = _filters(request)
    board = _board(request, session, filters, not _full(principal))
    if name == "lorenz_sales":
        text = "population_share,sales_share\n" + "".join(
            f"{p:.6f},{s:.6f}\n" for p, s in board.lorenz
        )
        return _csv_response(text, name)
    if name == "summary":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["indicator", "value", "status"])
        approximate = set() if board.concentration.exact else set(report.CONCENTRATION)
        for key in report.HEADLINE:
            value = board.headline[key]
            status = "suppressed" if value is None else "approximate" if key in approximate else ""
            writer.writerow(safe_row([key, "" if value is None else value, status]))
        return _csv_response(buffer.getvalue(), name)
    table = board.charts.get(name) or board.crosstabs[name]
    return _csv_response(to_csv(table, _table_labels(table, lang)), name)


def _builder_params(request: Request) -> tuple[str, str | None, str, str]:
    params = request.query_params
    rows = params.get("rows") or "region"
    columns = params.get("columns") or None
    measure = params.get("measure") or "cooperatives"
    population = params.get("population") or "current"
    if rows not in PUBLIC_DIMENSIONS or (columns and columns not in PUBLIC_DIMENSIONS):
        raise HTTPException(400, "unknown dimension")
    if measure not in CROSSTAB_MEASURES:
        raise HTTPException(400, "unknown measure")
    if population not in ("current", "registered"):
        raise HTTPException(400, "unknown population")
    if columns == rows:
        raise HTTPException(400, "rows and columns must differ")
    return rows, columns, measure, population


@router.get("/stats/crosstab", response_class=HTMLResponse)
def crosstab_page(
    request: Request, principal: Principal = FULL, session: Session = SESSION
) -> Response:
    """The analysts' cross-tab builder: any two dimensions, any measure, any filters."""
    lang = language(request)
    gettext = translator(request, "stats")
    rows, columns, measure, population = _builder_params(request)
    filters = _filters(request)
    preview = request.query_params.get("public") == "1"
    table = crosstab(
        _engine(request, session),
        rows,
        columns,
        measure,
        filters=filters,
        population=population,
        public=preview,
        k=_k(request),
        perturbation=_control(request),
    )
    query = str(request.url.query)
    return render(
        request,
        "stats/crosstab.html",
        {
            "table": _table_view("", table, lang, "", gettext("Cross-tab")),
            "csv": f"/stats/crosstab.csv?{query}",
            "dimensions": [(d, dimension_label(d, lang)) for d in PUBLIC_DIMENSIONS],
            "measures": [(m, measure_label(m, lang)) for m in CROSSTAB_MEASURES],
            "chosen": {
                "rows": rows,
                "columns": columns or "",
                "measure": measure,
                "population": population,
                "public": preview,
            },
            "filters": _filter_options(lang, filters),
        },
    )


@router.get("/stats/crosstab.csv")
def crosstab_csv(
    request: Request, principal: Principal = FULL, session: Session = SESSION
) -> Response:
    """The builder's table as CSV."""
    rows, columns, measure, population = _builder_params(request)
    table = crosstab(
        _engine(request, session),
        rows,
        columns,
        measure,
        filters=_filters(request),
        population=population,
        public=request.query_params.get("public") == "1",
        k=_k(request),
        perturbation=_control(request),
    )
    return _csv_response(to_csv(table, _table_labels(table, language(request))), "crosstab")


# --- API ---------------------------------------------------------------------------------------


@api_router.get("/stats/summary")
def api_summary(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """Headline figures (shares as fractions); suppressed ones are null and listed (cached;
    ETag and Last-Modified)."""
    filters = _filters(request)
    public = not _full(principal)
    version = caching.data_version(session, uf_clp=get_settings(request).uf_clp)
    return caching.conditional_json(
        request,
        key=("api-summary", version, filters, public, _k(request)),
        version=version,
        build=lambda: report.summary(
            _engine(request, session),
            filters,
            public=public,
            k=_k(request),
            perturbation=_control(request),
        ),
    )


@api_router.get("/stats/indicators")
def api_indicators(request: Request, principal: Principal = PUBLIC) -> list[dict[str, Any]]:
    """Indicator definitions: id, labels, definitions, unit and guideline, in es and en."""
    return [
        {
            "id": ind.id,
            "unit": ind.unit,
            "label": dict(ind.label),
            "definition": dict(ind.definition),
            "follows": dict(ind.follows),
        }
        for ind in load_definitions().indicators.values()
    ]


@api_router.get("/stats/dashboard")
def api_dashboard(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """Everything the dashboard shows, as data (cached; ETag and Last-Modified)."""
    filters = _filters(request)
    public = not _full(principal)
    version = caching.data_version(session, uf_clp=get_settings(request).uf_clp)
    return caching.conditional_json(
        request,
        key=("api-dashboard", version, filters, public, _k(request)),
        version=version,
        build=lambda: _dashboard_data(_board(request, session, filters, public)),
    )


def _dashboard_data(board: report.Dashboard) -> dict[str, Any]:
    return {
        "headline": board.headline,
        "suppressed": board.suppressed,
        "charts": {cid: t.to_dict() for cid, t in board.charts.items()},
        "crosstabs": {tid: t.to_dict() for tid, t in board.crosstabs.items()},
        "lorenz": board.lorenz,
        "concentration_exact": board.concentration.exact,
        "approximate": [] if board.concentration.exact else list(report.CONCENTRATION),
        "public": board.public,
        "k": board.k,
        "filters": board.filters.as_dict(),
    }


@api_router.get("/stats/crosstab")
def api_crosstab(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> dict[str, Any]:
    """A cross-tab (``rows``, optional ``columns``, ``measure``, filters); disclosure control
    unless the caller may see full statistics."""
    rows, columns, measure, population = _builder_params(request)
    table = crosstab(
        _engine(request, session),
        rows,
        columns,
        measure,
        filters=_filters(request),
        population=population,
        public=not _full(principal),
        k=_k(request),
        perturbation=_control(request),
    )
    return table.to_dict()


# --- diagnosis aggregates (computed by asocia.diagnosis.queries.portfolio) -----------------------

PORTFOLIO = Depends(require(Permission.VIEW_PORTFOLIO))


def _portfolio_rows(
    request: Request, session: Session, principal: Principal
) -> list[dict[str, Any]]:
    from asocia.diagnosis.loader import get_instrument
    from asocia.diagnosis.queries import portfolio

    try:
        instrument = get_instrument(request.query_params.get("instrument", DEFAULT_INSTRUMENT))
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    return portfolio(session, principal, instrument, language(request))


DEFAULT_INSTRUMENT = "diagnostico-cooperativo"


@api_router.get("/stats/diagnosis")
def api_diagnosis(
    request: Request, principal: Principal = PORTFOLIO, session: Session = SESSION
) -> list[dict[str, Any]]:
    """Traffic lights per category of each cooperative's latest diagnosis, by region and
    class (``instrument`` query parameter; the cooperative diagnosis by default)."""
    return _portfolio_rows(request, session, principal)


@router.get("/stats/diagnosis.csv")
def diagnosis_csv(
    request: Request, principal: Principal = PORTFOLIO, session: Session = SESSION
) -> Response:
    """The same diagnosis aggregates as CSV."""
    from asocia.diagnosis.queries import portfolio_csv

    return _csv_response(portfolio_csv(_portfolio_rows(request, session, principal)), "diagnosis")


# The dashboard filters the diagnosis section can follow (its rows carry region and class).
DIAGNOSIS_FILTERS = {"region": "region_code", "legal_class": "legal_class"}


def _dashboard_diagnosis(
    request: Request, session: Session, principal: Principal, filters: Filters | None = None
) -> list[dict[str, Any]] | None:
    """The dashboard's diagnosis section: None for those without the portfolio permission.

    Follows the dashboard's region and class filters; the others do not apply to it (the page
    says so)."""
    if not can(principal, Permission.VIEW_PORTFOLIO):
        return None
    try:
        rows = _portfolio_rows(request, session, principal)
    except HTTPException:  # the instrument is not installed: show the section empty
        return []
    for name, values in (filters or Filters()).values:
        if name in DIAGNOSIS_FILTERS:
            wanted = {str(v) for v in values}
            rows = [r for r in rows if str(r[DIAGNOSIS_FILTERS[name]]) in wanted]
    return diagnosis_summary(rows)


def _diagnosis_filter_note(filters: Filters) -> dict[str, list[str]]:
    """Which of the chosen filters the diagnosis section follows and which it ignores."""
    chosen = filters.dimensions
    return {
        "followed": [d for d in chosen if d in DIAGNOSIS_FILTERS],
        "ignored": [d for d in chosen if d not in DIAGNOSIS_FILTERS],
    }


def diagnosis_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Portfolio rows added up per category (over regions and classes) for the dashboard."""
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        acc = totals.setdefault(
            str(row["category"]),
            {
                "label": row.get("category_label") or row["category"],
                "green": 0,
                "yellow": 0,
                "red": 0,
                "diagnoses": 0,
            },
        )
        for key in ("green", "yellow", "red", "diagnoses"):
            acc[key] += int(row[key] or 0)
    return list(totals.values())
