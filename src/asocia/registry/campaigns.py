"""Verification campaigns and how current the registry is.

An analyst selects cooperatives (region, class, not verified for N months) and contacts them:
the campaign lists them, gives a mail-merge CSV of their contacts, and records an outcome per
cooperative — ``confirmed`` or ``updated`` (the data are verified today), ``unreachable``,
``not_operating`` (activity becomes inactive), ``dissolved`` (legal status becomes dissolved).
Every outcome is a history entry of the cooperative. :func:`verified_by_region` is the share
of cooperatives verified in the last 12 months by region: an observatory publishes how current
its registry is.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, case, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models import Cooperative, CooperativeContact
from asocia.db.models.registry import CampaignItem, CooperativeChange, VerificationCampaign
from asocia.i18n import N_
from asocia.registry import editing
from asocia.registry.store import Actor
from asocia.registry.territory import territory
from asocia.spreadsheets import safe_cell

COOPS = cast(Table, Cooperative.__table__)
ITEMS = cast(Table, CampaignItem.__table__)
CHANGES = cast(Table, CooperativeChange.__table__)

#: Outcomes of contacting a cooperative, with their labels.
OUTCOMES: dict[str, str] = {
    "confirmed": N_("confirmed its data"),
    "updated": N_("data updated"),
    "unreachable": N_("unreachable"),
    "not_operating": N_("no longer operating"),
    "dissolved": N_("dissolved"),
}
#: What an outcome writes to the record, besides its history entry.
_EFFECTS: dict[str, dict[str, str]] = {
    "not_operating": {"activity": "inactiva"},
    "dissolved": {"legal_status": "disuelta"},
}
#: Columns of the mail-merge CSV.
MAIL_MERGE_COLUMNS = (
    "id", "legal_name", "trade_name", "tax_id", "comuna", "region", "representative", "email",
    "phone", "address", "last_verified_on",
)  # fmt: skip


class CampaignError(ValueError):
    """Bad campaign input (unknown outcome, cooperative not in the campaign...)."""


def _months_ago(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    return date(year, month + 1, day)


def selection(
    *,
    region: int | None = None,
    legal_class: str | None = None,
    months: int | None = None,
    today: date | None = None,
) -> Any:
    """The ids of the cooperatives a campaign over these criteria covers (merged-away ones
    left out); ``months``: not verified for that long (or never)."""
    query = select(COOPS.c.id).where(COOPS.c.merged_into_id.is_(None))
    if region is not None:
        query = query.where(COOPS.c.region_code == region)
    if legal_class:
        query = query.where(COOPS.c.legal_class == legal_class)
    if months is not None:
        cutoff = _months_ago(today or utcnow().date(), months)
        query = query.where(
            or_(COOPS.c.last_verified_on.is_(None), COOPS.c.last_verified_on < cutoff)
        )
    return query


def create_campaign(
    session: Session,
    name: str,
    *,
    actor: Actor,
    region: int | None = None,
    legal_class: str | None = None,
    months: int | None = None,
    today: date | None = None,
) -> VerificationCampaign:
    """Start a campaign over the current selection (it keeps that list of cooperatives)."""
    name = name.strip()
    if not name:
        raise CampaignError("a campaign needs a name")
    if months is not None and months < 0:
        raise CampaignError("months must be zero or more")
    campaign = VerificationCampaign(
        name=name[:200],
        created_by_id=actor.user_id,
        created_by=actor.username,
        criteria={"region": region, "legal_class": legal_class, "months": months},
    )
    session.add(campaign)
    session.flush()
    chosen = selection(region=region, legal_class=legal_class, months=months, today=today)
    session.connection().execute(
        insert(ITEMS).from_select(
            ["campaign_id", "cooperative_id"],
            select(literal(campaign.id), chosen.subquery().c.id),
        )
    )
    return campaign


def campaigns(session: Session) -> list[dict[str, Any]]:
    """Every campaign, newest first, with its progress."""
    rows = session.scalars(select(VerificationCampaign).order_by(VerificationCampaign.id.desc()))
    return [summary(session, c) for c in rows]


def summary(session: Session, campaign: VerificationCampaign) -> dict[str, Any]:
    """A campaign's criteria and progress: how many cooperatives, how many per outcome."""
    counts = dict(
        session.execute(
            select(CampaignItem.outcome, func.count())
            .where(CampaignItem.campaign_id == campaign.id)
            .group_by(CampaignItem.outcome)
        ).all()
    )
    total = sum(counts.values())
    done = total - counts.get(None, 0)
    return {
        "id": campaign.id,
        "name": campaign.name,
        "created_at": campaign.created_at,
        "created_by": campaign.created_by,
        "criteria": dict(campaign.criteria or {}),
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else 0,
        "outcomes": {o: counts.get(o, 0) for o in OUTCOMES},
    }


