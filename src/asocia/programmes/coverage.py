"""Coverage: the share of cooperatives reached by the instruments, and the targeting gap.

A cooperative is *reached* when it received any instrument in the last ``years`` years (up to
the latest year in the uptake records). The *targeting gap* of a diagnosis category is the
cooperatives with a red light in it and no instrument answering it (by the topics of
``data/recommendations.yaml``) in those years. Public figures go through disclosure control:
:func:`disclose` is the one place that calls ``asocia.stats.disclosure``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asocia.db.models import Cooperative
from asocia.db.models.programmes import Instrument, Uptake
from asocia.programmes.recommend import diagnosis_lights, ranking_rules
from asocia.programmes.rules import category_label
from asocia.stats import disclosure

DIMENSIONS = ("region_code", "legal_class", "rural_class")
DEFAULT_YEARS = 5


def disclose(rows: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    """Hide counts (and the figures derived from them) of groups of fewer than ``k`` co-ops."""
    shown = []
    for row in rows:
        row = dict(row)
        if any(
            disclosure.is_sensitive(int(row.get(n) or 0), k)
            for n in ("cooperatives", "reached", "count")
        ):
            for name in (
                "cooperatives",
                "reached",
                "share",
                "count",
                "amount_clp",
                "amount_per_member",
            ):
                if name in row:
                    row[name] = None
            row["suppressed"] = True
        shown.append(row)
    return shown


def coverage(
    session: Session,
    *,
    years: int = DEFAULT_YEARS,
    public_k: int | None = None,
    with_lights: bool = True,
) -> dict[str, Any]:
    """Coverage by region, class, rural class and diagnosis light, and the targeting gap.

    ``public_k``: apply disclosure control with this minimum (None: analysts' full figures).
    """
    latest = session.scalar(select(Uptake.year).order_by(Uptake.year.desc()).limit(1))
    last_year = latest or date.today().year
    since = last_year - years + 1
    coops = session.execute(
        select(
            Cooperative.id,
            Cooperative.region_code,
            Cooperative.legal_class,
            Cooperative.rural_class,
            Cooperative.members_total,
        ).where(Cooperative.merged_into_id.is_(None))
    ).all()
    topics_of = {i.id: set(i.topics or []) for i in session.scalars(select(Instrument))}
    received: dict[int, list[tuple[int | None, float | None]]] = defaultdict(list)
    for coop_id, instrument_id, amount in session.execute(
        select(Uptake.cooperative_id, Uptake.instrument_id, Uptake.amount_clp).where(
            Uptake.year >= since, Uptake.year <= last_year
        )
    ):
        received[coop_id].append((instrument_id, amount))
    rules = ranking_rules()["diagnosis"]
    lights: dict[int, dict[str, str]] = {}
    if with_lights:
        for coop in coops:
            found = diagnosis_lights(session, coop.id)
            if found:
                lights[coop.id] = found

    def group(key_of: Any) -> list[dict[str, Any]]:
        cells: dict[Any, dict[str, Any]] = {}
        for coop in coops:
            for key in key_of(coop):
                cell = cells.setdefault(
                    key,
                    {"key": key, "cooperatives": 0, "reached": 0, "amount_clp": 0.0, "members": 0},
                )
                cell["cooperatives"] += 1
                if coop.id in received:
                    cell["reached"] += 1
                    cell["amount_clp"] += sum(a or 0 for _, a in received[coop.id])
                    cell["members"] += coop.members_total or 0
        result = []
        for key in sorted(cells, key=lambda k: (k is None, str(k))):
            cell = cells[key]
            cell["share"] = cell["reached"] / cell["cooperatives"] if cell["cooperatives"] else None
            cell["amount_per_member"] = (
                cell["amount_clp"] / cell["members"] if cell["members"] else None
            )
            del cell["members"]
            result.append(cell)
        return result

    by: dict[str, list[dict[str, Any]]] = {
        name: group(lambda c, name=name: [getattr(c, name)]) for name in DIMENSIONS
    }
    by["diagnosis"] = group(
        lambda c: [f"{cat}:{light}" for cat, light in lights.get(c.id, {}).items()]
    )
    total = (
        group(lambda c: ["all"])[0]
        if coops
        else {
            "key": "all",
            "cooperatives": 0,
            "reached": 0,
            "amount_clp": 0.0,
            "share": None,
            "amount_per_member": None,
        }
    )
    gap = []
    any_red: set[int] = set()
    any_unserved: set[int] = set()
    for category, topics in rules.items():
        red = [cid for cid, found in lights.items() if found.get(category) == "red"]
        unserved = [
            cid
            for cid in red
            if not any(
                topics_of.get(iid or -1, set()) & set(topics) for iid, _ in received.get(cid, [])
            )
        ]
        any_red.update(red)
        any_unserved.update(unserved)
        gap.append(
            {
                "category": category,
                "label": {lang: category_label(category, lang) for lang in ("es", "en")},
                "topics": topics,
                "red": len(red),
                "count": len(unserved),
            }
        )
    result: dict[str, Any] = {
        "years": [since, last_year],
        "total": total,
        "by": by,
        "targeting_gap": gap,
        # cooperatives in the gap of at least one category (each counted once)
        "targeting_gap_total": {"red": len(any_red), "count": len(any_unserved)},
        "suppressed_below": public_k,
    }
    if public_k is not None:
        result["total"] = disclose([total], public_k)[0]
        result["by"] = {name: disclose(rows, public_k) for name, rows in by.items()}
        result["targeting_gap"] = [
            disclose([g | {"cooperatives": g["red"]}], public_k)[0] for g in gap
        ]
        total_gap = result["targeting_gap_total"]
        result["targeting_gap_total"] = disclose(
            [total_gap | {"cooperatives": total_gap["red"]}], public_k
        )[0]
    return result
