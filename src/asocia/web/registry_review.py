"""A cooperative's proposals and their review queue, verification campaigns, how current the
registry is by region, and the audit of every write; pages and JSON under ``/api/v1/registry``.

Registered before ``asocia.web.registry`` (see ``asocia.web.app``) so that ``/registry/proposals``
and the other fixed paths are not read as a cooperative id.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from asocia.auth.policy import Permission, Principal, can
from asocia.db.models.registry import VerificationCampaign
from asocia.registry import campaigns, editing, proposals
from asocia.registry.editing import PROPOSABLE
from asocia.registry.territory import territory
from asocia.registry.vocabulary import vocabulary
from asocia.settings import Settings
from asocia.web.deps import SESSION, get_settings, json_object, require
from asocia.web.registry_edit import (
    LABELS,
    actor_of,
    choices,
    current_or_404,
    field_groups,
    form_value,
    localized_errors,
)
from asocia.web.templating import language, render

router = APIRouter()
api_router = APIRouter(tags=["registry"])

EDIT = Depends(require(Permission.EDIT_REGISTRY))
PROPOSE = Depends(require(Permission.PROPOSE_CHANGES))
CAMPAIGNS = Depends(require(Permission.RUN_CAMPAIGNS))
PUBLIC = Depends(require(Permission.VIEW_PUBLIC))
AUDIT = Depends(require(Permission.VIEW_AUDIT))
SETTINGS = Depends(get_settings)


def _json(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(json.loads(json.dumps(data, default=str)), status_code=status_code)


# -- proposals: the cooperative's side ---------------------------------------------------------


def _display(lang: str) -> Any:
    """How a proposed value reads: a comuna's name rather than its code, an activity's label."""

    def shown(name: str, value: Any) -> str:
        text = "" if value is None else str(value)
        if name == "comuna" and text.isdigit():
            comuna = territory().comunas.get(int(text))
            return comuna.name if comuna else text
        if name == "activity" and text:
            return vocabulary("activities").label(text, lang)
        return text

    return shown


def _propose_form(
    request: Request,
    coop: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "registry/proposal_form.html",
        {
            "coop": coop,
            "values": values,
            "errors": localized_errors(request, errors),
            "groups": field_groups(True, PROPOSABLE),
            "choices": choices(language(request)),
            "dates": frozenset(),
        },
        status_code=status_code,
    )


@router.get("/registry/{cooperative_id}/propose")
def propose_page(
    cooperative_id: int,
    request: Request,
    principal: Principal = PROPOSE,
    session: Session = SESSION,
) -> Response:
    """ "Actualizar nuestros datos": the fields a cooperative keeps current itself."""
    current = current_or_404(session, principal, cooperative_id)
    values = {n: form_value(current, n) for n in PROPOSABLE}
    return _propose_form(request, current, values, {})


@router.post("/registry/{cooperative_id}/propose")
async def submit_proposal(
    cooperative_id: int,
    request: Request,
    principal: Principal = PROPOSE,
    session: Session = SESSION,
    settings: Settings = SETTINGS,
) -> Response:
    """Send the proposal to review (fields that differ from the stored values)."""
    current = current_or_404(session, principal, cooperative_id)
    form = await request.form()
    values = {n: str(form.get(n) or "").strip() for n in PROPOSABLE if n in form}
    try:
        proposals.propose(
            session,
            cooperative_id,
            values,
            actor=actor_of(principal),
            comment=str(form.get("comment") or "").strip() or None,
            uf_clp=settings.uf_clp,
        )
    except editing.EditError as exc:
        shown = {n: form_value(current, n) for n in PROPOSABLE} | values
        return _propose_form(request, current, shown, exc.errors, status_code=422)
    return RedirectResponse(f"/registry/{cooperative_id}/proposals?sent=1", status_code=303)


@router.get("/registry/{cooperative_id}/proposals")
def cooperative_proposals(
    cooperative_id: int,
    request: Request,
    principal: Principal = PROPOSE,
    session: Session = SESSION,
) -> Response:
    """A cooperative's proposals and the state of each."""
    current = current_or_404(session, principal, cooperative_id)
    return render(
        request,
        "registry/proposals_mine.html",
        {
            "coop": current,
            "proposals": proposals.of_cooperative(session, cooperative_id),
            "labels": LABELS,
            "display": _display(language(request)),
            "sent": request.query_params.get("sent") == "1",
        },
    )


# -- proposals: the review queue ---------------------------------------------------------------


