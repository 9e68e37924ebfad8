"""The registry's everyday write path, web and API: create and edit a cooperative (analyst,
admin), a cooperative's own proposals and confirmation, verification, campaigns, audit.

Every write goes through ``asocia.registry.editing`` (the importer's validation and writer),
``asocia.registry.proposals`` or ``asocia.registry.campaigns``. This router is registered
before ``asocia.web.registry`` so that its fixed paths (``/registry/new``,
``/registry/proposals``...) are not taken for a cooperative id.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from asocia.auth.policy import (
    Permission,
    Principal,
    can,
    can_view_cooperative,
    can_view_personal_data,
)
from asocia.i18n import N_
from asocia.registry import editing
from asocia.registry.columns import CONTACT_FIELDS
from asocia.registry.reasons import localized_reason
from asocia.registry.store import Actor
from asocia.registry.territory import territory
from asocia.registry.vocabulary import vocabulary
from asocia.settings import Settings
from asocia.web.deps import SESSION, get_settings, json_object, require
from asocia.web.templating import language, render, translator

router = APIRouter()
api_router = APIRouter(tags=["registry"])

EDIT = Depends(require(Permission.EDIT_REGISTRY))
VIEW = Depends(require(Permission.VIEW_REGISTRY))
PROPOSE = Depends(require(Permission.PROPOSE_CHANGES))
PUBLIC = Depends(require(Permission.VIEW_PUBLIC))
AUDIT = Depends(require(Permission.VIEW_AUDIT))
SETTINGS = Depends(get_settings)

#: Labels of the fields, in the order of the form, grouped.
FIELD_GROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        N_("Identity"),
        [
            ("legal_name", N_("Legal name")),
            ("trade_name", N_("Trade name")),
            ("tax_id", N_("RUT")),
            ("registry_number", N_("Registry number")),
            ("organisation_type", N_("Organisation type")),
            ("legal_class", N_("Class")),
            ("ilo_type", N_("ILO type")),
            ("isic_section", N_("ISIC section")),
            ("rubro", N_("Line of business")),
            ("sub_rubro", N_("Sub-line of business")),
        ],
    ),
    (
        N_("Territory"),
        [
            ("region", N_("Region")),
            ("comuna", N_("Comuna")),
            ("admin_division", N_("Administrative division")),
            ("city", N_("City")),
        ],
    ),
    (
        N_("Status and dates"),
        [
            ("legal_status", N_("Legal status")),
            ("activity", N_("Activity")),
            ("constituted_on", N_("Constituted")),
            ("in_force_on", N_("In force since")),
            ("dissolved_on", N_("Dissolved")),
            ("cancelled_on", N_("Cancelled")),
        ],
    ),
    (
        N_("Members and workers"),
        [
            ("members_total", N_("Members")),
            ("members_women", N_("Women members")),
            ("members_men", N_("Men members")),
            ("members_legal_persons", N_("Legal-person members")),
            ("members_founding", N_("Founding members")),
            ("employees", N_("Employees")),
            ("worker_members", N_("Worker-members")),
        ],
    ),
    (
        N_("Sales"),
        [
            ("sales_amount", N_("Annual sales")),
            ("sales_currency", N_("Currency")),
            ("sales_year", N_("Sales year")),
        ],
    ),
    (
        N_("Contact (personal data)"),
        [
            ("representative", N_("Representative")),
            ("email", N_("Email")),
            ("phone", N_("Phone")),
            ("address", N_("Address")),
        ],
    ),
]
LABELS = {name: label for _, fields in FIELD_GROUPS for name, label in fields}
_DATES = frozenset(("constituted_on", "in_force_on", "dissolved_on", "cancelled_on"))
_CHOICES = {
    "organisation_type": "organisation_types",
    "legal_class": "legal_classes",
    "ilo_type": "ilo_types",
    "legal_status": "legal_statuses",
    "activity": "activities",
}


def actor_of(principal: Principal) -> Actor:
    """Who writes, for the history."""
    return Actor(principal.user_id, principal.username)


form_value = editing.input_value


def choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Options of the form's selects: code → label."""
    t = territory()
    out: dict[str, list[tuple[str, str]]] = {
        name: [(code, term.label(lang)) for code, term in vocabulary(category).terms.items()]
        for name, category in _CHOICES.items()
    }
    out["region"] = [
        (str(r.code), r.name) for r in sorted(t.regions.values(), key=lambda r: r.code)
    ]
    out["comuna"] = [
        (str(c.code), c.name) for c in sorted(t.comunas.values(), key=lambda c: c.name)
    ]
    return out


