"""Duplicate candidates: records that may be the same cooperative, listed for a person to review.

Two signals: the same tax id under different spellings (``76.086.428-5`` / ``760864285`` in a
country without a validator, or kept as given), and very similar names in the same comuna once
legal-form words are dropped (``Cooperativa Agrícola La Unión Ltda.`` / ``Coop. Agricola Union``).
Nothing is merged here: merging is an explicit action (``store.merge_cooperatives``). Pairs a
reviewer marked distinct or merged are not proposed again.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from asocia.db.models import Cooperative
from asocia.db.models.registry import DuplicateDecision
from asocia.registry.names import match_key

COOPS = cast(Table, Cooperative.__table__)
SIMILARITY = 0.9
_MAX_GROUP = 400  # pairwise comparison only inside groups this small


@dataclass(frozen=True)
class Candidate:
    """Two records that may be one cooperative, and why."""

    first_id: int
    second_id: int
    reason: str  # same_tax_id or similar_name
    score: float
    first: dict[str, Any]
    second: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_id": self.first_id,
            "second_id": self.second_id,
            "reason": self.reason,
            "score": round(self.score, 3),
            "first": self.first,
            "second": self.second,
        }


def _compact_sql(column: Any) -> Any:
    stripped = func.replace(
        func.replace(func.replace(func.upper(column), ".", ""), "-", ""), " ", ""
    )
    return func.ltrim(stripped, "0")


def candidates(session: Session, *, limit: int = 200) -> list[Candidate]:
    """Up to ``limit`` undecided duplicate candidates among records not merged away."""
    c = COOPS.c
    decided = {
        (a, b)
        for a, b in session.execute(select(DuplicateDecision.first_id, DuplicateDecision.second_id))
    }
    found: dict[tuple[int, int], tuple[str, float]] = {}
    live = c.merged_into_id.is_(None)

    compact = _compact_sql(c.tax_id)
    groups = (
        select(c.country, compact.label("k"))
        .where(live, c.tax_id.is_not(None))
        .group_by(c.country, compact)
        .having(func.count() > 1)
        .limit(limit)
        .subquery()
    )
    same_tax = session.execute(
        select(c.id, groups.c.k)
        .join(groups, (c.country == groups.c.country) & (compact == groups.c.k))
        .where(live)
        .order_by(groups.c.k, c.id)
    ).all()
    by_key: dict[str, list[int]] = defaultdict(list)
    for coop_id, key in same_tax:
        by_key[key].append(coop_id)
    for ids in by_key.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                found[(a, b)] = ("same_tax_id", 1.0)

    by_comuna: dict[Any, list[tuple[int, str]]] = defaultdict(list)
    for coop_id, comuna, division, name in session.execute(
        select(c.id, c.comuna_code, c.admin_division, c.legal_name).where(live).order_by(c.id)
    ):
        place = comuna if comuna is not None else division
        by_comuna[place].append((coop_id, match_key(name)))
    for members in by_comuna.values():
        exact: dict[str, list[int]] = defaultdict(list)
        for coop_id, key in members:
            exact[key].append(coop_id)
        for ids in exact.values():
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    found.setdefault((a, b), ("similar_name", 1.0))
        if len(members) <= _MAX_GROUP:
            for i, (a, key_a) in enumerate(members):
                for b, key_b in members[i + 1 :]:
                    if key_a == key_b or (a, b) in found:
                        continue
                    ratio = difflib.SequenceMatcher(None, key_a, key_b).ratio()
                    if ratio >= SIMILARITY:
                        found[(a, b)] = ("similar_name", ratio)
        if len(found) >= limit * 4:
            break
    pairs = [(p, v) for p, v in found.items() if p not in decided][:limit]
    wanted = {i for (a, b), _ in pairs for i in (a, b)}
    details = (
        {
            row["id"]: dict(row)
            for row in session.execute(
                select(
                    c.id,
                    c.tax_id,
                    c.registry_number,
                    c.legal_name,
                    c.comuna_code,
                    c.members_total,
                    c.constituted_on,
                ).where(c.id.in_(wanted))
            ).mappings()
        }
        if wanted
        else {}
    )
    return [
        Candidate(a, b, reason, score, details[a], details[b])
        for (a, b), (reason, score) in sorted(pairs, key=lambda p: (-p[1][1], p[0]))
    ]