@router.get("/registry/proposals")
def review_queue(
    request: Request, principal: Principal = EDIT, session: Session = SESSION
) -> Response:
    """Proposals waiting for review, oldest first."""
    return render(
        request,
        "registry/proposals_queue.html",
        {"proposals": proposals.queue(session), "labels": LABELS},
    )


@router.get("/registry/proposals/{proposal_id}")
def review_page(
    proposal_id: int, request: Request, principal: Principal = EDIT, session: Session = SESSION
) -> Response:
    """One proposal: current and proposed value of each field, accept some or reject."""
    proposal = proposals.get(session, proposal_id)
    if proposal is None:
        raise HTTPException(404, "no such proposal")
    coop = editing.current_record(session, proposal.cooperative_id)
    return render(
        request,
        "registry/proposals_review.html",
        {
            "proposal": proposals.as_dict(proposal),
            "coop": coop,
            "labels": LABELS,
            "display": _display(language(request)),
            "error": None,
        },
    )


@router.post("/registry/proposals/{proposal_id}/decide")
async def review_decide(
    proposal_id: int,
    request: Request,
    principal: Principal = EDIT,
    session: Session = SESSION,
    settings: Settings = SETTINGS,
) -> Response:
    """Accept the ticked fields (``decision=accept``; all with ``decision=accept_all``) or reject
    all with a reason (``decision=reject``)."""
    form = await request.form()
    proposal = proposals.get(session, proposal_id)
    if proposal is None:
        raise HTTPException(404, "no such proposal")
    decision = str(form.get("decision") or "")
    if decision == "accept_all":
        accept = list(proposal.values or {})
    elif decision == "accept":
        accept = [str(v) for v in form.getlist("field")]
    elif decision == "reject":
        accept = []
    else:
        raise HTTPException(400, "decision must be accept, accept_all or reject")
    try:
        proposals.decide(
            session,
            proposal_id,
            accept=accept,
            actor=actor_of(principal),
            reason=str(form.get("reason") or ""),
            uf_clp=settings.uf_clp,
        )
    except (proposals.ProposalError, editing.EditError) as exc:
        coop = editing.current_record(session, proposal.cooperative_id)
        message = (
            "; ".join(localized_errors(request, exc.errors).values())
            if isinstance(exc, editing.EditError)
            else str(exc)
        )
        return render(
            request,
            "registry/proposals_review.html",
            {
                "proposal": proposals.as_dict(proposal),
                "coop": coop,
                "labels": LABELS,
                "display": _display(language(request)),
                "error": message,
            },
            status_code=422,
        )
    return RedirectResponse("/registry/proposals", status_code=303)


@api_router.post("/registry/cooperatives/{cooperative_id}/proposals")
async def api_propose(
    cooperative_id: int,
    request: Request,
    principal: Principal = PROPOSE,
    session: Session = SESSION,
    settings: Settings = SETTINGS,
) -> JSONResponse:
    """Propose values: ``{"values": {field: value}, "comment": "..."}``; 201 with the proposal."""
    current_or_404(session, principal, cooperative_id)
    body = await json_object(request)
    if not isinstance(body.get("values"), dict):
        raise HTTPException(400, 'expected {"values": {field: value}}')
    try:
        proposal = proposals.propose(
            session,
            cooperative_id,
            body["values"],
            actor=actor_of(principal),
            comment=str(body.get("comment") or "") or None,
            uf_clp=settings.uf_clp,
        )
    except editing.EditError as exc:
        return _json({"error": "invalid values", "errors": exc.errors}, 422)
    return _json(proposals.as_dict(proposal), 201)


@api_router.get("/registry/cooperatives/{cooperative_id}/proposals")
def api_cooperative_proposals(
    cooperative_id: int, principal: Principal = PROPOSE, session: Session = SESSION
) -> JSONResponse:
    """A cooperative's proposals with their state, newest first."""
    current_or_404(session, principal, cooperative_id)
    return _json(proposals.of_cooperative(session, cooperative_id))


@api_router.get("/registry/proposals")
def api_queue(principal: Principal = EDIT, session: Session = SESSION) -> JSONResponse:
    """Proposals waiting for review."""
    return _json(proposals.queue(session))