# Reasons of hand-made edits (the importer's reasons are translated by ``registry.reasons``).
_EDIT_REASONS = frozenset(
    (
        N_("not a field that can be edited"),
        N_("not a field that can be proposed"),
        N_("contacts of people may not be edited by this account"),
        N_("nothing to change: the values are those already stored"),
        N_("only for Chile: use admin_division and city"),
    )
)
_KEY_TAKEN = re.compile(
    r"^(?P<what>tax id|registry number) already belongs to cooperative #(?P<id>\d+)$"
)
_KEY_WHAT = (N_("tax id"), N_("registry number"))


def localized_errors(request: Request, errors: dict[str, str]) -> dict[str, str]:
    """Field → reason in the request's language."""
    gettext = translator(request, "registry")
    out = {}
    for name, reason in errors.items():
        taken = _KEY_TAKEN.match(reason)
        if taken:
            message = gettext(N_("%(what)s already belongs to cooperative #%(id)s"))
            out[name] = message % {"what": gettext(taken["what"]), "id": taken["id"]}
        elif reason in _EDIT_REASONS:
            out[name] = gettext(reason)
        else:
            out[name] = localized_reason(reason, gettext)
    return out


def field_groups(personal: bool, only: tuple[str, ...] | None = None) -> list[Any]:
    out = []
    for title, fields in FIELD_GROUPS:
        kept = [
            (name, label)
            for name, label in fields
            if (personal or name not in CONTACT_FIELDS) and (only is None or name in only)
        ]
        if kept:
            out.append((title, kept))
    return out


def _edit_form(
    request: Request,
    *,
    coop: dict[str, Any] | None,
    values: dict[str, str],
    errors: dict[str, str],
    personal: bool,
    status_code: int = 200,
    stale: bool = False,
) -> Response:
    return render(
        request,
        "registry/edit.html",
        {
            "coop": coop,
            "values": values,
            "errors": localized_errors(request, errors),
            "groups": field_groups(personal),
            "choices": choices(language(request)),
            "dates": _DATES,
            "stale": stale,
        },
        status_code=status_code,
    )


# -- create ------------------------------------------------------------------------------------


@router.get("/registry/new")
def new_page(request: Request, principal: Principal = EDIT) -> Response:
    """An empty form for a new cooperative."""
    return _edit_form(
        request,
        coop=None,
        values={"organisation_type": "cooperativa"},
        errors={},
        personal=can(principal, Permission.VIEW_PERSONAL_DATA),
    )


@router.post("/registry/new")
async def create_page(
    request: Request,
    principal: Principal = EDIT,
    session: Session = SESSION,
    settings: Settings = SETTINGS,
) -> Response:
    """Create the cooperative, or show the form again with each field's error."""
    form = await request.form()
    personal = can(principal, Permission.VIEW_PERSONAL_DATA)
    names = [n for n in editing.EDITABLE if personal or n not in CONTACT_FIELDS]
    values = {n: str(form.get(n) or "").strip() for n in names}
    try:
        result = editing.create_cooperative(
            session,
            {k: v for k, v in values.items() if v},
            actor=actor_of(principal),
            comment=str(form.get("comment") or "").strip() or None,
            may_edit_contacts=personal,
            uf_clp=settings.uf_clp,
        )
    except editing.EditError as exc:
        return _edit_form(
            request, coop=None, values=values, errors=exc.errors, personal=personal,
            status_code=422,
        )  # fmt: skip
    return RedirectResponse(f"/registry/{result.cooperative_id}", status_code=303)


# -- edit --------------------------------------------------------------------------------------


