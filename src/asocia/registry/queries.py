"""Reading the registry: the filtered, sorted, paginated list; a cooperative; its history; runs.

Built for a million cooperatives: sorting by name walks ``ix_cooperatives_name_key`` and pages
by key (``after``), never by a deep OFFSET; counts are capped (:data:`COUNT_CAP`) so a request
never counts a million rows. Every query goes through ``asocia.auth.policy.cooperative_scope``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, fields
from typing import Any, cast

from sqlalchemy import Select, Table, and_, func, or_, select
from sqlalchemy.orm import Session

from asocia.auth.policy import Principal, can_view_personal_data, cooperative_scope
from asocia.db.models import Cooperative, CooperativeContact
from asocia.db.models.registry import (
    FACET_FILTERS,
    CooperativeChange,
    ImportProblem,
    ImportRun,
)
from asocia.registry.names import name_key
from asocia.registry.territory import territory
from asocia.registry.vocabulary import vocabulary

COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 1_000  # a substring search scans names: count fewer before saying "more"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
SORTS = ("name", "-name", "members", "-members", "constituted", "-constituted", "-sales")
MAX_OFFSET_PAGES = 200

COOPS = cast(Table, Cooperative.__table__)

#: Columns of the list (cheap to read; no personal data).
LIST_COLUMNS = (
    "id", "country", "tax_id", "registry_number", "legal_name", "trade_name", "legal_class",
    "ilo_type", "region_code", "comuna_code", "rural_class", "legal_status", "activity",
    "members_total", "size_band", "constituted_on",
)  # fmt: skip


@dataclass
class Filters:
    """What the list is restricted to. Empty values mean "any"."""

    q: str | None = None
    region: int | None = None
    comuna: int | None = None
    rural_class: str | None = None
    legal_class: str | None = None
    ilo_type: str | None = None
    status: str | None = None
    activity: str | None = None
    size_band: str | None = None
    country: str | None = None
    include_merged: bool = False

    def active(self) -> dict[str, Any]:
        """The filters that are set, for links and the API's echo."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) not in (None, "", False)
        }


@dataclass
class Page:
    """One page of the list."""

    items: list[dict[str, Any]]
    count: int  # matching rows, up to COUNT_CAP
    count_capped: bool  # True when there are more than COUNT_CAP
    next_after: str | None = None  # keyset cursor (name sorts)
    page: int = 1  # offset page (other sorts)
    has_next: bool = False
    filters: dict[str, Any] = field(default_factory=dict)


def _where(query: Select[Any], filters: Filters, *, by_name: bool = False) -> Select[Any]:
    """``query`` restricted to ``filters``.

    ``by_name``: the rows are wanted in name order (a page of the list). Then the facets
    (:data:`~asocia.db.models.registry.FACET_FILTERS`) are compared as ``column || ''``, which
    keeps their one-column indexes away from the planner: it walks a name-ordered index and
    stops when the page is full, instead of fetching every co-op in force and sorting them.
    """
    c = COOPS.c
    if not filters.include_merged:
        query = query.where(c.merged_into_id.is_(None))
    equal = {
        "region_code": filters.region,
        "comuna_code": filters.comuna,
        "rural_class": filters.rural_class,
        "legal_class": filters.legal_class,
        "ilo_type": filters.ilo_type,
        "legal_status": filters.status,
        "activity": filters.activity,
        "size_band": filters.size_band,
        "country": filters.country,
    }
    for column, value in equal.items():
        if value not in (None, ""):
            if by_name and column in FACET_FILTERS:
                query = query.where(c[column].concat("") == value)
            else:
                query = query.where(c[column] == value)
    text = (filters.q or "").strip()
    if text:
        from asocia.registry.taxid import compact_key  # python-stdnum: only for a search

        compact = compact_key(text)
        if _looks_like_id(text, compact):
            body = compact[:-1] if len(compact) > 7 else compact
            # A range rather than LIKE, so the (country, tax_id) index serves it.
            query = query.where(
                or_(and_(c.tax_id >= body, c.tax_id < body + "~"), c.registry_number == text)
            )
        else:
            key = name_key(text).replace("%", "").replace("_", " ")
            query = query.where(c.name_key.like(f"%{key}%"))
    return query


