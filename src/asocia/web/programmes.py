"""Programmes pages and API: the public catalogue, the matrix, series, coverage, analysts'
edits and imports, recommendations, and the public feasibility self-assessment (/asociarse)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, Response, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asocia.auth.policy import Permission, Principal, can, can_view_cooperative
from asocia.db.models import Cooperative
from asocia.db.models.programmes import (
    Instrument,
    InstrumentChange,
    PreAssociativeGroup,
    UptakeRun,
)
from asocia.db.session import Database
from asocia.i18n import N_, error_text
from asocia.programmes import catalogue, coverage, exchange, feasibility, matrix, recommend, uptake
from asocia.programmes.labels import label, labels
from asocia.programmes.rules import category_label, describe
from asocia.programmes.series import series_of
from asocia.registry.territory import territory
from asocia.registry.vocabulary import vocabulary
from asocia.web.deps import (
    SESSION,
    disclosure_control,
    json_object,
    request_session,
    require,
)
from asocia.web.problems import reason_text
from asocia.web.problems import view as problems_view
from asocia.web.templating import environment, language, render

router = APIRouter()
api_router = APIRouter(tags=["programmes"])

PUBLIC = Depends(require(Permission.VIEW_PUBLIC))
EDIT = Depends(require(Permission.EDIT_PROGRAMMES))
VIEW = Depends(require(Permission.VIEW_REGISTRY))
BROWSE = Depends(require(Permission.BROWSE_REGISTRY))
IMPORT = Depends(require(Permission.IMPORT_DATA))


def _instrument_view(data: dict[str, Any], lang: str) -> dict[str, Any]:
    view = dict(data)
    view["stages_label"] = [label("stage", s, lang) for s in data["stages"]]
    view["purposes_label"] = [label("purpose", s, lang) for s in data["purposes"]]
    view["support_label"] = [label("support_type", s, lang) for s in data["support_types"]]
    view["rule_text"] = describe(data["eligibility"], lang)
    view["display_name"] = data["name"] if lang == "es" else data["name_en"] or data["name"]
    return view


def recommendations_for(
    request: Request, cooperative_id: int, limit: int = 5
) -> dict[str, Any] | None:
    """Recommendations shown on a co-op page or diagnosis report (None when not allowed)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or not can_view_cooperative(principal, cooperative_id):
        return None
    database = request.app.state.database
    shared = request_session(request)  # the page's own session while it renders
    if shared is not None:
        return _recommend(database, shared, cooperative_id, limit)
    with database.session() as session:
        return _recommend(database, session, cooperative_id, limit)


def _recommend(
    database: Database, session: Session, cooperative_id: int, limit: int
) -> dict[str, Any] | None:
    coop = session.get(Cooperative, cooperative_id)
    if coop is None:
        return None
    instruments = active_catalogue(database, session)
    return recommend.for_cooperative(session, coop, limit=limit, instruments=instruments)


# The active catalogue as last read by this worker, per database: (version, instruments).
_CATALOGUES: WeakKeyDictionary[Database, tuple[tuple[Any, ...], list[Instrument]]] = (
    WeakKeyDictionary()
)


def active_catalogue(database: Database, session: Session) -> list[Instrument]:
    """The active instruments, read again only when the catalogue changed.

    Every co-op page shows recommendations, and reading the catalogue (a few dozen rows with
    nine JSON columns each) cost more than the rest of the page. The version is one small
    query: every write to an instrument adds a row to its history and moves its
    ``updated_at``. The instruments kept are detached from any session and only read.
    """
    version = _catalogue_version(session)
    cached = _CATALOGUES.get(database)
    if cached is not None and cached[0] == version:
        return cached[1]
    with database.session() as own:
        before = _catalogue_version(own)
        instruments = catalogue.list_instruments(own)
        own.commit()  # the default catalogue, if this was the first read
        own.expunge_all()
        # Kept only under the version it was read at (not when the first read just wrote the
        # default catalogue, or another writer moved it meanwhile): read again next time.
        if _catalogue_version(own) == before:
            _CATALOGUES[database] = (before, instruments)
    return instruments