def current_or_404(session: Session, principal: Principal, cooperative_id: int) -> dict[str, Any]:
    if not can_view_cooperative(principal, cooperative_id):
        raise HTTPException(404, "no such cooperative")
    try:
        return editing.current_record(session, cooperative_id)
    except editing.NotFound:
        raise HTTPException(404, "no such cooperative") from None


@router.get("/registry/{cooperative_id}/edit")
def edit_page(
    cooperative_id: int, request: Request, principal: Principal = EDIT, session: Session = SESSION
) -> Response:
    """The edit form of a cooperative, with the version it was read at."""
    current = current_or_404(session, principal, cooperative_id)
    personal = can_view_personal_data(principal, cooperative_id)
    values = {n: form_value(current, n) for n in editing.EDITABLE}
    return _edit_form(request, coop=current, values=values, errors={}, personal=personal)


@router.post("/registry/{cooperative_id}/edit")
async def save_page(
    cooperative_id: int,
    request: Request,
    principal: Principal = EDIT,
    session: Session = SESSION,
    settings: Settings = SETTINGS,
) -> Response:
    """Save the fields that differ from the version read; refuse when the record changed since."""
    current = current_or_404(session, principal, cooperative_id)
    form = await request.form()
    personal = can_view_personal_data(principal, cooperative_id)
    names = [n for n in editing.EDITABLE if personal or n not in CONTACT_FIELDS]
    posted = {n: str(form.get(n) or "").strip() for n in names if n in form}
    version = str(form.get("version") or "")
    if not version.isdigit() or int(version) != current["version"]:
        # Show what is stored now, with the person's values kept where they typed them.
        values = {n: form_value(current, n) for n in editing.EDITABLE} | posted
        return _edit_form(
            request, coop=current, values=values, errors={}, personal=personal,
            status_code=409, stale=True,
        )  # fmt: skip
    changed = {n: v for n, v in posted.items() if v != form_value(current, n)}
    try:
        editing.edit_cooperative(
            session,
            cooperative_id,
            changed,
            version=int(version),
            actor=actor_of(principal),
            comment=str(form.get("comment") or "").strip() or None,
            may_edit_contacts=personal,
            uf_clp=settings.uf_clp,
        )
    except editing.StaleVersion:
        values = {n: form_value(current, n) for n in editing.EDITABLE} | posted
        return _edit_form(
            request, coop=current, values=values, errors={}, personal=personal,
            status_code=409, stale=True,
        )  # fmt: skip
    except editing.EditError as exc:
        values = {n: form_value(current, n) for n in editing.EDITABLE} | posted
        return _edit_form(
            request, coop=current, values=values, errors=exc.errors, personal=personal,
            status_code=422,
        )  # fmt: skip
    return RedirectResponse(f"/registry/{cooperative_id}#history", status_code=303)


@router.get("/registry/{cooperative_id}/changes")
def changes_page(
    cooperative_id: int, request: Request, principal: Principal = VIEW, session: Session = SESSION
) -> Response:
    """The full history of a cooperative: who, when, old → new, why, proposer."""
    current = current_or_404(session, principal, cooperative_id)
    entries = editing.history_entries(
        session, cooperative_id, personal=can_view_personal_data(principal, cooperative_id)
    )
    return render(request, "registry/changes.html", {"coop": current, "entries": entries})


@router.post("/registry/{cooperative_id}/verify")
def verify_page(
    cooperative_id: int, principal: Principal = EDIT, session: Session = SESSION
) -> Response:
    """An analyst marks the cooperative's data verified today."""
    current_or_404(session, principal, cooperative_id)
    editing.mark_verified(session, cooperative_id, actor=actor_of(principal), how="marked")
    return RedirectResponse(f"/registry/{cooperative_id}", status_code=303)


@router.post("/registry/{cooperative_id}/confirm")
def confirm_page(
    cooperative_id: int, principal: Principal = PROPOSE, session: Session = SESSION
) -> Response:
    """The cooperative's one click: "our data are up to date"."""
    current_or_404(session, principal, cooperative_id)
    how = "confirmed" if principal.is_scoped_to_cooperative else "marked"
    editing.mark_verified(session, cooperative_id, actor=actor_of(principal), how=how)
    return RedirectResponse(f"/registry/{cooperative_id}?confirmed=1", status_code=303)


