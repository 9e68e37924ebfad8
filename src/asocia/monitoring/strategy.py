"""The strategy, its plan and actions: read as plain dicts, and the one place that writes
actions (every change of a field is kept in ``monitoring_action_changes``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asocia.db.models.monitoring import (
    ActionChange,
    Committee,
    Plan,
    PlanAction,
    StrategicObjective,
    Strategy,
    TimelineEvent,
)
from asocia.i18n import N_, MessageError
from asocia.monitoring.defaults import STRATEGY_CODE, ensure_defaults

ACTION_STATUSES = ("pendiente", "en_curso", "realizado", "atrasado", "cancelado")
ACTION_FIELDS = (
    "title",
    "objective_id",
    "committee_id",
    "responsible",
    "leader",
    "starts_on",
    "due_on",
    "status",
    "progress",
    "evidence",
)


class MonitoringError(MessageError):
    """Bad input for a monitoring operation (the message says which field and why)."""

    domain = "monitoring"


def strategy_view(session: Session) -> dict[str, Any]:
    """The strategy with objectives, lines, committees, plans and timeline."""
    ensure_defaults(session)
    strategy = session.scalars(select(Strategy).where(Strategy.code == STRATEGY_CODE)).one()
    committees = session.scalars(select(Committee).order_by(Committee.id)).all()
    plans = session.scalars(select(Plan).order_by(Plan.id)).all()
    timeline = session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.strategy_id == strategy.id)
        .order_by(TimelineEvent.happened_on)
    ).all()
    return {
        "code": strategy.code,
        "name": strategy.name,
        "purpose": strategy.purpose,
        "vision": strategy.vision,
        "values": strategy.values,
        "period": [strategy.period_start, strategy.period_end],
        "provenance": strategy.provenance,
        "objectives": [
            {
                "id": o.id,
                "code": o.code,
                "number": o.number,
                "name": o.name,
                "lines": [{"code": x.code, "name": x.name} for x in o.lines],
                "provenance": o.provenance,
            }
            for o in strategy.objectives
        ],
        "committees": [
            {
                "id": c.id,
                "code": c.code,
                "name": c.name,
                "mandate": c.mandate,
                "objective": c.objective.code if c.objective else None,
                "leader_institution": c.leader_institution,
                "member_institutions": c.member_institutions,
                "provenance": c.provenance,
            }
            for c in committees
        ],
        "plans": [
            {
                "id": p.id,
                "code": p.code,
                "name": p.name,
                "purpose": p.purpose,
                "details": p.details,
                "starts_on": p.starts_on,
                "ends_on": p.ends_on,
                "review_every_years": p.review_every_years,
                "secretariat": p.secretariat,
                "provenance": p.provenance,
                "actions": len(p.actions),
            }
            for p in plans
        ],
        "timeline": [
            {
                "on": t.happened_on,
                "precision": t.precision,
                "title": t.title,
                "detail": t.detail,
                "provenance": t.provenance,
            }
            for t in timeline
        ],
    }


def action_dict(action: PlanAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "plan": action.plan.code,
        "code": action.code,
        "title": action.title,
        "objective": action.objective.code if action.objective else None,
        "committee": action.committee.code if action.committee else None,
        "responsible": action.responsible,
        "leader": action.leader,
        "starts_on": action.starts_on,
        "due_on": action.due_on,
        "status": effective_status(action),
        "recorded_status": action.status,
        "progress": action.progress,
        "evidence": action.evidence,
        "provenance": action.provenance,
    }


def effective_status(action: PlanAction, today: date | None = None) -> str:
    """The recorded status, or ``atrasado`` when an open action is past its due date."""
    today = today or date.today()
    if action.status in ("pendiente", "en_curso") and action.due_on and action.due_on < today:
        return "atrasado"
    return action.status


def list_actions(session: Session, plan_code: str | None = None) -> list[dict[str, Any]]:
    ensure_defaults(session)
    query = select(PlanAction).join(Plan).order_by(Plan.id, PlanAction.code)
    if plan_code:
        query = query.where(Plan.code == plan_code)
    return [action_dict(a) for a in session.scalars(query)]


def _objective_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    found = session.scalar(select(StrategicObjective.id).where(StrategicObjective.code == code))
    if found is None:
        raise MonitoringError(N_("objective: unknown code %(code)r"), code=code)
    return found


def _committee_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    found = session.scalar(select(Committee.id).where(Committee.code == code))
    if found is None:
        raise MonitoringError(N_("committee: unknown code %(code)r"), code=code)
    return found


def _clean(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "objective":
            clean["objective_id"] = _objective_id(session, value)
        elif key == "committee":
            clean["committee_id"] = _committee_id(session, value)
        elif key in ("starts_on", "due_on"):
            if value in (None, ""):
                clean[key] = None
            elif isinstance(value, date):
                clean[key] = value
            else:
                try:
                    clean[key] = date.fromisoformat(str(value))
                except ValueError:
                    raise MonitoringError(
                        N_("starts_on: %(value)r is not a date (YYYY-MM-DD)")
                        if key == "starts_on"
                        else N_("due_on: %(value)r is not a date (YYYY-MM-DD)"),
                        value=value,
                    ) from None
        elif key == "status":
            if value not in ACTION_STATUSES:
                raise MonitoringError(
                    N_("status: %(value)r is not one of %(choices)s"),
                    value=value,
                    choices=", ".join(ACTION_STATUSES),
                )
            clean[key] = value
        elif key == "progress":
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise MonitoringError(
                    N_("progress: %(value)r is not a whole number"), value=value
                ) from None
            if not 0 <= number <= 100:
                raise MonitoringError(
                    N_("progress: %(value)s is not between 0 and 100"), value=number
                )
            clean[key] = number
        elif key == "evidence":
            items = value if isinstance(value, list) else str(value or "").splitlines()
            clean[key] = [str(x).strip() for x in items if str(x).strip()]
        elif key in ("title", "responsible", "leader"):
            clean[key] = (str(value).strip() or None) if value is not None else None
            if key == "title" and not clean[key]:
                raise MonitoringError(N_("title: empty"))
        else:
            raise MonitoringError(N_("%(field)s: not a field of an action"), field=key)
    return clean


def create_action(
    session: Session, plan_code: str, code: str, values: dict[str, Any], user: str | None
) -> PlanAction:
    """Add an action to a plan (its creation is the first entry of its history)."""
    ensure_defaults(session)
    plan = session.scalars(select(Plan).where(Plan.code == plan_code)).one_or_none()
    if plan is None:
        raise MonitoringError(N_("plan: unknown code %(code)r"), code=plan_code)
    if not code.strip():
        raise MonitoringError(N_("code: empty"))
    exists = session.scalar(
        select(PlanAction.id).where(PlanAction.plan_id == plan.id, PlanAction.code == code)
    )
    if exists is not None:
        raise MonitoringError(
            N_("code: %(code)r already exists in %(plan)s"), code=code, plan=plan_code
        )
    clean = _clean(session, {"status": "pendiente", "progress": 0, **values})
    if "title" not in clean:
        raise MonitoringError(N_("title: missing"))
    action = PlanAction(plan_id=plan.id, code=code.strip(), **clean)
    session.add(action)
    session.flush()
    session.add(ActionChange(action_id=action.id, changed_by=user, field="created"))
    session.flush()
    return action


def update_action(
    session: Session, action_id: int, values: dict[str, Any], user: str | None
) -> list[ActionChange]:
    """Change fields of an action; one history row per field that really changed."""
    action = session.get(PlanAction, action_id)
    if action is None:
        raise MonitoringError(N_("action %(id)s does not exist"), id=action_id)
    clean = _clean(session, values)
    changes: list[ActionChange] = []
    for key, new in clean.items():
        old = getattr(action, key)
        if old == new:
            continue
        setattr(action, key, new)
        change = ActionChange(
            action_id=action.id,
            changed_by=user,
            field=key,
            old_value=_text(old),
            new_value=_text(new),
        )
        session.add(change)
        changes.append(change)
    session.flush()
    return changes


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "\n".join(str(x) for x in value)
    return str(value)


def action_history(session: Session, action_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ActionChange)
        .where(ActionChange.action_id == action_id)
        .order_by(ActionChange.changed_at, ActionChange.id)
    ).all()
    return [
        {
            "changed_at": r.changed_at,
            "changed_by": r.changed_by,
            "field": r.field,
            "old": r.old_value,
            "new": r.new_value,
        }
        for r in rows
    ]


def progress_by(session: Session, key: str) -> list[dict[str, Any]]:
    """Plan progress grouped by ``objective`` or ``committee``: actions, done, mean progress."""
    ensure_defaults(session)
    groups: dict[str, dict[str, Any]] = {}
    if key == "objective":
        for o in session.scalars(select(StrategicObjective).order_by(StrategicObjective.number)):
            groups[o.code] = {"code": o.code, "name": o.name}
    else:
        for c in session.scalars(select(Committee).order_by(Committee.id)):
            groups[c.code] = {"code": c.code, "name": c.name}
    for g in groups.values():
        g.update(actions=0, done=0, late=0, progress=None, _sum=0)
    for action in session.scalars(select(PlanAction)):
        owner = action.objective if key == "objective" else action.committee
        if owner is None or owner.code not in groups:
            continue
        g = groups[owner.code]
        status = effective_status(action)
        if status == "cancelado":
            continue
        g["actions"] += 1
        g["_sum"] += 100 if status == "realizado" else action.progress
        g["done"] += status == "realizado"
        g["late"] += status == "atrasado"
    for g in groups.values():
        total = g.pop("_sum")
        g["progress"] = round(total / g["actions"]) if g["actions"] else None
    return list(groups.values())