@api_router.post("/registry/proposals/{proposal_id}/decision")
async def api_decide(
    proposal_id: int,
    request: Request,
    principal: Principal = EDIT,
    session: Session = SESSION,
    settings: Settings = SETTINGS,
) -> JSONResponse:
    """Decide: ``{"accept": [fields] | "all", "reason": "..."}`` (no field accepted: a rejection,
    which needs a reason)."""
    body = await json_object(request)
    proposal = proposals.get(session, proposal_id)
    if proposal is None:
        raise HTTPException(404, "no such proposal")
    accept = body.get("accept") or []
    if accept == "all":
        accept = list(proposal.values or {})
    if not isinstance(accept, list):
        raise HTTPException(400, '"accept" must be a list of fields or "all"')
    try:
        result = proposals.decide(
            session,
            proposal_id,
            accept=[str(a) for a in accept],
            actor=actor_of(principal),
            reason=str(body.get("reason") or ""),
            uf_clp=settings.uf_clp,
        )
    except proposals.ProposalError as exc:
        return _json({"error": str(exc)}, 409)
    except editing.EditError as exc:
        return _json({"error": "invalid values", "errors": exc.errors}, 422)
    return _json(proposals.as_dict(proposal) | {"changed": result.changed if result else {}})


# -- campaigns ---------------------------------------------------------------------------------


def _criteria_choices(lang: str) -> dict[str, Any]:
    return {
        "regions": sorted(territory().regions.values(), key=lambda r: r.code),
        "legal_classes": [
            (code, term.label(lang)) for code, term in vocabulary("legal_classes").terms.items()
        ],
    }


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


@router.get("/registry/campaigns")
def campaigns_page(
    request: Request, principal: Principal = CAMPAIGNS, session: Session = SESSION
) -> Response:
    """Campaigns with their progress, and a form to start one."""
    return render(
        request,
        "registry/campaigns.html",
        {
            "campaigns": campaigns.campaigns(session),
            "error": None,
            **_criteria_choices(language(request)),
        },
    )


@router.post("/registry/campaigns")
async def create_campaign_page(
    request: Request, principal: Principal = CAMPAIGNS, session: Session = SESSION
) -> Response:
    """Start a campaign over a selection (region, class, not verified for N months)."""
    form = await request.form()
    try:
        campaign = campaigns.create_campaign(
            session,
            str(form.get("name") or ""),
            actor=actor_of(principal),
            region=_int(form.get("region")),
            legal_class=str(form.get("legal_class") or "") or None,
            months=_int(form.get("months")),
        )
    except campaigns.CampaignError as exc:
        return render(
            request,
            "registry/campaigns.html",
            {
                "campaigns": campaigns.campaigns(session),
                "error": str(exc),
                **_criteria_choices(language(request)),
            },
            status_code=422,
        )
    return RedirectResponse(f"/registry/campaigns/{campaign.id}", status_code=303)


def _campaign(session: Session, campaign_id: int) -> VerificationCampaign:
    campaign = session.get(VerificationCampaign, campaign_id)
    if campaign is None:
        raise HTTPException(404, "no such campaign")
    return campaign


@router.get("/registry/campaigns/{campaign_id}")
def campaign_page(
    campaign_id: int, request: Request, principal: Principal = CAMPAIGNS, session: Session = SESSION
) -> Response:
    """A campaign: progress, its cooperatives, an outcome form for each."""
    campaign = _campaign(session, campaign_id)
    page = _int(request.query_params.get("page")) or 1
    return render(
        request,
        "registry/campaigns_detail.html",
        {
            "campaign": campaigns.summary(session, campaign),
            "items": campaigns.items(session, campaign_id, offset=(page - 1) * 500),
            "page": page,
            "outcomes": campaigns.OUTCOMES,
            "mail_merge": can(principal, Permission.VIEW_PERSONAL_DATA),
        },
    )


@router.post("/registry/campaigns/{campaign_id}/outcome")
async def campaign_outcome(
    campaign_id: int, request: Request, principal: Principal = CAMPAIGNS, session: Session = SESSION
) -> Response:
    """Record the outcome of contacting one cooperative of the campaign."""
    _campaign(session, campaign_id)
    form = await request.form()
    cooperative_id = _int(form.get("cooperative_id"))
    if cooperative_id is None:
        raise HTTPException(400, "cooperative_id is required")
    try:
        campaigns.record_outcome(
            session,
            campaign_id,
            cooperative_id,
            str(form.get("outcome") or ""),
            actor=actor_of(principal),
            note=str(form.get("note") or ""),
        )
    except campaigns.CampaignError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(
        f"/registry/campaigns/{campaign_id}#coop-{cooperative_id}", status_code=303
    )