# -- API ---------------------------------------------------------------------------------------


def _json(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(json.loads(json.dumps(data, default=str)), status_code=status_code)


def _api_errors(request: Request, errors: dict[str, str]) -> JSONResponse:
    shown = localized_errors(request, errors)
    return _json(
        {
            "error": "invalid values",
            "errors": {n: {"reason": r, "message": shown[n]} for n, r in errors.items()},
        },
        422,
    )


_body = json_object


@api_router.post("/registry/cooperatives")
async def api_create(
    request: Request,
    principal: Principal = EDIT,
    session: Session = SESSION,
    settings: Settings = SETTINGS,
) -> JSONResponse:
    """Create a cooperative: a JSON object of fields (as an import names them: ``comuna``,
    ``region``...), optionally ``comment``. 201 with ``id`` and ``version``; 422 with each
    field's error."""
    body = await _body(request)
    comment = body.pop("comment", None)
    try:
        result = editing.create_cooperative(
            session,
            body,
            actor=actor_of(principal),
            comment=str(comment) if comment else None,
            may_edit_contacts=can(principal, Permission.VIEW_PERSONAL_DATA),
            uf_clp=settings.uf_clp,
        )
    except editing.EditError as exc:
        return _api_errors(request, exc.errors)
    return _json({"id": result.cooperative_id, "version": result.version}, 201)


@api_router.patch("/registry/cooperatives/{cooperative_id}")
async def api_patch(
    cooperative_id: int,
    request: Request,
    principal: Principal = EDIT,
    session: Session = SESSION,
    settings: Settings = SETTINGS,
) -> JSONResponse:
    """Change fields: ``{"version": N, "values": {...}, "comment": "..."}`` where ``version`` is
    the one read. 409 (nothing changed) when the cooperative changed since; 422 with each
    field's error."""
    current_or_404(session, principal, cooperative_id)
    body = await _body(request)
    version, values = body.get("version"), body.get("values")
    if not isinstance(version, int) or not isinstance(values, dict):
        raise HTTPException(400, 'expected {"version": <int>, "values": {field: value}}')
    comment = body.get("comment")
    try:
        result = editing.edit_cooperative(
            session,
            cooperative_id,
            values,
            version=version,
            actor=actor_of(principal),
            comment=str(comment) if comment else None,
            may_edit_contacts=can_view_personal_data(principal, cooperative_id),
            uf_clp=settings.uf_clp,
        )
    except editing.StaleVersion as exc:
        return _json(
            {
                "error": "the cooperative changed since the version read; read it again",
                "version": exc.current,
            },
            409,
        )
    except editing.EditError as exc:
        return _api_errors(request, exc.errors)
    return _json({"id": cooperative_id, "version": result.version, "changed": result.changed})


@api_router.get("/registry/cooperatives/{cooperative_id}/changes")
def api_changes(
    cooperative_id: int, principal: Principal = VIEW, session: Session = SESSION
) -> JSONResponse:
    """The full history with each entry's comment and proposer, newest first."""
    current_or_404(session, principal, cooperative_id)
    return _json(
        editing.history_entries(
            session, cooperative_id, personal=can_view_personal_data(principal, cooperative_id)
        )
    )


@api_router.post("/registry/cooperatives/{cooperative_id}/verification")
def api_verify(
    cooperative_id: int, principal: Principal = PROPOSE, session: Session = SESSION
) -> JSONResponse:
    """Mark the data verified today: the cooperative's own confirmation, or an analyst's."""
    current_or_404(session, principal, cooperative_id)
    how = "confirmed" if principal.is_scoped_to_cooperative else "marked"
    result = editing.mark_verified(session, cooperative_id, actor=actor_of(principal), how=how)
    current = editing.current_record(session, cooperative_id)
    return _json({"last_verified_on": current["last_verified_on"], "version": result.version})