def items(
    session: Session, campaign_id: int, *, offset: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """The cooperatives of a campaign (no personal data), with their outcome so far."""
    rows = session.execute(
        select(
            CampaignItem.cooperative_id, CampaignItem.outcome, CampaignItem.outcome_at,
            CampaignItem.outcome_by, CampaignItem.note, COOPS.c.legal_name, COOPS.c.comuna_code,
            COOPS.c.region_code, COOPS.c.last_verified_on,
        )
        .join(COOPS, COOPS.c.id == CampaignItem.cooperative_id)
        .where(CampaignItem.campaign_id == campaign_id)
        .order_by(COOPS.c.name_key, COOPS.c.id)
        .offset(offset)
        .limit(limit)
    ).mappings()  # fmt: skip
    comunas = territory().comunas
    return [
        dict(r)
        | {"comuna": comunas[r["comuna_code"]].name if r["comuna_code"] in comunas else None}
        for r in rows
    ]


def record_outcome(
    session: Session,
    campaign_id: int,
    cooperative_id: int,
    outcome: str,
    *,
    actor: Actor,
    note: str | None = None,
) -> None:
    """Record what contacting a cooperative gave, with a history entry and its effect."""
    if outcome not in OUTCOMES:
        raise CampaignError(f"unknown outcome {outcome!r}; one of {', '.join(OUTCOMES)}")
    item = session.scalar(
        select(CampaignItem).where(
            CampaignItem.campaign_id == campaign_id, CampaignItem.cooperative_id == cooperative_id
        )
    )
    if item is None:
        raise CampaignError("this cooperative is not in the campaign")
    note = (note or "").strip() or None
    now = utcnow()
    previous = item.outcome
    item.outcome, item.outcome_at, item.outcome_by, item.note = outcome, now, actor.username, note
    session.flush()
    why = f"campaign #{campaign_id}" + (f": {note}" if note else "")
    session.connection().execute(
        insert(CHANGES),
        [
            {
                "cooperative_id": cooperative_id,
                "changed_at": now,
                "user_id": actor.user_id,
                "username": actor.username,
                "import_run_id": None,
                "action": "campaign",
                "field": "campaign_outcome",
                "old_value": previous,
                "new_value": outcome,
                "personal": False,
                "comment": why,
            }
        ],
    )
    if outcome in ("confirmed", "updated"):
        editing.mark_verified(session, cooperative_id, actor=actor, how="campaign", comment=why)
    effect = _EFFECTS.get(outcome)
    if effect:
        current = editing.current_record(session, cooperative_id)
        changed = editing.prepare_changes(current, effect)
        editing.apply_changes(session, current, changed, actor=actor, comment=why)


def neutralise(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection): the app's one rule,
    :func:`asocia.spreadsheets.safe_cell`, over the value as text."""
    return str(safe_cell("" if value is None else str(value)))


def mail_merge_csv(session: Session, campaign_id: int) -> str:
    """The contacts of a campaign's cooperatives (personal data: analysts only), one per line,
    formula-like cells neutralised."""
    contacts = cast(Table, CooperativeContact.__table__)
    rows = session.execute(
        select(
            COOPS.c.id, COOPS.c.legal_name, COOPS.c.trade_name, COOPS.c.tax_id,
            COOPS.c.comuna_code, COOPS.c.region_code, contacts.c.representative,
            contacts.c.email, contacts.c.phone, contacts.c.address, COOPS.c.last_verified_on,
        )
        .join(CampaignItem, CampaignItem.cooperative_id == COOPS.c.id)
        .outerjoin(contacts, contacts.c.cooperative_id == COOPS.c.id)
        .where(CampaignItem.campaign_id == campaign_id)
        .order_by(COOPS.c.name_key, COOPS.c.id)
    ).all()  # fmt: skip
    t = territory()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(MAIL_MERGE_COLUMNS)
    for row in rows:
        comuna = t.comunas.get(row.comuna_code) if row.comuna_code else None
        region = t.regions.get(row.region_code) if row.region_code else None
        cells = [
            row.id, row.legal_name, row.trade_name, row.tax_id,
            comuna.name if comuna else None, region.name if region else None,
            row.representative, row.email, row.phone, row.address,
            row.last_verified_on.isoformat() if row.last_verified_on else None,
        ]  # fmt: skip
        writer.writerow([neutralise(c) for c in cells])
    return out.getvalue()


def verified_by_region(session: Session, *, today: date | None = None) -> dict[str, Any]:
    """Per region (``regions``; a region of None: cooperatives without one) and for the whole
    registry (``total``): cooperatives not merged away, how many were verified in the last 12
    months, and the share."""
    today = today or utcnow().date()
    since = today - timedelta(days=365)
    recent = case((COOPS.c.last_verified_on >= since, 1), else_=0)
    rows = session.execute(
        select(COOPS.c.region_code, func.count(), func.sum(recent))
        .where(COOPS.c.merged_into_id.is_(None))
        .group_by(COOPS.c.region_code)
        .order_by(COOPS.c.region_code)
    ).all()
    regions = territory().regions
    out = []
    for code, total, verified in rows:
        region = regions.get(code) if code is not None else None
        out.append(
            {
                "region_code": code,
                "region_name": region.name if region else None,
                "total": int(total),
                "verified": int(verified or 0),
                "share": round((verified or 0) / total, 4) if total else 0.0,
            }
        )
    total = sum(r["total"] for r in out)
    verified = sum(r["verified"] for r in out)
    return {
        "since": since.isoformat(),
        "regions": out,
        "total": {
            "total": total,
            "verified": verified,
            "share": round(verified / total, 4) if total else 0.0,
        },
    }


__all__ = [
    "OUTCOMES",
    "CampaignError",
    "campaigns",
    "create_campaign",
    "items",
    "mail_merge_csv",
    "neutralise",
    "record_outcome",
    "selection",
    "summary",
    "verified_by_region",
]
