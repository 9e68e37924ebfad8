"""A cooperative keeps its own data current: proposals, reviewed by an analyst.

A ``coop`` user proposes new values for some fields of its own cooperative (contacts, address,
members by sex, workers, activity, trade name: :data:`~asocia.registry.editing.PROPOSABLE`).
They are validated at once, like any edit, and wait in a review queue. A reviewer accepts all
of them or some fields, or rejects them with a reason; accepted values are written through
:func:`asocia.registry.editing.apply_changes`, so each leaves a history entry naming the
reviewer (``username``) and the proposer (``proposed_by``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models import Cooperative
from asocia.db.models.registry import ChangeProposal
from asocia.registry import editing
from asocia.registry.editing import PROPOSABLE, EditError, EditResult
from asocia.registry.store import Actor

PENDING, ACCEPTED, PARTIAL, REJECTED = "pending", "accepted", "partial", "rejected"


class ProposalError(ValueError):
    """The decision cannot be made (already decided, no reason for a rejection...)."""


def propose(
    session: Session,
    cooperative_id: int,
    values: Mapping[str, Any],
    *,
    actor: Actor,
    comment: str | None = None,
    uf_clp: float = 39_000.0,
    today: date | None = None,
) -> ChangeProposal:
    """Record a proposal of the fields in ``values`` that differ from the stored ones.

    Raises :class:`~asocia.registry.editing.EditError` (field → reason) for invalid values,
    fields that cannot be proposed, or when nothing would change.
    """
    unknown = [n for n in values if n not in PROPOSABLE]
    if unknown:
        raise EditError({n: "not a field that can be proposed" for n in unknown})
    current = editing.current_record(session, cooperative_id)
    given = {
        n: "" if v is None else str(v).strip()
        for n, v in values.items()
        if ("" if v is None else str(v).strip()) != editing.input_value(current, n)
    }
    changed = editing.prepare_changes(current, given, uf_clp=uf_clp, today=today)
    kept = {n: v for n, v in given.items() if any(c in changed for c in editing.outputs_of(n))}
    if not kept:
        raise EditError({"": "nothing to change: the values are those already stored"})
    proposal = ChangeProposal(
        cooperative_id=cooperative_id,
        proposed_by_id=actor.user_id,
        proposed_by=actor.username,
        status=PENDING,
        values=kept,
        current={n: editing.input_value(current, n) for n in kept},
        comment=comment or None,
    )
    session.add(proposal)
    session.flush()
    return proposal


def get(session: Session, proposal_id: int) -> ChangeProposal | None:
    """One proposal."""
    return session.get(ChangeProposal, proposal_id)


def queue(
    session: Session, *, status: str | None = PENDING, limit: int = 200
) -> list[dict[str, Any]]:
    """Proposals (pending by default), oldest first, with their cooperative's name."""
    query = select(ChangeProposal, Cooperative.legal_name).join(
        Cooperative, Cooperative.id == ChangeProposal.cooperative_id
    )
    if status:
        query = query.where(ChangeProposal.status == status)
    rows = session.execute(query.order_by(ChangeProposal.id).limit(limit)).all()
    return [as_dict(p) | {"legal_name": name} for p, name in rows]


def of_cooperative(session: Session, cooperative_id: int) -> list[dict[str, Any]]:
    """A cooperative's proposals, newest first."""
    rows = session.scalars(
        select(ChangeProposal)
        .where(ChangeProposal.cooperative_id == cooperative_id)
        .order_by(ChangeProposal.id.desc())
    )
    return [as_dict(p) for p in rows]


def as_dict(proposal: ChangeProposal) -> dict[str, Any]:
    """A proposal as plain data (for templates and the API)."""
    return {
        "id": proposal.id,
        "cooperative_id": proposal.cooperative_id,
        "created_at": proposal.created_at,
        "proposed_by": proposal.proposed_by,
        "status": proposal.status,
        "values": dict(proposal.values or {}),
        "current": dict(proposal.current or {}),
        "comment": proposal.comment,
        "reviewed_at": proposal.reviewed_at,
        "reviewed_by": proposal.reviewed_by,
        "accepted_fields": list(proposal.accepted_fields or []),
        "reason": proposal.reason,
    }


def decide(
    session: Session,
    proposal_id: int,
    *,
    accept: Iterable[str],
    actor: Actor,
    reason: str | None = None,
    uf_clp: float = 39_000.0,
    today: date | None = None,
) -> EditResult | None:
    """Accept the fields ``accept`` of a pending proposal (all of them, some, or none).

    Fields not accepted are rejected; rejecting every field needs a ``reason``. Accepted values
    are validated again against the record as it is now and written with history entries naming
    the reviewer and the proposer. Returns what was written (None for a rejection).
    """
    proposal = session.get(ChangeProposal, proposal_id, with_for_update=True)
    if proposal is None:
        raise ProposalError("no such proposal")
    if proposal.status != PENDING:
        raise ProposalError("this proposal was already decided")
    values = dict(proposal.values or {})
    accepted = [n for n in values if n in set(accept)]
    reason = (reason or "").strip() or None
    if not accepted and reason is None:
        raise ProposalError("a rejection needs a reason")
    result = None
    if accepted:
        current = editing.current_record(session, proposal.cooperative_id)
        subset = {n: values[n] for n in accepted}
        changed = editing.prepare_changes(current, subset, uf_clp=uf_clp, today=today)
        note = f"proposal #{proposal.id}" + (f": {proposal.comment}" if proposal.comment else "")
        result = editing.apply_changes(
            session,
            current,
            changed,
            actor=actor,
            comment=note,
            proposed_by=proposal.proposed_by or "?",
            action="proposal",
        )
    proposal.status = (
        REJECTED if not accepted else ACCEPTED if len(accepted) == len(values) else PARTIAL
    )
    proposal.accepted_fields = accepted
    proposal.reason = reason
    proposal.reviewed_at = utcnow()
    proposal.reviewed_by_id = actor.user_id
    proposal.reviewed_by = actor.username
    session.flush()
    return result


__all__ = ["ProposalError", "as_dict", "decide", "get", "of_cooperative", "propose", "queue"]