@router.get("/registry/campaigns/{campaign_id}/contacts.csv")
def campaign_contacts(
    campaign_id: int, principal: Principal = CAMPAIGNS, session: Session = SESSION
) -> Response:
    """The mail-merge CSV of the campaign's contacts (personal data)."""
    if not can(principal, Permission.VIEW_PERSONAL_DATA):
        raise HTTPException(403, "you do not have permission to see personal data")
    _campaign(session, campaign_id)
    return Response(
        "\ufeff" + campaigns.mail_merge_csv(session, campaign_id),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="campana_{campaign_id}_contactos.csv"'
        },
    )


@api_router.get("/registry/campaigns")
def api_campaigns(principal: Principal = CAMPAIGNS, session: Session = SESSION) -> JSONResponse:
    """Campaigns with their progress."""
    return _json(campaigns.campaigns(session))


@api_router.post("/registry/campaigns")
async def api_create_campaign(
    request: Request, principal: Principal = CAMPAIGNS, session: Session = SESSION
) -> JSONResponse:
    """Start a campaign: ``{"name", "region", "legal_class", "months"}``; 201 with progress."""
    body = await json_object(request)
    try:
        campaign = campaigns.create_campaign(
            session,
            str(body.get("name") or ""),
            actor=actor_of(principal),
            region=_int(body.get("region")),
            legal_class=body.get("legal_class") or None,
            months=_int(body.get("months")),
        )
    except campaigns.CampaignError as exc:
        return _json({"error": str(exc)}, 422)
    return _json(campaigns.summary(session, campaign), 201)


@api_router.get("/registry/campaigns/{campaign_id}")
def api_campaign(
    campaign_id: int, principal: Principal = CAMPAIGNS, session: Session = SESSION
) -> JSONResponse:
    """A campaign's progress and cooperatives (first 500)."""
    campaign = _campaign(session, campaign_id)
    return _json(
        campaigns.summary(session, campaign) | {"items": campaigns.items(session, campaign_id)}
    )


@api_router.post("/registry/campaigns/{campaign_id}/outcomes")
async def api_outcome(
    campaign_id: int, request: Request, principal: Principal = CAMPAIGNS, session: Session = SESSION
) -> JSONResponse:
    """Record an outcome: ``{"cooperative_id", "outcome", "note"}``."""
    campaign = _campaign(session, campaign_id)
    body = await json_object(request)
    if not isinstance(body.get("cooperative_id"), int):
        raise HTTPException(400, 'expected {"cooperative_id": <int>, "outcome": "..."}')
    try:
        campaigns.record_outcome(
            session,
            campaign_id,
            body["cooperative_id"],
            str(body.get("outcome") or ""),
            actor=actor_of(principal),
            note=str(body.get("note") or ""),
        )
    except campaigns.CampaignError as exc:
        return _json({"error": str(exc)}, 422)
    return _json(campaigns.summary(session, campaign))


# -- how current the registry is, and the audit ------------------------------------------------


@router.get("/registry/verification")
def verification_page(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """Share of cooperatives verified in the last 12 months, by region."""
    return render(
        request, "registry/verification.html", {"data": campaigns.verified_by_region(session)}
    )


@api_router.get("/registry/verification")
def api_verification(principal: Principal = PUBLIC, session: Session = SESSION) -> JSONResponse:
    """Share of cooperatives verified in the last 12 months, by region and in total."""
    return _json(campaigns.verified_by_region(session))


def _audit_filters(request: Request) -> dict[str, Any]:
    params = request.query_params

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None

    return {
        "username": params.get("user") or None,
        "since": day("from"),
        "until": day("to"),
        "offset": max(0, (_int(params.get("page")) or 1) - 1) * 200,
    }


@router.get("/registry/audit")
def audit_page(
    request: Request, principal: Principal = AUDIT, session: Session = SESSION
) -> Response:
    """Every write to the registry by user and date (admins)."""
    filters = _audit_filters(request)
    return render(
        request,
        "registry/audit.html",
        {
            "entries": editing.audit(session, **filters),
            "imports": editing.audit_imports(
                session,
                username=filters["username"],
                since=filters["since"],
                until=filters["until"],
            ),
            "params": {k: v for k, v in request.query_params.items() if k != "page" and v},
            "page": filters["offset"] // 200 + 1,
        },
    )


@api_router.get("/registry/audit")
def api_audit(
    request: Request, principal: Principal = AUDIT, session: Session = SESSION
) -> JSONResponse:
    """Every write to the registry: ``user``, ``from``, ``to`` (dates), ``page``."""
    return _json(editing.audit(session, **_audit_filters(request)))
