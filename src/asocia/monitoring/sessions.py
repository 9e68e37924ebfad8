"""Council (and committee) sessions and their agreements, with the carry-over of open
agreements: a session's agenda starts with "Acuerdos sesión anterior", every agreement of an
earlier session of the same body not yet done or discarded, with responsible and status."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asocia.db.models.monitoring import Agreement, CouncilSession, PlanAction
from asocia.i18n import N_
from asocia.monitoring.defaults import ensure_defaults
from asocia.monitoring.strategy import MonitoringError

AGREEMENT_STATUSES = ("pendiente", "en_curso", "realizado", "descartado")
CLOSED = frozenset({"realizado", "descartado"})
CARRY_OVER_TITLE = "Acuerdos sesión anterior"


def agreement_dict(a: Agreement) -> dict[str, Any]:
    return {
        "id": a.id,
        "session_id": a.session_id,
        "session_date": a.session.held_on,
        "number": a.number,
        "text": a.text,
        "responsible": a.responsible,
        "due_on": a.due_on,
        "status": a.status,
        "action_id": a.action_id,
        "provenance": a.provenance,
    }


def session_dict(s: CouncilSession, *, agreements: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id,
        "body": s.body,
        "held_on": s.held_on,
        "title": s.title,
        "attendees": s.attendees,
        "agenda": s.agenda,
        "minutes": s.minutes,
        "provenance": s.provenance,
    }
    if agreements:
        out["agreements"] = [agreement_dict(a) for a in s.agreements]
    return out


def list_sessions(session: Session) -> list[dict[str, Any]]:
    ensure_defaults(session)
    rows = session.scalars(
        select(CouncilSession).order_by(CouncilSession.held_on.desc(), CouncilSession.id.desc())
    )
    return [session_dict(s, agreements=False) | {"agreements": len(s.agreements)} for s in rows]


def get_session(session: Session, session_id: int) -> CouncilSession:
    ensure_defaults(session)
    found = session.get(CouncilSession, session_id)
    if found is None:
        raise MonitoringError(N_("session %(id)s does not exist"), id=session_id)
    return found


def create_session(
    session: Session,
    *,
    body: str,
    held_on: date,
    title: str,
    attendees: list[str] | None = None,
    agenda: list[str] | None = None,
    minutes: str | None = None,
) -> CouncilSession:
    ensure_defaults(session)
    if not title.strip():
        raise MonitoringError(N_("title: empty"))
    if not body.strip():
        raise MonitoringError(N_("body: empty"))
    new = CouncilSession(
        body=body.strip(),
        held_on=held_on,
        title=title.strip(),
        attendees=[a.strip() for a in attendees or [] if a.strip()],
        agenda=[a.strip() for a in agenda or [] if a.strip()],
        minutes=minutes,
    )
    session.add(new)
    session.flush()
    return new


def add_agreement(
    session: Session,
    session_id: int,
    text: str,
    *,
    responsible: str | None = None,
    due_on: date | None = None,
    status: str = "pendiente",
    action_id: int | None = None,
) -> Agreement:
    council = get_session(session, session_id)
    if not text.strip():
        raise MonitoringError(N_("text: empty"))
    if status not in AGREEMENT_STATUSES:
        raise MonitoringError(
            N_("status: %(value)r is not one of %(choices)s"),
            value=status,
            choices=", ".join(AGREEMENT_STATUSES),
        )
    if action_id is not None and session.get(PlanAction, action_id) is None:
        raise MonitoringError(N_("action_id: action %(id)s does not exist"), id=action_id)
    number = max((a.number for a in council.agreements), default=0) + 1
    agreement = Agreement(
        session_id=council.id,
        number=number,
        text=text.strip(),
        responsible=(responsible or "").strip() or None,
        due_on=due_on,
        status=status,
        action_id=action_id,
    )
    session.add(agreement)
    session.flush()
    session.refresh(council)
    return agreement


def set_agreement_status(session: Session, agreement_id: int, status: str) -> Agreement:
    if status not in AGREEMENT_STATUSES:
        raise MonitoringError(
            N_("status: %(value)r is not one of %(choices)s"),
            value=status,
            choices=", ".join(AGREEMENT_STATUSES),
        )
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise MonitoringError(N_("agreement %(id)s does not exist"), id=agreement_id)
    agreement.status = status
    session.flush()
    return agreement


def previous_session(session: Session, council: CouncilSession) -> CouncilSession | None:
    """The session of the same body held just before ``council``."""
    return session.scalars(
        select(CouncilSession)
        .where(
            CouncilSession.body == council.body,
            (CouncilSession.held_on < council.held_on)
            | ((CouncilSession.held_on == council.held_on) & (CouncilSession.id < council.id)),
        )
        .order_by(CouncilSession.held_on.desc(), CouncilSession.id.desc())
        .limit(1)
    ).one_or_none()


def carried_over(session: Session, council: CouncilSession) -> list[Agreement]:
    """Open agreements of every earlier session of the same body, oldest first."""
    return list(
        session.scalars(
            select(Agreement)
            .join(CouncilSession)
            .where(
                CouncilSession.body == council.body,
                CouncilSession.id != council.id,
                CouncilSession.held_on <= council.held_on,
                Agreement.status.not_in(CLOSED),
            )
            .order_by(CouncilSession.held_on, Agreement.number)
        )
    )


def agenda(session: Session, session_id: int) -> dict[str, Any]:
    """The agenda of a session: carried-over agreements first, then its own items."""
    council = get_session(session, session_id)
    open_items = carried_over(session, council)
    own = [item for item in council.agenda if item.strip() != CARRY_OVER_TITLE]
    return {
        "session": session_dict(council, agreements=False),
        "items": [
            {
                "title": CARRY_OVER_TITLE,
                "agreements": [agreement_dict(a) for a in open_items],
            },
            *({"title": item} for item in own),
        ],
    }
