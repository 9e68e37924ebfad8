"""Strategy monitoring pages and API ("Seguimiento"): strategy and public progress per
objective, plan actions with history, council sessions with carried-over agreements and the
briefing, indicators with value entry and approval.

Public: the strategy, actions, indicator status and the progress pages. Sessions and briefings
need ``VIEW_SESSIONS``; edits need ``MANAGE_MONITORING``; values need
``ENTER_INDICATOR_VALUES`` / ``APPROVE_INDICATOR_VALUES``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from asocia.auth.policy import Permission, Principal, can
from asocia.db.models.monitoring import IndicatorValue, PlanAction
from asocia.i18n import N_, Message, error_text
from asocia.monitoring import briefing, indicators, sessions, strategy
from asocia.monitoring.labels import STATUS_LABELS, label
from asocia.monitoring.labels import text as label_text
from asocia.monitoring.strategy import MonitoringError
from asocia.web.deps import SESSION, back_with_error, disclosure_control, require
from asocia.web.templating import language, render

router = APIRouter()
api_router = APIRouter(tags=["monitoring"])

PUBLIC = Depends(require(Permission.VIEW_PUBLIC))
SESSIONS = Depends(require(Permission.VIEW_SESSIONS))
MANAGE = Depends(require(Permission.MANAGE_MONITORING))
ENTER = Depends(require(Permission.ENTER_INDICATOR_VALUES))
APPROVE = Depends(require(Permission.APPROVE_INDICATOR_VALUES))

MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_UPLOAD = 5 * 1024 * 1024


def _labels(request: Request) -> dict[str, str]:
    lang = language(request)
    return {key: label(key, lang) for key in STATUS_LABELS}


def _bad(exc: MonitoringError) -> HTTPException:
    return HTTPException(422, str(exc))


# --- pages: strategy and progress ----------------------------------------------------------


@router.get("/monitoring")
def overview(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The strategy, plan progress by objective and committee, the indicator panel."""
    return render(
        request,
        "monitoring/overview.html",
        {
            "strategy": strategy.strategy_view(session),
            "by_objective": strategy.progress_by(session, "objective"),
            "by_committee": strategy.progress_by(session, "committee"),
            "panel": indicators.status_panel(
                session, control=disclosure_control(request, principal)
            ),
            "labels": _labels(request),
        },
    )


