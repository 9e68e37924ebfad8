"""The correction queue: open problems of kept cooperatives' values, to work through.

An import writes one flag per flagged problem of a row it kept (``registry_flags``); an analyst
lists them (``asocia registry corrections``, ``/registry/corrections``) and editing a field
resolves its flags (:func:`resolve_flags`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models.registry import Cooperative, CooperativeFlag

_NON_CODE = re.compile(r"[^a-z0-9]+")
_CODES = (
    ("tax id already used", "repeated_tax_id"),
    ("kept under its registry number", "invalid_tax_id"),
    ("looks shifted", "shifted_row"),
    ("unknown comuna", "unknown_comuna"),
    ("unknown region", "unknown_region"),
    ("region does not match", "region_mismatch"),
    ("unknown rubro", "unknown_rubro"),
    ("not an email", "invalid_email"),
    ("date in the future", "future_date"),
)


def flag_code(reason: str) -> str:
    """A short stable code for a problem's reason (``unknown_comuna``, ``invalid_tax_id``…)."""
    for words, code in _CODES:
        if words in reason:
            return code
    head = reason.split(";")[0].split("(")[0]
    return _NON_CODE.sub("_", head.lower()).strip("_")[:60] or "problem"


def add_flags(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Store flags (dicts of the ``registry_flags`` columns, without id and timestamps)."""
    if not rows:
        return
    now = utcnow()
    session.execute(
        insert(CooperativeFlag),
        [{**row, "created_at": now} for row in rows],
    )


@dataclass(frozen=True)
class FlagFilters:
    """Which open flags to list."""

    cooperative_id: int | None = None
    field: str | None = None
    code: str | None = None
    import_run_id: int | None = None
    q: str | None = None  # part of the co-op's legal name


def _filtered(filters: FlagFilters) -> Any:
    query = (
        select(CooperativeFlag, Cooperative.legal_name, Cooperative.tax_id,
               Cooperative.registry_number)
        .join(Cooperative, Cooperative.id == CooperativeFlag.cooperative_id)
        .where(CooperativeFlag.resolved_at.is_(None))
    )  # fmt: skip
    if filters.cooperative_id is not None:
        query = query.where(CooperativeFlag.cooperative_id == filters.cooperative_id)
    if filters.field:
        query = query.where(CooperativeFlag.field == filters.field)
    if filters.code:
        query = query.where(CooperativeFlag.code == filters.code)
    if filters.import_run_id is not None:
        query = query.where(CooperativeFlag.import_run_id == filters.import_run_id)
    if filters.q:
        query = query.where(Cooperative.name_key.contains(filters.q.lower()))
    return query


def open_flags(
    session: Session,
    filters: FlagFilters | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Open flags, grouped by cooperative (ids ascending): ``count`` (flags), ``items``.

    Each item is a cooperative (``id``, ``legal_name``, ``tax_id``, ``registry_number``) with
    its ``flags`` (``id``, ``field``, ``code``, ``value``, ``reason``, ``import_run_id``,
    ``line``, ``created_at``). ``limit`` and ``offset`` count cooperatives.
    """
    filters = filters or FlagFilters()
    base = _filtered(filters).subquery()
    count = session.scalar(select(func.count()).select_from(base)) or 0
    cooperatives = session.scalar(select(func.count(func.distinct(base.c.cooperative_id)))) or 0
    page_ids = list(
        session.scalars(
            select(base.c.cooperative_id)
            .distinct()
            .order_by(base.c.cooperative_id)
            .limit(limit)
            .offset(offset)
        )
    )
    items: dict[int, dict[str, Any]] = {}
    if page_ids:
        rows = session.execute(
            _filtered(filters)
            .where(CooperativeFlag.cooperative_id.in_(page_ids))
            .order_by(CooperativeFlag.cooperative_id, CooperativeFlag.id)
        )
        for flag, legal_name, tax_id, registry_number in rows:
            item = items.setdefault(
                flag.cooperative_id,
                {
                    "id": flag.cooperative_id,
                    "legal_name": legal_name,
                    "tax_id": tax_id,
                    "registry_number": registry_number,
                    "flags": [],
                },
            )
            item["flags"].append(
                {
                    "id": flag.id,
                    "field": flag.field,
                    "code": flag.code,
                    "value": flag.value,
                    "reason": flag.reason,
                    "import_run_id": flag.import_run_id,
                    "line": flag.line,
                    "created_at": flag.created_at,
                }
            )
    return {
        "count": count,
        "cooperatives": cooperatives,
        "items": list(items.values()),
        "has_next": offset + limit < cooperatives,
    }


def flag_codes(session: Session) -> list[str]:
    """The codes of open flags (for a filter's choices)."""
    return list(
        session.scalars(
            select(CooperativeFlag.code)
            .where(CooperativeFlag.resolved_at.is_(None))
            .distinct()
            .order_by(CooperativeFlag.code)
        )
    )


def resolve_flags(
    session: Session,
    cooperative_id: int,
    fields: Sequence[str],
    user_id: int | None,
    username: str | None,
) -> int:
    """Mark the open flags of ``cooperative_id`` on ``fields`` resolved; how many were."""
    if not fields:
        return 0
    result = session.execute(
        update(CooperativeFlag)
        .where(
            CooperativeFlag.cooperative_id == cooperative_id,
            CooperativeFlag.field.in_(list(fields)),
            CooperativeFlag.resolved_at.is_(None),
        )
        .values(
            resolved_at=utcnow(),
            resolved_by_user_id=user_id,
            resolved_by_username=username,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
