"""Coverage: the share of cooperatives reached by the instruments, and the targeting gap.

A cooperative is *reached* when it received any instrument in the last ``years`` years (up to
the latest year in the uptake records). The *targeting gap* of a diagnosis category is the
cooperatives with a red light in it and no instrument answering it (by the topics of
``data/recommendations.yaml``) in those years. Public figures go through the statistics'
disclosure control, the cell key method (:mod:`asocia.stats.cellkey`): :func:`disclose` is the
one place that applies it, so a count published here is perturbed exactly as the same
cooperatives would be on the dashboard.
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
from asocia.stats.cellkey import KEY_MODULUS, Perturbation

DIMENSIONS = ("region_code", "legal_class", "rural_class")
DEFAULT_YEARS = 5


def _key_sum(keys: Any) -> int:
    return sum(int(k or 0) for k in keys) % KEY_MODULUS


def disclose(rows: list[dict[str, Any]], control: Perturbation) -> list[dict[str, Any]]:
    """Public figures of ``rows``: counts perturbed by their cell keys, "< k" as None.

    Each row carries, besides its figures, the key sums of its cooperatives (``_keys``) and of
    those reached (``_reached_keys``), and the largest amount one of them received
    (``_largest``); none of these is published. Shares and amounts are released only where
    the published counts reach ``k``; an amount is perturbed by the magnitude rule.
    """
    shown = []
    for row in rows:
        row = dict(row)
        keys = int(row.pop("_keys", 0))
        reached_keys = int(row.pop("_reached_keys", 0))
        largest = float(row.pop("_largest", 0.0))
        members = int(row.pop("_members", 0))
        for name, key in (("cooperatives", keys), ("count", keys), ("red", reached_keys)):
            if name in row:
                row[name] = control.shown_count(int(row[name] or 0), key)
        if "reached" in row:
            reached = int(row["reached"] or 0)
            row["reached"] = control.shown_count(reached, reached_keys)
            amount = control.sum(
                float(row.get("amount_clp") or 0.0), reached, largest, reached_keys, "uptake"
            )
            row["amount_clp"] = amount
            if "share" in row:
                coops = row.get("cooperatives")
                row["share"] = (
                    row["reached"] / coops if row["reached"] is not None and coops else None
                )
            if "amount_per_member" in row:
                row["amount_per_member"] = amount / members if amount and members else None
        row["suppressed"] = any(
            row.get(name) is None for name in ("cooperatives", "reached", "count") if name in row
        )
        shown.append(row)
    return shown


def _private(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` without the fields only disclosure control reads."""
    return {name: value for name, value in row.items() if not name.startswith("_")}


def coverage(
    session: Session,
    *,
    years: int = DEFAULT_YEARS,
    control: Perturbation | None = None,
    with_lights: bool = True,
) -> dict[str, Any]:
    """Coverage by region, class, rural class and diagnosis light, and the targeting gap.

    ``control``: the public figures, by the cell key method (None: analysts' exact figures).
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
            Cooperative.cell_key,
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
                    {
                        "key": key,
                        "cooperatives": 0,
                        "reached": 0,
                        "amount_clp": 0.0,
                        "_members": 0,
                        "_keys": 0,
                        "_reached_keys": 0,
                        "_largest": 0.0,
                    },
                )
                cell["cooperatives"] += 1
                cell["_keys"] = (cell["_keys"] + int(coop.cell_key or 0)) % KEY_MODULUS
                if coop.id in received:
                    amount = sum(a or 0 for _, a in received[coop.id])
                    cell["reached"] += 1
                    cell["amount_clp"] += amount
                    cell["_members"] += coop.members_total or 0
                    cell["_reached_keys"] = (
                        cell["_reached_keys"] + int(coop.cell_key or 0)
                    ) % KEY_MODULUS
                    cell["_largest"] = max(cell["_largest"], abs(amount))
        result = []
        for key in sorted(cells, key=lambda k: (k is None, str(k))):
            cell = cells[key]
            cell["share"] = cell["reached"] / cell["cooperatives"] if cell["cooperatives"] else None
            cell["amount_per_member"] = (
                cell["amount_clp"] / cell["_members"] if cell["_members"] else None
            )
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
    key_of = {coop.id: int(coop.cell_key or 0) for coop in coops}
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
                # disclose() reads "count" by the first key sum and "red" by the second
                "_keys": _key_sum(key_of.get(cid, 0) for cid in unserved),
                "_reached_keys": _key_sum(key_of.get(cid, 0) for cid in red),
            }
        )
    # cooperatives in the gap of at least one category (each counted once)
    gap_total = {
        "red": len(any_red),
        "count": len(any_unserved),
        "_keys": _key_sum(key_of.get(cid, 0) for cid in any_unserved),
        "_reached_keys": _key_sum(key_of.get(cid, 0) for cid in any_red),
    }
    if control is not None:
        return {
            "years": [since, last_year],
            "total": disclose([total], control)[0],
            "by": {name: disclose(rows, control) for name, rows in by.items()},
            "targeting_gap": disclose(gap, control),
            "targeting_gap_total": disclose([gap_total], control)[0],
            "suppressed_below": control.k,
            "max_noise": control.max_noise,
        }
    return {
        "years": [since, last_year],
        "total": _private(total),
        "by": {name: [_private(row) for row in rows] for name, rows in by.items()},
        "targeting_gap": [_private(g) for g in gap],
        "targeting_gap_total": _private(gap_total),
        "suppressed_below": None,
    }
