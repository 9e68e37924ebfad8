"""Diagnosis pages and API: list, web entry (one page per category), report (HTML, print,
PDF), action plan edits, imports, XLSForm download, portfolio; JSON under ``/api/v1``.

Who may see which diagnosis is decided by ``asocia.diagnosis.queries`` through
``asocia.auth.policy``; every write goes through ``asocia.diagnosis.store``.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from asocia.auth.policy import Permission, Principal, can, can_view_cooperative
from asocia.db.models import Cooperative
from asocia.db.models.diagnosis import Diagnosis, DiagnosisAction
from asocia.diagnosis import queries, store
from asocia.diagnosis.instrument import (
    YES_NO_LABELS,
    Category,
    Instrument,
    QuestionKind,
    localize,
)
from asocia.diagnosis.loader import get_instrument, load_instruments
from asocia.diagnosis.report import render_pdf, report_data
from asocia.diagnosis.scoring import ratio_value
from asocia.diagnosis.submissions import ExportError, parse_export
from asocia.diagnosis.xlsform import CooperativeChoice, build_xlsform, xlsform_bytes
from asocia.i18n import N_, Message
from asocia.web.deps import SESSION, require
from asocia.web.display import class_label, region_name
from asocia.web.forms import input_number, parse_number, reason_text
from asocia.web.templating import language, render, translator

router = APIRouter()
api_router = APIRouter(tags=["diagnosis"])

VIEW = Depends(require(Permission.VIEW_DIAGNOSIS))
ENTER = Depends(require(Permission.ENTER_DIAGNOSIS))
PORTFOLIO = Depends(require(Permission.VIEW_PORTFOLIO))
IMPORT = Depends(require(Permission.IMPORT_DATA))
PUBLIC = Depends(require(Permission.VIEW_PUBLIC))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 200 * 1024 * 1024


# Words templates translate at run time: action statuses and progress changes.
RUNTIME_MESSAGES = (
    N_("pending"),
    N_("in_progress"),
    N_("done"),
    N_("dropped"),
    N_("better"),
    N_("worse"),
    N_("same"),
    N_("unknown"),
)


def _actor(principal: Principal) -> store.Actor:
    return store.Actor(user_id=principal.user_id, username=principal.username)


def _get(session: Session, principal: Principal, diagnosis_id: int) -> Diagnosis:
    try:
        diagnosis = queries.get_diagnosis(session, principal, diagnosis_id)
    except queries.DiagnosisNotFound:
        raise HTTPException(404, "no such diagnosis") from None
    try:
        queries.instrument_of(diagnosis)
    except LookupError as exc:  # its instrument file was removed from this installation
        raise HTTPException(409, str(exc)) from None
    return diagnosis


def _instrument(spec: str | None) -> Instrument:
    instrument_id, _, version = (spec or "diagnostico-cooperativo").partition("@")
    try:
        return get_instrument(instrument_id, version or None)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


# -- pages --------------------------------------------------------------------------------


@router.get("/diagnosis")
def diagnosis_list(
    request: Request,
    cooperative: int | None = None,
    principal: Principal = VIEW,
    session: Session = SESSION,
) -> Response:
    """Diagnoses the visitor may see, newest first, a page at a time (keyset paging)."""
    cursor = _cursor(request.query_params.get("after"))
    rows = queries.list_diagnoses(
        session, principal, cooperative_id=cooperative, limit=PAGE_SIZE + 1, after=cursor
    )
    following = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        following = f"{rows[-1].diagnosed_on.isoformat()}.{rows[-1].id}"
    total = queries.count_diagnoses(session, principal, cooperative_id=cooperative)
    return render(
        request,
        "diagnosis/list.html",
        {
            "rows": rows,
            "cooperative": cooperative,
            "total": total,
            "next_after": following,
            "first_page": cursor is None,
        },
    )


PAGE_SIZE = 50


def _cursor(value: str | None) -> tuple[date, int] | None:
    """The keyset cursor ``YYYY-MM-DD.id`` of the list's next page."""
    if not value:
        return None
    day, _, number = value.partition(".")
    try:
        return date.fromisoformat(day), int(number)
    except ValueError:
        raise HTTPException(400, "bad cursor or sort") from None