def _looks_like_id(text: str, compact: str) -> bool:
    """A tax id or registry number being typed: digits (3 or more) with dots, dashes or K."""
    return sum(ch.isdigit() for ch in compact) >= 3 and all(
        ch.isdigit() or ch in ".-kK /" for ch in text
    )


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    padded = cursor + "=" * (-len(cursor) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("bad cursor")
    key, last_id = value
    if not isinstance(key, str) or type(last_id) is not int or not 0 <= last_id < 2**63:
        raise ValueError("bad cursor")
    return value


def count_capped(session: Session, principal: Principal, filters: Filters) -> tuple[int, bool]:
    """How many cooperatives match, counting at most :data:`COUNT_CAP` + 1 rows."""
    cap = SEARCH_COUNT_CAP if (filters.q or "").strip() else COUNT_CAP
    inner = cooperative_scope(principal, _where(select(COOPS.c.id), filters)).limit(cap + 1)
    count = session.execute(select(func.count()).select_from(inner.subquery())).scalar_one()
    return min(count, cap), count > cap


def list_cooperatives(
    session: Session,
    principal: Principal,
    filters: Filters | None = None,
    *,
    sort: str = "name",
    after: str | None = None,
    page: int = 1,
    limit: int = PAGE_SIZE,
    with_count: bool = True,
) -> Page:
    """One page of cooperatives matching ``filters`` that ``principal`` may see."""
    filters = filters or Filters()
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORTS)}")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    c = COOPS.c
    query = cooperative_scope(
        principal,
        _where(
            select(*(c[n] for n in LIST_COLUMNS), c.name_key),
            filters,
            by_name=sort in ("name", "-name"),
        ),
    )
    next_after = None
    if sort in ("name", "-name"):
        descending = sort == "-name"
        if after:
            key, last_id = _decode(after)
            if descending:
                query = query.where(or_(c.name_key < key, (c.name_key == key) & (c.id < last_id)))
            else:
                query = query.where(or_(c.name_key > key, (c.name_key == key) & (c.id > last_id)))
        order = (c.name_key.desc(), c.id.desc()) if descending else (c.name_key, c.id)
        rows = session.execute(query.order_by(*order).limit(limit + 1)).mappings().all()
        has_next = len(rows) > limit
        rows = rows[:limit]
        if has_next:
            next_after = _encode([rows[-1]["name_key"], rows[-1]["id"]])
    else:
        page = max(1, min(page, MAX_OFFSET_PAGES))
        column = {
            "members": c.members_total,
            "constituted": c.constituted_on,
            "sales": c.sales_amount,
        }[sort.lstrip("-")]
        ordered = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
        rows = (
            session.execute(
                query.order_by(ordered, c.id).offset((page - 1) * limit).limit(limit + 1)
            )
            .mappings()
            .all()
        )
        has_next = len(rows) > limit
        rows = rows[:limit]
    count, capped = count_capped(session, principal, filters) if with_count else (0, False)
    items = [_list_item(dict(r)) for r in rows]
    return Page(items, count, capped, next_after, page, has_next, filters.active())


def _list_item(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("name_key", None)
    comuna = territory().comunas.get(row["comuna_code"]) if row.get("comuna_code") else None
    row["comuna_name"] = comuna.name if comuna else None
    region = territory().regions.get(row["region_code"]) if row.get("region_code") else None
    row["region_name"] = region.name if region else None
    return row


def get_cooperative(
    session: Session, principal: Principal, cooperative_id: int
) -> dict[str, Any] | None:
    """All data of one cooperative (contacts only where personal data may be seen), or None."""
    query = cooperative_scope(principal, select(COOPS).where(COOPS.c.id == cooperative_id))
    row = session.execute(query).mappings().first()
    if row is None:
        return None
    data = _list_item(dict(row))
    data["name_key"] = row["name_key"]
    comuna = territory().comunas.get(row["comuna_code"]) if row["comuna_code"] else None
    data["province_name"] = comuna.province_name if comuna else None
    data["contact"] = None
    if can_view_personal_data(principal, cooperative_id):
        contact = session.get(CooperativeContact, cooperative_id)
        if contact is not None:
            data["contact"] = {
                "email": contact.email,
                "phone": contact.phone,
                "address": contact.address,
                "representative": contact.representative,
            }
    data["merged_ids"] = list(
        session.execute(
            select(COOPS.c.id).where(COOPS.c.merged_into_id == cooperative_id)
        ).scalars()
    )
    return data


def history(
    session: Session,
    principal: Principal,
    cooperative_id: int,
    *,
    merged_ids: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Every change of a cooperative and of the records merged into it, newest first.

    Changes of personal-data fields are left out unless ``principal`` may see personal data.
    ``merged_ids`` (from :func:`get_cooperative`) saves looking the merged records up again.
    """
    if merged_ids is None:
        merged_ids = list(
            session.execute(
                select(COOPS.c.id).where(COOPS.c.merged_into_id == cooperative_id)
            ).scalars()
        )
    ids = [cooperative_id, *merged_ids]
    query = select(CooperativeChange).where(CooperativeChange.cooperative_id.in_(ids))
    if not can_view_personal_data(principal, cooperative_id):
        query = query.where(CooperativeChange.personal.is_(False))
    changes = session.execute(
        query.order_by(CooperativeChange.changed_at.desc(), CooperativeChange.id.desc())
    ).scalars()
    return [
        {
            "id": ch.id,
            "cooperative_id": ch.cooperative_id,
            "changed_at": ch.changed_at,
            "username": ch.username,
            "import_run_id": ch.import_run_id,
            "action": ch.action,
            "field": ch.field,
            "old_value": ch.old_value,
            "new_value": ch.new_value,
        }
        for ch in changes
    ]


def import_runs(session: Session, limit: int = 100) -> list[ImportRun]:
    """The latest import runs, newest first."""
    return list(
        session.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)).scalars()
    )


def import_problems(
    session: Session, run_id: int, *, offset: int = 0, limit: int = 500
) -> list[ImportProblem]:
    """Problems of one import run, by line."""
    return list(
        session.execute(
            select(ImportProblem)
            .where(ImportProblem.import_run_id == run_id)
            .order_by(ImportProblem.line, ImportProblem.id)
            .offset(offset)
            .limit(limit)
        ).scalars()
    )


def label(category: str, code: str | None, lang: str = "es") -> str:
    """The label of a vocabulary code (for templates and exports)."""
    return vocabulary(category).label(code, lang)