@router.get("/monitoring/objectives/{code}")
def objective_page(
    request: Request, code: str, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """Public progress page of one strategic objective: its actions and indicators."""
    view = strategy.strategy_view(session)
    objective = next((o for o in view["objectives"] if o["code"] == code), None)
    if objective is None:
        raise HTTPException(
            404, Message(N_("objective %(code)s does not exist"), "monitoring", code=code)
        )
    actions = [a for a in strategy.list_actions(session) if a["objective"] == code]
    panel = indicators.status_panel(
        session, objective=code, control=disclosure_control(request, principal)
    )
    return render(
        request,
        "monitoring/objective.html",
        {
            "objective": objective,
            "actions": actions,
            "panel": panel,
            "late": [a for a in actions if a["status"] == "atrasado"],
            "labels": _labels(request),
        },
    )


@router.get("/monitoring/actions")
def actions_page(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The plan actions (and, for the secretariat, a form to add one)."""
    view = strategy.strategy_view(session)
    return render(
        request,
        "monitoring/actions.html",
        {
            "actions": strategy.list_actions(session),
            "strategy": view,
            "error": request.query_params.get("error"),
            "labels": _labels(request),
            "statuses": strategy.ACTION_STATUSES,
        },
    )


@router.post("/monitoring/actions")
def action_create(
    request: Request,
    code: str = Form(...),
    title: str = Form(...),
    plan: str = Form("PB-2022-23"),
    objective: str = Form(""),
    committee: str = Form(""),
    responsible: str = Form(""),
    due_on: str = Form(""),
    principal: Principal = MANAGE,
    session: Session = SESSION,
) -> Response:
    """Add a plan action."""
    values = {"title": title, "objective": objective or None, "committee": committee or None,
              "responsible": responsible, "due_on": due_on}  # fmt: skip
    try:
        action = strategy.create_action(session, plan, code, values, principal.username)
    except MonitoringError as exc:
        return back_with_error("/monitoring/actions", error_text(exc, language(request)))
    return RedirectResponse(f"/monitoring/actions/{action.id}", status_code=303)


@router.get("/monitoring/actions/{action_id}")
def action_page(
    request: Request, action_id: int, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """One action; its history of changes for the secretariat."""
    action = session.get(PlanAction, action_id)
    if action is None:
        raise HTTPException(404, "no such action")
    history = (
        strategy.action_history(session, action_id)
        if can(principal, Permission.MANAGE_MONITORING)
        else []
    )
    return render(
        request,
        "monitoring/action.html",
        {
            "action": strategy.action_dict(action),
            "history": history,
            "statuses": strategy.ACTION_STATUSES,
            "labels": _labels(request),
            "error": request.query_params.get("error"),
        },
    )


@router.post("/monitoring/actions/{action_id}")
def action_update(
    request: Request,
    action_id: int,
    status: str = Form(...),
    progress: str = Form("0"),
    evidence: str = Form(""),
    principal: Principal = MANAGE,
    session: Session = SESSION,
) -> Response:
    """Change an action's status, progress and evidence (kept in its history)."""
    values = {"status": status, "progress": progress, "evidence": evidence}
    try:
        strategy.update_action(session, action_id, values, principal.username)
    except MonitoringError as exc:
        return back_with_error(
            f"/monitoring/actions/{action_id}", error_text(exc, language(request))
        )
    return RedirectResponse(f"/monitoring/actions/{action_id}", status_code=303)


# --- pages: sessions ---------------------------------------------------------------------------


@router.get("/monitoring/sessions")
def sessions_page(
    request: Request, principal: Principal = SESSIONS, session: Session = SESSION
) -> Response:
    """Sessions of the council and its committees."""
    lang = language(request)
    return render(
        request,
        "monitoring/sessions.html",
        {
            "sessions": sessions.list_sessions(session),
            "error": request.query_params.get("error"),
            "body_label": lambda code: label(code, lang),  # a committee's name shows as it is
        },
    )


@router.post("/monitoring/sessions")
def session_create(
    request: Request,
    held_on: date = Form(...),
    title: str = Form(...),
    body: str = Form(""),
    attendees: str = Form(""),
    agenda: str = Form(""),
    minutes: str = Form(""),
    principal: Principal = MANAGE,
    session: Session = SESSION,
) -> Response:
    """Create a session; its agenda will start with the open agreements."""
    try:
        new = sessions.create_session(
            session, body=body.strip() or "council", held_on=held_on, title=title,
            attendees=attendees.splitlines(), agenda=agenda.splitlines(),
            minutes=minutes.strip() or None,
        )  # fmt: skip
    except MonitoringError as exc:
        return back_with_error("/monitoring/sessions", error_text(exc, language(request)))
    return RedirectResponse(f"/monitoring/sessions/{new.id}", status_code=303)


@router.get("/monitoring/sessions/{session_id}")
def session_page(
    request: Request, session_id: int, principal: Principal = SESSIONS, session: Session = SESSION
) -> Response:
    """A session: agenda (carried-over agreements first), its agreements, links."""
    try:
        council = sessions.get_session(session, session_id)
    except MonitoringError:
        raise HTTPException(404, "no such session") from None
    return render(
        request,
        "monitoring/session.html",
        {
            "council": sessions.session_dict(council),
            "agenda": sessions.agenda(session, session_id)["items"],
            "actions": strategy.list_actions(session),
            "statuses": sessions.AGREEMENT_STATUSES,
            "labels": _labels(request),
            "error": request.query_params.get("error"),
        },
    )


@router.post("/monitoring/sessions/{session_id}/agreements")
def agreement_create(
    request: Request,
    session_id: int,
    text: str = Form(...),
    responsible: str = Form(""),
    due_on: str = Form(""),
    action_id: str = Form(""),
    principal: Principal = MANAGE,
    session: Session = SESSION,
) -> Response:
    """Record an agreement of the session (optionally linked to a plan action)."""
    try:
        due = _form_date(due_on)
        action = int(action_id) if action_id.isdigit() else None
        sessions.add_agreement(
            session, session_id, text, responsible=responsible, due_on=due, action_id=action
        )
    except MonitoringError as exc:
        return back_with_error(
            f"/monitoring/sessions/{session_id}", error_text(exc, language(request))
        )
    return RedirectResponse(f"/monitoring/sessions/{session_id}", status_code=303)


def _form_date(value: str) -> date | None:
    """A due date typed in a form: ``yyyy-mm-dd`` (the date picker's) or ``dd-mm-yyyy`` /
    ``dd/mm/yyyy`` (typed by hand); None when empty."""
    value = value.strip()
    if not value:
        return None
    for layout in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, layout).date()
        except ValueError:
            continue
    raise MonitoringError(N_("due_on: %(value)r is not a date (YYYY-MM-DD)"), value=value)


@router.post("/monitoring/agreements/{agreement_id}")
def agreement_status(
    request: Request,
    agreement_id: int,
    status: str = Form(...),
    back: int = Form(...),
    principal: Principal = MANAGE,
    session: Session = SESSION,
) -> Response:
    """Change an agreement's status."""
    try:
        sessions.set_agreement_status(session, agreement_id, status)
    except MonitoringError as exc:
        return back_with_error(f"/monitoring/sessions/{back}", error_text(exc, language(request)))
    return RedirectResponse(f"/monitoring/sessions/{back}", status_code=303)


@router.get("/monitoring/sessions/{session_id}/briefing")
def briefing_page(
    request: Request, session_id: int, principal: Principal = SESSIONS, session: Session = SESSION
) -> Response:
    """The session briefing as a page, with PDF and DOCX downloads."""
    lang = language(request)
    try:
        data = briefing.briefing_data(session, session_id)
    except MonitoringError:
        raise HTTPException(404, "no such session") from None
    return render(
        request,
        "monitoring/briefing.html",
        {
            "council": data["session"],
            "title": briefing.title_of(data, lang),
            "sections": briefing.sections_of(data, lang),
            "none": label_text("none", lang),
            "no_previous": label_text("no_previous", lang),
        },
    )


def _briefing_file(session: Session, session_id: int, fmt: str, lang: str) -> Response:
    if fmt not in briefing.FORMATS:
        raise HTTPException(
            404,
            Message(
                N_("format %(format)s is not one of %(formats)s"),
                "monitoring",
                format=fmt,
                formats=", ".join(briefing.FORMATS),
            ),
        )
    try:
        content = briefing.render(session, session_id, fmt, lang)
    except MonitoringError:
        raise HTTPException(404, "no such session") from None
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="minuta-sesion-{session_id}.{fmt}"'},
    )