@router.get("/diagnosis/new")
def diagnosis_new_form(
    request: Request,
    cooperative: int | None = None,
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> Response:
    """Start a diagnosis: cooperative, instrument, date, diagnostician."""
    return _new_page(request, session, cooperative, [])


def _new_page(
    request: Request,
    session: Session,
    cooperative: int | None,
    errors: list[str],
    status: int = 200,
) -> Response:
    coop = session.get(Cooperative, cooperative) if cooperative else None
    return render(
        request,
        "diagnosis/new.html",
        {
            "instruments": list(load_instruments().values()),
            "cooperative": coop,
            "cooperative_id": cooperative,
            "errors": errors,
            "today": date.today().isoformat(),
            "title": lambda i: localize(i.title, language(request)),
        },
        status_code=status,
    )


@router.post("/diagnosis/new")
def diagnosis_create(
    request: Request,
    cooperative_id: int = Form(...),
    instrument: str = Form(...),
    diagnosed_on: date = Form(...),
    diagnostician: str = Form(""),
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> Response:
    """Create the draft and go to its first category."""
    _ = translator(request, "diagnosis")
    chosen = _instrument(instrument)
    try:
        diagnosis = store.create_diagnosis(
            session,
            cooperative_id=cooperative_id,
            instrument=chosen,
            diagnosed_on=diagnosed_on,
            diagnostician=diagnostician.strip() or principal.username,
            actor=_actor(principal),
        )
    except store.DiagnosisInputError:
        return _new_page(request, session, None, [_("No cooperative with this id.")], 422)
    first = next(chosen.iter_categories()).id
    return RedirectResponse(f"/diagnosis/{diagnosis.id}/edit/{first}", status_code=303)


@router.get("/diagnosis/portfolio")
def portfolio_page(
    request: Request,
    instrument: str | None = None,
    principal: Principal = PORTFOLIO,
    session: Session = SESSION,
) -> Response:
    """Share of lights per category, by region and legal class."""
    chosen = _instrument(instrument)
    lang = language(request)
    rows = queries.portfolio(session, principal, chosen, lang)
    for row in rows:  # labels, not codes
        row["region_name"] = region_name(row["region_code"])
        row["legal_class_label"] = class_label(row["legal_class"], lang)  # type: ignore[arg-type]
    return render(
        request,
        "diagnosis/portfolio.html",
        {
            "rows": rows,
            "instrument": chosen,
            "instruments": list(load_instruments().values()),
            "title": lambda i: localize(i.title, language(request)),
        },
    )


@router.get("/diagnosis/portfolio.csv")
def portfolio_csv(
    request: Request,
    instrument: str | None = None,
    principal: Principal = PORTFOLIO,
    session: Session = SESSION,
) -> Response:
    """The portfolio as CSV."""
    rows = queries.portfolio(session, principal, _instrument(instrument), language(request))
    return Response(
        queries.portfolio_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="portfolio.csv"'},
    )


@router.get("/diagnosis/portfolio.xlsx")
def portfolio_xlsx(
    request: Request,
    instrument: str | None = None,
    principal: Principal = PORTFOLIO,
    session: Session = SESSION,
) -> Response:
    """The portfolio as XLSX."""
    rows = queries.portfolio(session, principal, _instrument(instrument), language(request))
    buffer = io.BytesIO()
    queries.portfolio_xlsx(rows, buffer)
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="portfolio.xlsx"'},
    )


@router.get("/diagnosis/xlsform")
def xlsform_download(
    instrument: str | None = None,
    region: int | None = None,
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> Response:
    """The XLSForm of an instrument, with the registry's cooperatives as choices."""
    chosen = _instrument(instrument)
    query = select(Cooperative.tax_id, Cooperative.registry_number, Cooperative.legal_name).where(
        Cooperative.merged_into_id.is_(None)
    )
    if region is not None:
        query = query.where(Cooperative.region_code == region)
    choices = [
        CooperativeChoice(tax or f"{store.REGISTRY_PREFIX}{number}", name)
        for tax, number, name in session.execute(query.order_by(Cooperative.legal_name))
        if tax or number
    ]
    form = build_xlsform(chosen, cooperatives=choices or None)
    filename = f"{chosen.id}-{chosen.version}.xlsx"
    return Response(
        xlsform_bytes(form),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/diagnosis/import")
def import_form(request: Request, principal: Principal = IMPORT) -> Response:
    """Upload an ODK Central or KoboToolbox export."""
    return render(request, "diagnosis/import.html", {"summary": None, "error": None})


@router.post("/diagnosis/import")
async def import_upload(
    request: Request,
    file: UploadFile = File(...),
    principal: Principal = IMPORT,
    session: Session = SESSION,
) -> Response:
    """Import the uploaded export and show its summary."""
    data = await file.read()  # bounded by ASOCIA_MAX_UPLOAD_MB while it streamed in
    try:
        summary = _import(session, principal, data, file.filename or "export")
    except ExportError as exc:
        return render(
            request, "diagnosis/import.html", {"summary": None, "error": str(exc)}, status_code=422
        )
    return render(request, "diagnosis/import.html", {"summary": summary, "error": None})


def _import(session: Session, principal: Principal, data: bytes, name: str) -> dict[str, Any]:
    if len(data) > MAX_UPLOAD:
        raise ExportError("the file is larger than 200 MB")
    instruments = load_instruments()
    export = parse_export(data, name, instruments)
    return store.import_submissions(session, export, instruments, _actor(principal)).as_dict()


@router.get("/diagnosis/{diagnosis_id}")
def diagnosis_page(
    request: Request,
    diagnosis_id: int,
    principal: Principal = VIEW,
    session: Session = SESSION,
) -> Response:
    """The diagnosis report: lights, messages, priorities, action plan, progress, peers."""
    diagnosis = _get(session, principal, diagnosis_id)
    data = report_data(session, diagnosis, language(request))
    instrument = queries.instrument_of(diagnosis)
    return render(
        request,
        "diagnosis/report.html",
        {
            "d": data,
            "diagnosis": diagnosis,
            "editable": can(principal, Permission.ENTER_DIAGNOSIS),
            "statuses": store.ACTION_STATUSES,
            "first_category": next(instrument.iter_categories()).id,
        },
    )


@router.get("/diagnosis/{diagnosis_id}/report.pdf")
def diagnosis_pdf(
    request: Request,
    diagnosis_id: int,
    principal: Principal = VIEW,
    session: Session = SESSION,
) -> Response:
    """The report as PDF."""
    diagnosis = _get(session, principal, diagnosis_id)
    lang = language(request)
    pdf = render_pdf(report_data(session, diagnosis, lang), lang)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="diagnosis-{diagnosis_id}.pdf"'},
    )


def _category(instrument: Instrument, category_id: str) -> Category:
    for category in instrument.iter_categories():
        if category.id == category_id:
            return category
    raise HTTPException(404, "no such category")


def _edit_page(
    request: Request,
    diagnosis: Diagnosis,
    instrument: Instrument,
    category: Category,
    values: dict[str, Any],
    errors: list[str],
    notice: str | None = None,
    status: int = 200,
) -> Response:
    lang = language(request)
    categories = list(instrument.iter_categories())
    index = [c.id for c in categories].index(category.id)
    stored = store.answers_from_json(instrument, diagnosis.answers or {})
    ratios = {
        q.id: ratio_value(q, stored)
        for q in instrument.iter_questions()
        if q.kind is QuestionKind.RATIO
    }
    return render(
        request,
        "diagnosis/edit.html",
        {
            "diagnosis": diagnosis,
            "instrument": instrument,
            "category": category,
            "categories": categories,
            "index": index,
            "values": values,
            "errors": errors,
            "notice": notice,
            "t": lambda text: localize(text, lang),
            "yes_no": YES_NO_LABELS,
            "kinds": QuestionKind,
            "comments": diagnosis.comments or {},
            "ratios": ratios,
            "input_number": lambda value: input_number(value, lang),
        },
        status_code=status,
    )


@router.get("/diagnosis/{diagnosis_id}/edit/{category_id}")
def edit_page(
    request: Request,
    diagnosis_id: int,
    category_id: str,
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> Response:
    """One category of the web form (drafts; resuming shows what was saved)."""
    diagnosis = _get(session, principal, diagnosis_id)
    instrument = queries.instrument_of(diagnosis)
    category = _category(instrument, category_id)
    return _edit_page(request, diagnosis, instrument, category, dict(diagnosis.answers), [])


@router.post("/diagnosis/{diagnosis_id}/edit/{category_id}")
async def edit_save(
    request: Request,
    diagnosis_id: int,
    category_id: str,
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> Response:
    """Save this category's answers as draft; go on, or submit the whole diagnosis."""
    _ = translator(request, "diagnosis")
    diagnosis = _get(session, principal, diagnosis_id)
    instrument = queries.instrument_of(diagnosis)
    category = _category(instrument, category_id)
    form = await request.form()
    raw: dict[str, object] = {}
    comments: dict[str, str] = {}
    for sub in category.subcategories:
        comments[sub.id] = str(form.get(f"comment:{sub.id}") or "")
        for q in sub.questions:
            if q.kind is QuestionKind.RATIO:
                continue
            if q.kind is QuestionKind.MULTIPLE:
                chosen = [str(v) for v in form.getlist(q.id)]
                raw[q.id] = frozenset(chosen) if chosen else None
            else:
                value = form.get(q.id)
                raw[q.id] = str(value) if value is not None else None
    intent = str(form.get("intent") or "save")
    shown = {
        **diagnosis.answers,
        **{
            k: (sorted(v) if isinstance(v, frozenset) else v)
            for k, v in raw.items()
            if v is not None
        },
    }
    lang = language(request)
    for qid, typed in raw.items():  # numbers as typed in the interface's language
        if isinstance(typed, str) and instrument.questions[qid].kind is QuestionKind.NUMERIC:
            raw[qid] = parse_number(typed, lang)
    try:
        store.save_answers(
            session,
            diagnosis,
            instrument,
            raw,
            comments,
            submit=intent == "submit",
            lang=language(request),
        )
    except store.DiagnosisInputError as exc:
        session.rollback()
        labels = {q.id: localize(q.label, language(request)) for q in instrument.iter_questions()}
        errors = [
            f"{labels.get(p.question, p.question)}: {reason_text(p.reason, _, lang)}"
            for p in exc.problems
        ]
        if intent == "submit" and not errors:
            errors = [reason_text(str(exc), _, lang)]
        return _edit_page(request, diagnosis, instrument, category, shown, errors, status=422)
    categories = [c.id for c in instrument.iter_categories()]
    if intent == "submit":
        return RedirectResponse(f"/diagnosis/{diagnosis.id}", status_code=303)
    if intent == "next" and categories.index(category.id) + 1 < len(categories):
        following = categories[categories.index(category.id) + 1]
        return RedirectResponse(f"/diagnosis/{diagnosis.id}/edit/{following}", status_code=303)
    return _edit_page(
        request,
        diagnosis,
        instrument,
        category,
        dict(diagnosis.answers),
        [],
        notice=_("Draft saved."),
    )


@router.post("/diagnosis/{diagnosis_id}/actions")
def action_add(
    request: Request,
    diagnosis_id: int,
    action: str = Form(...),
    owner: str = Form(""),
    due_on: str = Form(""),
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> Response:
    """Add an action written by hand to the plan."""
    diagnosis = _get(session, principal, diagnosis_id)
    try:
        store.add_action(session, diagnosis, action, owner.strip() or None, _date(due_on))
    except store.DiagnosisInputError as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse(f"/diagnosis/{diagnosis_id}#plan", status_code=303)


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise HTTPException(
            422, Message(N_("not a date: %(value)r"), "diagnosis", value=value)
        ) from None


def _action(session: Session, diagnosis: Diagnosis, action_id: int) -> DiagnosisAction:
    action = session.get(DiagnosisAction, action_id)
    if action is None or action.diagnosis_id != diagnosis.id:
        raise HTTPException(404, "no such action")
    return action


@router.post("/diagnosis/{diagnosis_id}/actions/{action_id}")
def action_edit(
    request: Request,
    diagnosis_id: int,
    action_id: int,
    action: str = Form(...),
    owner: str = Form(""),
    due_on: str = Form(""),
    status: str = Form("pending"),
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> Response:
    """Edit one action-plan item (text, owner, due date, status)."""
    diagnosis = _get(session, principal, diagnosis_id)
    item = _action(session, diagnosis, action_id)
    try:
        store.update_action(
            session, item, text=action, owner=owner, due_on=_date(due_on), status=status
        )
    except store.DiagnosisInputError as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse(f"/diagnosis/{diagnosis_id}#plan", status_code=303)


# -- JSON API -------------------------------------------------------------------------------


@api_router.get("/diagnosis/instruments")
def api_instruments(principal: Principal = PUBLIC) -> list[dict[str, Any]]:
    """Installed instruments."""
    return [
        {
            "key": i.key,
            "id": i.id,
            "version": i.version,
            "title": dict(i.title),
            "questions": len(i.questions),
        }
        for i in load_instruments().values()
    ]


@api_router.get("/diagnoses")
def api_list(
    cooperative: int | None = None,
    instrument: str | None = None,
    limit: int = Query(200, ge=0, le=1000),
    offset: int = Query(0, ge=0, le=2**31 - 1),
    principal: Principal = VIEW,
    session: Session = SESSION,
) -> list[dict[str, Any]]:
    """Diagnoses the caller may see, newest first."""
    rows = queries.list_diagnoses(
        session,
        principal,
        cooperative_id=cooperative,
        instrument_id=instrument,
        limit=min(limit, 1000),
        offset=offset,
    )
    return [
        {**r.__dict__, "diagnosed_on": r.diagnosed_on.isoformat(), "light": r.light.value}
        for r in rows
    ]


class DiagnosisIn(BaseModel):
    """A diagnosis sent through the API."""

    cooperative_id: int
    instrument: str = "diagnostico-cooperativo"
    diagnosed_on: date
    diagnostician: str | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    comments: dict[str, str] = Field(default_factory=dict)
    submit: bool = False


class AnswersIn(BaseModel):
    """Answers to merge into a draft (a null value clears an answer)."""

    answers: dict[str, Any] = Field(default_factory=dict)
    comments: dict[str, str] | None = None
    submit: bool = False


class ActionIn(BaseModel):
    """Changes to one action-plan item."""

    action: str | None = None
    owner: str | None = None
    due_on: date | None = None
    status: str | None = None


def _answers(raw: dict[str, Any]) -> dict[str, object]:
    return {k: frozenset(v) if isinstance(v, list) else v for k, v in raw.items()}


def _invalid(exc: store.DiagnosisInputError) -> HTTPException:
    return HTTPException(
        422,
        {
            "message": str(exc),
            "problems": [
                {
                    "question": p.question,
                    "value": p.value if isinstance(p.value, str | int | float) else None,
                    "reason": p.reason,
                }
                for p in exc.problems
            ],
        },
    )


@api_router.post("/diagnoses", status_code=201)
def api_create(
    body: DiagnosisIn,
    request: Request,
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> dict[str, Any]:
    """Create a diagnosis (draft, or submitted with ``submit``)."""
    if not can_view_cooperative(principal, body.cooperative_id):
        raise HTTPException(404, "no such cooperative")
    instrument = _instrument(body.instrument)
    try:
        diagnosis = store.create_diagnosis(
            session,
            cooperative_id=body.cooperative_id,
            instrument=instrument,
            diagnosed_on=body.diagnosed_on,
            diagnostician=body.diagnostician,
            actor=_actor(principal),
            source="api",
        )
    except store.DiagnosisInputError as exc:
        session.rollback()
        raise _invalid(exc) from None
    return _save_and_report(request, session, diagnosis, instrument, body)


def _save_and_report(
    request: Request,
    session: Session,
    diagnosis: Diagnosis,
    instrument: Instrument,
    body: DiagnosisIn | AnswersIn,
) -> dict[str, Any]:
    """Merge the body's answers into ``diagnosis`` (submitting if asked) and report it."""
    try:
        store.save_answers(
            session,
            diagnosis,
            instrument,
            _answers(body.answers),
            body.comments,
            submit=body.submit,
            lang=language(request),
        )
    except store.DiagnosisInputError as exc:
        session.rollback()
        raise _invalid(exc) from None
    return report_data(session, diagnosis, language(request))


@api_router.get("/diagnoses/{diagnosis_id}")
def api_get(
    diagnosis_id: int,
    request: Request,
    principal: Principal = VIEW,
    session: Session = SESSION,
) -> dict[str, Any]:
    """The full report of one diagnosis: lights, priorities, plan, progress, benchmark."""
    diagnosis = _get(session, principal, diagnosis_id)
    data = report_data(session, diagnosis, language(request))
    data["answers"] = dict(diagnosis.answers)
    return data


@api_router.patch("/diagnoses/{diagnosis_id}")
def api_update(
    diagnosis_id: int,
    body: AnswersIn,
    request: Request,
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> dict[str, Any]:
    """Merge answers into a diagnosis; ``submit`` checks required answers and submits."""
    diagnosis = _get(session, principal, diagnosis_id)
    return _save_and_report(request, session, diagnosis, queries.instrument_of(diagnosis), body)


@api_router.patch("/diagnoses/{diagnosis_id}/actions/{action_id}")
def api_action(
    diagnosis_id: int,
    action_id: int,
    body: ActionIn,
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> dict[str, Any]:
    """Edit one action-plan item."""
    diagnosis = _get(session, principal, diagnosis_id)
    item = _action(session, diagnosis, action_id)
    try:
        store.update_action(
            session,
            item,
            text=body.action,
            owner=body.owner,
            due_on=body.due_on,
            status=body.status,
        )
    except store.DiagnosisInputError as exc:
        raise HTTPException(422, str(exc)) from None
    return {
        "id": item.id,
        "action": item.action,
        "owner": item.owner,
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "status": item.status,
    }


@api_router.post("/diagnoses/import")
async def api_import(
    file: UploadFile = File(...),
    principal: Principal = IMPORT,
    session: Session = SESSION,
) -> dict[str, Any]:
    """Import an ODK Central or KoboToolbox export; returns the summary."""
    data = await file.read()  # bounded by ASOCIA_MAX_UPLOAD_MB while it streamed in
    try:
        return _import(session, principal, data, file.filename or "export")
    except ExportError as exc:
        raise HTTPException(422, str(exc)) from None


@api_router.get("/diagnosis/portfolio")
def api_portfolio(
    request: Request,
    instrument: str | None = None,
    principal: Principal = PORTFOLIO,
    session: Session = SESSION,
) -> list[dict[str, object]]:
    """Share of lights per category, by region and legal class."""
    return queries.portfolio(session, principal, _instrument(instrument), language(request))
