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
from asocia.registry.taxid import VALIDATORS

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


def _compare(
    members: list[tuple[int, str]], found: dict[tuple[int, int], tuple[str, float]]
) -> None:
    """Pairs of one place with the same or very similar distinctive words."""
    exact: dict[str, list[int]] = defaultdict(list)
    for coop_id, key in members:
        exact[key].append(coop_id)
    for ids in exact.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                found.setdefault((min(a, b), max(a, b)), ("similar_name", 1.0))
    if len(members) > _MAX_GROUP:
        return  # only exact matches in very large places: pairwise would be quadratic
    for i, (a, key_a) in enumerate(members):
        for b, key_b in members[i + 1 :]:
            pair = (min(a, b), max(a, b))
            if key_a == key_b or pair in found:
                continue
            ratio = difflib.SequenceMatcher(None, key_a, key_b).ratio()
            if ratio >= SIMILARITY:
                found[pair] = ("similar_name", ratio)


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
    # Where python-stdnum validates, ids are stored canonically and the unique constraint already
    # forbids two spellings: only countries kept "as given" can hide one id under two spellings.
    unvalidated = [
        country
        for country in session.execute(select(c.country).distinct()).scalars()
        if country not in VALIDATORS
    ]
    same_tax: list[Any] = []
    for country in unvalidated:
        groups = (
            select(compact.label("k"))
            .where(live, c.country == country, c.tax_id.is_not(None))
            .group_by(compact)
            .having(func.count() > 1)
            .limit(limit)
            .subquery()
        )
        same_tax.extend(
            session.execute(
                select(c.id, groups.c.k)
                .join(groups, compact == groups.c.k)
                .where(live, c.country == country)
                .order_by(groups.c.k, c.id)
            ).all()
        )
    by_key: dict[str, list[int]] = defaultdict(list)
    for coop_id, key in same_tax:
        by_key[key].append(coop_id)
    for ids in by_key.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                found[(a, b)] = ("same_tax_id", 1.0)

    # Place by place (comuna, else the division as given), streaming in index order, and
    # stopping once enough undecided pairs are found: the page never reads a million names.
    rows = session.execute(
        select(c.id, c.comuna_code, c.admin_division, c.legal_name)
        .where(live)
        .order_by(c.comuna_code, c.admin_division, c.id)
        .execution_options(yield_per=5_000)
    )
    members: list[tuple[int, str]] = []
    current: Any = object()
    for coop_id, comuna, division, name in rows:
        place = (comuna, division if comuna is None else None)
        if place != current:
            _compare(members, found)
            members = []
            current = place
            if sum(1 for p in found if p not in decided) >= limit:
                break
        members.append((coop_id, match_key(name)))
    else:
        _compare(members, found)
    rows.close()
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