@router.get("/monitoring/sessions/{session_id}/briefing.{fmt}")
def briefing_download(
    request: Request,
    session_id: int,
    fmt: str,
    principal: Principal = SESSIONS,
    session: Session = SESSION,
) -> Response:
    """Download the briefing as PDF, DOCX or HTML."""
    return _briefing_file(session, session_id, fmt, language(request))


# --- pages: indicators ---------------------------------------------------------------------


@router.get("/monitoring/indicators")
def indicators_page(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The indicator panel: baseline, target, actual, achievement and status."""
    period = request.query_params.get("period") or None
    try:
        panel = indicators.status_panel(
            session, period, control=disclosure_control(request, principal)
        )
    except MonitoringError as exc:
        raise HTTPException(400, error_text(exc, language(request))) from None
    return render(
        request,
        "monitoring/indicators.html",
        {"panel": panel, "period": period or "", "labels": _labels(request)},
    )


@router.get("/monitoring/indicators/{code}")
def indicator_page(
    request: Request, code: str, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """One indicator: definition, status, series and (for data entry) every value."""
    try:
        indicator = indicators.get_indicator(session, code)
    except MonitoringError:
        raise HTTPException(404, "no such indicator") from None
    deflator = request.query_params.get("deflator") or None
    try:
        series = indicators.series_summary(session, code, deflator)
        series_error = None
    except MonitoringError as exc:
        series, series_error = (
            indicators.series_summary(session, code),
            error_text(exc, language(request)),
        )
    values = indicators.list_values(session, code)
    if not can(principal, Permission.ENTER_INDICATOR_VALUES):
        values = [v for v in values if v["status"] == "approved"]
    return render(
        request,
        "monitoring/indicator.html",
        {
            "indicator": indicators.indicator_dict(indicator),
            "status": indicators.indicator_status(
                session, indicator, control=disclosure_control(request, principal)
            ),
            "series": series,
            "series_error": series_error,
            "deflator": deflator or "",
            "values": values,
            "kinds": indicators.KINDS,
            "labels": _labels(request),
            "error": request.query_params.get("error"),
        },
    )


@router.post("/monitoring/indicators/{code}/values")
def value_enter(
    request: Request,
    code: str,
    period: str = Form(...),
    kind: str = Form(...),
    value: str = Form(""),
    numerator: str = Form(""),
    denominator: str = Form(""),
    territory: str = Form("CL"),
    disaggregation: str = Form(""),
    comment: str = Form(""),
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> Response:
    """Enter a value (a draft); ``submit=1`` submits it at once."""
    try:
        indicators.enter_value(
            session, code, period, kind, value=value, numerator=numerator,
            denominator=denominator, territory=territory, disaggregation=disaggregation,
            comment=comment, user=principal.username,
        )  # fmt: skip
    except MonitoringError as exc:
        return back_with_error(f"/monitoring/indicators/{code}", error_text(exc, language(request)))
    return RedirectResponse(f"/monitoring/indicators/{code}", status_code=303)


def _transition(
    session: Session, principal: Principal, value_id: int, action: str, comment: str | None
) -> IndicatorValue:
    needed = (
        Permission.ENTER_INDICATOR_VALUES
        if action == "submit"
        else Permission.APPROVE_INDICATOR_VALUES
    )
    if not can(principal, needed):
        raise HTTPException(403, "not allowed")
    return indicators.transition(session, value_id, action, principal.username, comment)


@router.post("/monitoring/values/{value_id}/{action}")
def value_transition(
    request: Request,
    value_id: int,
    action: str,
    comment: str = Form(""),
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> Response:
    """Submit, approve or return a value."""
    row = session.get(IndicatorValue, value_id)
    if row is None:
        raise HTTPException(404, "no such value")
    code = row.indicator.code
    try:
        _transition(session, principal, value_id, action, comment or None)
    except MonitoringError as exc:
        return back_with_error(f"/monitoring/indicators/{code}", error_text(exc, language(request)))
    return RedirectResponse(f"/monitoring/indicators/{code}", status_code=303)


# --- API -----------------------------------------------------------------------------------------


class ActionIn(BaseModel):
    plan: str = "PB-2022-23"
    code: str
    title: str
    objective: str | None = None
    committee: str | None = None
    responsible: str | None = None
    leader: str | None = None
    starts_on: date | None = None
    due_on: date | None = None


class ActionPatch(BaseModel):
    title: str | None = None
    status: str | None = None
    progress: int | None = None
    evidence: list[str] | None = None
    responsible: str | None = None
    due_on: date | None = None


class ValueIn(BaseModel):
    indicator: str
    period: str
    kind: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    territory: str = "CL"
    disaggregation: str = ""
    comment: str | None = None


@api_router.get("/strategy")
def api_strategy(principal: Principal = PUBLIC, session: Session = SESSION) -> dict[str, Any]:
    """The strategy with objectives, committees, plans and timeline."""
    return strategy.strategy_view(session)


@api_router.get("/strategy/actions")
def api_actions(principal: Principal = PUBLIC, session: Session = SESSION) -> list[Any]:
    """Every plan action."""
    return strategy.list_actions(session)


@api_router.post("/strategy/actions", status_code=201)
def api_action_create(
    body: ActionIn, principal: Principal = MANAGE, session: Session = SESSION
) -> dict[str, Any]:
    """Add a plan action."""
    values = body.model_dump(exclude={"plan", "code"}, exclude_none=True)
    try:
        action = strategy.create_action(session, body.plan, body.code, values, principal.username)
    except MonitoringError as exc:
        raise _bad(exc) from None
    return strategy.action_dict(action)


@api_router.patch("/strategy/actions/{action_id}")
def api_action_update(
    action_id: int, body: ActionPatch, principal: Principal = MANAGE, session: Session = SESSION
) -> dict[str, Any]:
    """Change fields of an action; returns it with its history."""
    try:
        strategy.update_action(
            session, action_id, body.model_dump(exclude_unset=True), principal.username
        )
    except MonitoringError as exc:
        raise _bad(exc) from None
    action = session.get(PlanAction, action_id)
    assert action is not None
    return strategy.action_dict(action) | {"history": strategy.action_history(session, action_id)}


@api_router.get("/sessions")
def api_sessions(principal: Principal = SESSIONS, session: Session = SESSION) -> list[Any]:
    """Sessions, newest first."""
    return sessions.list_sessions(session)


@api_router.get("/sessions/{session_id}")
def api_session(
    session_id: int, principal: Principal = SESSIONS, session: Session = SESSION
) -> dict[str, Any]:
    """A session with its agreements."""
    try:
        return sessions.session_dict(sessions.get_session(session, session_id))
    except MonitoringError as exc:
        raise HTTPException(404, str(exc)) from None


@api_router.get("/sessions/{session_id}/agenda")
def api_agenda(
    session_id: int, principal: Principal = SESSIONS, session: Session = SESSION
) -> dict[str, Any]:
    """The agenda, carried-over agreements first."""
    try:
        return sessions.agenda(session, session_id)
    except MonitoringError as exc:
        raise HTTPException(404, str(exc)) from None


@api_router.get("/sessions/{session_id}/briefing")
def api_briefing(
    request: Request,
    session_id: int,
    format: str = "html",
    principal: Principal = SESSIONS,
    session: Session = SESSION,
) -> Response:
    """The briefing file (``format`` = pdf, docx or html)."""
    return _briefing_file(session, session_id, format, request.query_params.get("lang", "es"))


@api_router.get("/indicators")
def api_indicators(principal: Principal = PUBLIC, session: Session = SESSION) -> list[Any]:
    """Indicator definitions."""
    return indicators.list_indicators(session)


@api_router.get("/indicators/status")
def api_indicator_status(
    request: Request,
    period: str | None = None,
    principal: Principal = PUBLIC,
    session: Session = SESSION,
) -> list[Any]:
    """Baseline, target, actual, achievement and status of every indicator."""
    try:
        return indicators.status_panel(
            session, period, control=disclosure_control(request, principal)
        )
    except MonitoringError as exc:
        raise HTTPException(400, str(exc)) from None


@api_router.post("/indicators/values", status_code=201)
def api_value_enter(
    body: ValueIn, principal: Principal = ENTER, session: Session = SESSION
) -> dict[str, Any]:
    """Enter one value (a draft)."""
    try:
        row = indicators.enter_value(
            session, body.indicator, body.period, body.kind, value=body.value,
            numerator=body.numerator, denominator=body.denominator, territory=body.territory,
            disaggregation=body.disaggregation, comment=body.comment, user=principal.username,
        )  # fmt: skip
    except MonitoringError as exc:
        raise _bad(exc) from None
    return indicators.value_dict(row)


@api_router.post("/indicators/values/import")
async def api_values_import(
    file: UploadFile = File(...), principal: Principal = ENTER, session: Session = SESSION
) -> Response:
    """Import values from a CSV file; all or nothing (422 with the errors)."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, "file larger than 5 MB")
    try:
        result = indicators.import_values(session, data.decode("utf-8-sig"), principal.username)
    except UnicodeDecodeError as exc:
        raise HTTPException(422, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except MonitoringError as exc:
        raise _bad(exc) from None
    return JSONResponse(result, status_code=422 if result["errors"] else 200)


@api_router.post("/indicators/values/{value_id}/{action}")
def api_value_transition(
    value_id: int,
    action: str,
    comment: str | None = None,
    principal: Principal = ENTER,
    session: Session = SESSION,
) -> dict[str, Any]:
    """Submit, approve or return a value."""
    try:
        return indicators.value_dict(_transition(session, principal, value_id, action, comment))
    except MonitoringError as exc:
        raise _bad(exc) from None