def _catalogue_version(session: Session) -> tuple[Any, ...]:
    return tuple(
        session.execute(
            select(
                func.count(Instrument.id),
                func.max(Instrument.updated_at),
                select(func.max(InstrumentChange.id)).scalar_subquery(),
            )
        ).one()
    )


environment.globals["programme_recommendations"] = recommendations_for


# -- pages ---------------------------------------------------------------------------------------


@router.get("/programmes")
def catalogue_page(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The catalogue of support instruments, filterable by stage, purpose and agency."""
    lang = language(request)
    stage = request.query_params.get("stage") or None
    purpose = request.query_params.get("purpose") or None
    agency = request.query_params.get("agency") or None
    items = [
        _instrument_view(catalogue.to_dict(i), lang)
        for i in catalogue.list_instruments(session)
        if (not stage or stage in i.stages)
        and (not purpose or purpose in i.purposes)
        and (not agency or agency == i.agency)
    ]
    return render(
        request,
        "programmes/list.html",
        {
            "items": items,
            "stages": labels("stage", lang),
            "purposes": labels("purpose", lang),
            "agencies": sorted(catalogue.agencies()),
            "chosen": {"stage": stage, "purpose": purpose, "agency": agency},
            "error": None,
        },
    )


@router.post("/programmes/import")
async def import_page(
    request: Request,
    principal: Principal = EDIT,
    session: Session = SESSION,
    file: UploadFile = File(...),
) -> Response:
    """Import a catalogue file (CSV, XLSX, YAML); all or nothing."""
    suffix = Path(file.filename or "upload.csv").suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{Path(file.filename or 'upload').stem}{suffix}"
        path.write_bytes(await file.read())
        try:
            exchange.import_file(session, path, username=principal.username)
        except catalogue.CatalogueError as exc:
            lang = language(request)
            return render(
                request,
                "programmes/list.html",
                {
                    "items": [
                        _instrument_view(catalogue.to_dict(i), lang)
                        for i in catalogue.list_instruments(session)
                    ],
                    "stages": labels("stage", lang),
                    "purposes": labels("purpose", lang),
                    "agencies": sorted(catalogue.agencies()),
                    "chosen": {},
                    "error": exc.problems,
                },
                status_code=400,
            )
    return RedirectResponse("/programmes", status_code=303)


@router.get("/programmes/export")
def export_page(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """Download the catalogue (?format=csv|xlsx|yaml|hsds)."""
    fmt = request.query_params.get("format", "csv")
    if fmt not in exchange.FORMATS:
        raise HTTPException(400, "unknown format")
    suffix = {"hsds": "json"}.get(fmt, fmt)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"programmes.{suffix}"
        exchange.export(session, catalogue.list_instruments(session), fmt, path)
        content = path.read_bytes()
    media = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "yaml": "application/yaml",
        "hsds": "application/json",
    }[fmt]
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="programmes.{suffix}"'},
    )


@router.get("/programmes/matrix")
def matrix_page(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The stage × purpose matrix with overlaps and gaps (?format=csv|xlsx to download)."""
    by = request.query_params.get("by") or None
    try:
        result = matrix.build(catalogue.list_instruments(session), by)
    except ValueError:
        raise HTTPException(400, "unknown axis") from None
    fmt = request.query_params.get("format")
    if fmt == "csv":
        return Response(
            matrix.to_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="programmes-matrix.csv"'},
        )
    if fmt == "xlsx":
        import io

        buffer = io.BytesIO()
        matrix.to_xlsx(result, buffer)
        return Response(
            buffer.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="programmes-matrix.xlsx"'},
        )
    lang = language(request)
    grid = {(c["stage"], c["purpose"]): c for c in result["cells"]} if not by else {}
    return render(
        request,
        "programmes/matrix.html",
        {
            "m": result,
            "grid": grid,
            "stages": labels("stage", lang),
            "purposes": labels("purpose", lang),
            "label": label,
            "lang": lang,
        },
    )


@router.get("/programmes/coverage")
def coverage_page(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """Coverage of cooperatives by the instruments and the targeting gap (disclosure control)."""
    data = coverage.coverage(session, control=disclosure_control(request, principal))
    lang = language(request)
    names: dict[str, Callable[[Any], str]] = {
        "region_code": lambda v: (
            territory().regions[v].name if v in territory().regions else str(v)
        ),
        "legal_class": lambda v: vocabulary("legal_classes").label(v, lang),
        "rural_class": lambda v: vocabulary("rural_classes").label(v, lang),
        "diagnosis": lambda v: "{}: {}".format(
            category_label(v.split(":")[0], lang), _LIGHTS[v.split(":")[1]][lang]
        ),
    }
    for name, rows in data["by"].items():
        for row in rows:
            row["label"] = "—" if row["key"] is None else names[name](row["key"])
    return render(request, "programmes/coverage.html", {"c": data})


_LIGHTS = {
    "green": {"es": "verde", "en": "green"},
    "yellow": {"es": "amarilla", "en": "yellow"},
    "red": {"es": "roja", "en": "red"},
    "insufficient_data": {"es": "sin datos suficientes", "en": "not enough data"},
}


@router.get("/programmes/groups")
def groups_page(
    request: Request, principal: Principal = BROWSE, session: Session = SESSION
) -> Response:
    """Pre-associative groups registered from the self-assessment (the pipeline)."""
    groups = list(
        session.scalars(select(PreAssociativeGroup).order_by(PreAssociativeGroup.created_at.desc()))
    )
    return render(
        request,
        "programmes/groups.html",
        {
            "groups": groups,
            "recommended": {g.id: recommend.for_group(session, g, limit=3) for g in groups},
            "personal": can(principal, Permission.VIEW_PERSONAL_DATA),
            "label": label,
            "lang": language(request),
        },
    )


def _form_record(form: Any) -> tuple[dict[str, Any], list[catalogue.Problem]]:
    """An instrument record from the edit form; JSON fields that do not parse are problems."""
    problems: list[catalogue.Problem] = []
    record: dict[str, Any] = {
        name: str(form.get(name) or "").strip()
        for name in ("code", "name", "agency", "status", *catalogue.TEXT_FIELDS)
    }
    for name in ("stages", "purposes", "support_types", "topics"):
        record[name] = [str(v) for v in form.getlist(name)]
    for name in ("regions", "targets"):
        text = str(form.get(name) or "")
        record[name] = [v.strip() for v in text.replace("|", ",").split(",") if v.strip()]
    for name in ("eligibility", "series"):
        text = str(form.get(name) or "").strip()
        try:
            record[name] = json.loads(text) if text else None
        except json.JSONDecodeError as exc:
            problems.append(
                catalogue.Problem.of(
                    1,
                    name,
                    text[:80],
                    N_("not valid JSON (line %(line)s, column %(column)s)"),
                    line=exc.lineno,
                    column=exc.colno,
                )
            )
            record[name] = None
    return record, problems


def _form_page(
    request: Request, record: dict[str, Any], problems: list[Any], status_code: int = 200
) -> Response:
    lang = language(request)
    shown = dict(record)
    for name in ("eligibility", "series"):
        value = shown.get(name)
        shown[name] = "" if not value else json.dumps(value, ensure_ascii=False, indent=1)
    for name in ("regions", "targets"):
        shown[name] = ", ".join(str(v) for v in shown.get(name) or [])
    return render(
        request,
        "programmes/edit.html",
        {
            "r": shown,
            "problems": problems,
            "choices": {
                "stages": labels("stage", lang),
                "purposes": labels("purpose", lang),
                "support_types": labels("support_type", lang),
                "topics": labels("topic", lang),
            },
            "agencies": sorted(catalogue.agencies()),
        },
        status_code=status_code,
    )


@router.get("/programmes/new")
def new_page(request: Request, principal: Principal = EDIT) -> Response:
    """The form for a new instrument."""
    return _form_page(request, {"status": "active"}, [])


@router.get("/programmes/uptake")
def uptake_page(
    request: Request, principal: Principal = IMPORT, session: Session = SESSION
) -> Response:
    """Import a beneficiary list or a Ley 19.862 transfers file; recent imports."""
    return render(request, "programmes/uptake.html", {"report": None, "runs": _runs(session)})


def _runs(session: Session) -> list[UptakeRun]:
    query = select(UptakeRun).order_by(UptakeRun.started_at.desc(), UptakeRun.id.desc()).limit(20)
    return list(session.scalars(query))


async def _import_uptake(
    session: Session, principal: Principal, file: UploadFile, dry_run: bool
) -> uptake.Report:
    """Run an uploaded uptake file through the import, in a folder removed afterwards."""
    suffix = Path(file.filename or "upload.csv").suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{Path(file.filename or 'upload').stem}{suffix}"
        path.write_bytes(await file.read())
        return uptake.import_file(session, path, username=principal.username, dry_run=dry_run)


@router.post("/programmes/uptake")
async def uptake_upload(
    request: Request,
    principal: Principal = IMPORT,
    session: Session = SESSION,
    file: UploadFile = File(...),
    dry_run: bool = Form(False),
) -> Response:
    """Validate (and, when every row is valid and not a dry run, write) an uptake file."""
    try:
        report = await _import_uptake(session, principal, file, dry_run)
    except uptake.UptakeFileError as exc:
        return render(
            request,
            "programmes/uptake.html",
            {"report": None, "error": error_text(exc, language(request)), "runs": _runs(session)},
            status_code=400,
        )
    data = report.as_dict()
    return render(
        request,
        "programmes/uptake.html",
        {
            "report": data,
            "runs": _runs(session),
            "reason": reason_text(request),  # the reasons read as the registry's do
            # A long report: how many problems of each reason first, then the first rows.
            "problems": data["problems"],
            "shown": problems_view(request, data["problems"]),
        },
        status_code=400 if report.rejected else 200,
    )


@router.post("/programmes/save")
async def save_page(
    request: Request, principal: Principal = EDIT, session: Session = SESSION
) -> Response:
    """Create or update an instrument from the form; problems are shown by field."""
    form = await request.form()
    record, problems = _form_record(form)
    if not problems:
        try:
            saved = catalogue.edit(session, record, username=principal.username)
        except catalogue.CatalogueError as exc:
            problems = exc.problems
        else:
            return RedirectResponse(f"/programmes/{saved.id}", status_code=303)
    return _form_page(request, record, problems, status_code=400)


@router.get("/programmes/{key}/edit")
def edit_page(
    key: str, request: Request, principal: Principal = EDIT, session: Session = SESSION
) -> Response:
    """The form to edit an instrument."""
    found = catalogue.find(session, key)
    if found is None:
        raise HTTPException(404, "no such instrument")
    return _form_page(request, catalogue.to_dict(found), [])


@router.get("/programmes/{key}")
def instrument_page(
    key: str, request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """One instrument: agency, stages, eligibility in words, series, legal source, history."""
    found = catalogue.find(session, key)
    if found is None:
        raise HTTPException(404, "no such instrument")
    lang = language(request)
    history = (
        catalogue.history(session, found.id) if can(principal, Permission.EDIT_PROGRAMMES) else []
    )
    return render(
        request,
        "programmes/detail.html",
        {
            "i": _instrument_view(catalogue.to_dict(found), lang),
            "s": series_of(found),
            "history": history,
        },
    )


@router.post("/programmes/{key}/status")
def status_page(
    key: str,
    principal: Principal = EDIT,
    session: Session = SESSION,
    status: str = Form(...),
) -> Response:
    """Retire or restore an instrument (kept with its history)."""
    found = catalogue.find(session, key)
    if found is None:
        raise HTTPException(404, "no such instrument")
    if status not in ("active", "retired"):
        raise HTTPException(400, "unknown status")
    catalogue.set_status(session, found, status, principal.username)
    return RedirectResponse(f"/programmes/{found.id}", status_code=303)


# -- the public self-assessment -------------------------------------------------------------------


@router.get("/asociarse")
def feasibility_page(request: Request, principal: Principal = PUBLIC) -> Response:
    """The feasibility self-assessment questionnaire (public, nothing stored)."""
    return render(
        request, "programmes/feasibility.html", {"q": feasibility.localized(language(request))}
    )


def _result(session: Session, answers: dict[str, Any], lang: str) -> dict[str, Any]:
    return feasibility.assess(answers, catalogue.list_instruments(session), lang)


@router.post("/asociarse")
async def feasibility_result(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The result of the self-assessment (not stored)."""
    form = await request.form()
    answers = feasibility.clean_answers(dict(form))
    lang = language(request)
    return render(
        request,
        "programmes/feasibility_result.html",
        {"r": _result(session, answers, lang), "answers": answers, "saved": None},
    )


@router.post("/asociarse/pdf")
async def feasibility_pdf(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The result as a PDF, from the answers (not stored)."""
    form = await request.form()
    lang = language(request)
    result = _result(session, feasibility.clean_answers(dict(form)), lang)
    return Response(
        feasibility.render_pdf(result, lang),
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="asociarse.pdf"'},
    )


@router.post("/asociarse/save")
async def feasibility_save(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """Save the result (the group chose to); answers with a private link, optionally registered."""
    form = dict(await request.form())
    answers = feasibility.clean_answers(form)
    comuna = (
        territory().comuna(str(form.get("comuna") or "").strip()) if form.get("comuna") else None
    )
    saved = feasibility.save(
        session,
        answers,
        lang=language(request),
        group_name=str(form.get("group_name") or ""),
        comuna_code=comuna.code if comuna else None,
    )
    if form.get("consent") == "yes":
        feasibility.register_group(
            session,
            saved,
            contact_person=str(form.get("contact_person") or ""),
            contact_email=str(form.get("contact_email") or ""),
            contact_phone=str(form.get("contact_phone") or ""),
            region_code=comuna.region_code if comuna else None,
        )
    return RedirectResponse(f"/asociarse/r/{saved.token}", status_code=303)


@router.get("/asociarse/r/{token}")
def feasibility_saved(
    token: str, request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """A saved result, by its private link."""
    saved = feasibility.find(session, token)
    if saved is None:
        raise HTTPException(404, "no such result")
    lang = language(request)
    return render(
        request,
        "programmes/feasibility_result.html",
        {"r": _result(session, saved.answers, lang), "answers": saved.answers, "saved": saved},
    )


# -- API ------------------------------------------------------------------------------------------


@api_router.get("/programmes")
def api_list(principal: Principal = PUBLIC, session: Session = SESSION) -> JSONResponse:
    """Every active instrument of the catalogue."""
    return JSONResponse(
        [catalogue.to_dict(i) for i in catalogue.list_instruments(session)],
    )


@api_router.get("/programmes/export")
def api_export(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The catalogue as a file (?format=csv|xlsx|yaml|hsds), as ``/programmes/export``."""
    return export_page(request, principal, session)


@api_router.get("/programmes/matrix")
def api_matrix(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> JSONResponse:
    """Cells (stage × purpose, ?by=support_type|region), overlaps and gaps."""
    try:
        return JSONResponse(
            matrix.build(
                catalogue.list_instruments(session), request.query_params.get("by") or None
            )
        )
    except ValueError:
        raise HTTPException(400, "unknown axis") from None


@api_router.get("/programmes/coverage")
def api_coverage(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> JSONResponse:
    """Coverage and targeting gap (suppressed below k unless full statistics are allowed)."""
    years = int(request.query_params.get("years") or coverage.DEFAULT_YEARS)
    return JSONResponse(
        coverage.coverage(session, years=years, control=disclosure_control(request, principal))
    )


@api_router.get("/programmes/recommend/{key}")
def api_recommend(
    key: str, principal: Principal = VIEW, session: Session = SESSION
) -> JSONResponse:
    """Recommendations for a cooperative (id or RUT) with why."""
    coop = recommend.find_cooperative(session, key)
    if coop is None or not can_view_cooperative(principal, coop.id):
        raise HTTPException(404, "no such cooperative")
    return JSONResponse(recommend.for_cooperative(session, coop))


@api_router.post("/programmes/import")
async def api_import(
    principal: Principal = EDIT,
    session: Session = SESSION,
    file: UploadFile = File(...),
    dry_run: bool = Form(False),
) -> JSONResponse:
    """Import a catalogue file; 422 with the problems when any row is wrong (nothing written)."""
    suffix = Path(file.filename or "upload.csv").suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(await file.read())
        try:
            result = exchange.import_file(
                session, path, username=principal.username, dry_run=dry_run
            )
        except catalogue.CatalogueError as exc:
            return JSONResponse({"problems": [p.as_dict() for p in exc.problems]}, status_code=422)
    return JSONResponse(result)


@api_router.post("/programmes/uptake/import")
async def api_uptake_import(
    principal: Principal = IMPORT,
    session: Session = SESSION,
    file: UploadFile = File(...),
    dry_run: bool = Form(False),
) -> JSONResponse:
    """Import a beneficiary list or Ley 19.862 transfers file; nothing written if a row fails."""
    try:
        report = await _import_uptake(session, principal, file, dry_run)
    except uptake.UptakeFileError as exc:
        raise HTTPException(400, str(exc)) from None
    return JSONResponse(report.as_dict(), status_code=422 if report.rejected else 200)


@api_router.get("/programmes/{key}/series")
def api_series(key: str, principal: Principal = PUBLIC, session: Session = SESSION) -> JSONResponse:
    """Yearly budget and beneficiaries, growth over the series and CAGR."""
    found = catalogue.find(session, key)
    if found is None:
        raise HTTPException(404, "no such instrument")
    return JSONResponse(series_of(found))


@api_router.get("/programmes/{key}")
def api_show(key: str, principal: Principal = PUBLIC, session: Session = SESSION) -> JSONResponse:
    """One instrument (id, code or name)."""
    found = catalogue.find(session, key)
    if found is None:
        raise HTTPException(404, "no such instrument")
    return JSONResponse(catalogue.to_dict(found))


@api_router.put("/programmes/{key}")
async def api_edit(
    key: str, request: Request, principal: Principal = EDIT, session: Session = SESSION
) -> JSONResponse:
    """Create or update an instrument (JSON body with the catalogue's fields); history is kept."""
    body = await json_object(request)
    body.setdefault("code", key)
    try:
        saved = catalogue.edit(session, body, username=principal.username, source="api")
    except catalogue.CatalogueError as exc:
        return JSONResponse({"problems": [p.as_dict() for p in exc.problems]}, status_code=422)
    return JSONResponse(catalogue.to_dict(saved))


@api_router.get("/feasibility")
def api_questionnaire(request: Request, principal: Principal = PUBLIC) -> JSONResponse:
    """The self-assessment questionnaire (?lang=es|en)."""
    lang = request.query_params.get("lang") or language(request)
    return JSONResponse(feasibility.localized(lang if lang in ("es", "en") else "es"))


@api_router.post("/feasibility")
async def api_feasibility(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> JSONResponse:
    """Assess answers (question id → option id, purpose, members); nothing is stored."""
    body = await json_object(request)
    lang = str(body.get("lang") or language(request))
    return JSONResponse(
        _result(session, feasibility.clean_answers(body), lang if lang in ("es", "en") else "es")
    )


def _dot(light: str) -> Markup:
    return Markup(f'<span class="dot {escape(light)}"></span>')


environment.globals["programme_dot"] = _dot
