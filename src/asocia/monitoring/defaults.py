"""The default data shipped with the package (seed 003), loaded once into a database.

``ensure_defaults`` is idempotent: it loads the strategy, committees, plan, timeline, the
session of 30 June 2020 and the default indicators when the strategy ``EAS-2030`` is absent,
and otherwise only adds indicators shipped later (by code), so edits made afterwards are
never overwritten.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from asocia.db.models.monitoring import (
    Agreement,
    Committee,
    CouncilSession,
    Indicator,
    IndicatorValue,
    Plan,
    StrategicObjective,
    Strategy,
    TimelineEvent,
)

STRATEGY_CODE = "EAS-2030"


@cache
def load_yaml(name: str) -> dict[str, Any]:
    """A data file of this package, parsed."""
    text = resources.files("asocia.monitoring").joinpath("data", name).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def ensure_defaults(session: Session) -> bool:
    """Load the shipped strategy data unless it is there; True when it was loaded now.

    Two first requests at once: the second one's insert meets the unique strategy code, its
    savepoint is rolled back and it reads what the first one loaded.
    """
    if session.scalar(select(Strategy.id).where(Strategy.code == STRATEGY_CODE)) is not None:
        _add_new_indicators(session)
        return False
    try:
        with session.begin_nested():
            _load(session)
    except IntegrityError:
        return False
    return True


def _load(session: Session) -> None:
    data = load_yaml("strategy.yaml")
    source = data["source"]
    s = data["strategy"]
    strategy = Strategy(
        code=s["code"],
        name=s["name"],
        purpose=s["purpose"],
        vision=s["vision"],
        values=list(s["values"]),
        period_start=s["period_start"],
        period_end=s["period_end"],
        provenance=s["provenance"],
    )
    session.add(strategy)
    session.flush()
    objectives: dict[str, StrategicObjective] = {}
    for o in data["objectives"]:
        objective = StrategicObjective(
            strategy_id=strategy.id,
            code=o["code"],
            number=o["number"],
            name=o["name"],
            provenance=data["objectives_provenance"],
        )
        session.add(objective)
        objectives[o["code"]] = objective
    session.flush()
    for c in data["committees"]:
        session.add(
            Committee(
                code=c["code"],
                name=c["name"],
                mandate=data["committees_mandate"],
                objective_id=objectives[c["objective"]].id,
                member_institutions=[],
                provenance=data["committees_provenance"],
            )
        )
    p = data["plan"]
    session.add(
        Plan(
            code=p["code"],
            strategy_id=strategy.id,
            name=p["name"],
            purpose=p["purpose"],
            details=p["details"],
            starts_on=_date(p["starts_on"]),
            ends_on=_date(p["ends_on"]),
            review_every_years=p["review_every_years"],
            secretariat=p["secretariat"],
            provenance=p["provenance"],
        )
    )
    for event in data["timeline"]:
        happened = _date(event["when"])
        assert happened is not None
        session.add(
            TimelineEvent(
                strategy_id=strategy.id,
                happened_on=happened,
                precision=event["precision"],
                title=event["title"],
                detail=event.get("detail"),
                provenance=event["provenance"],
            )
        )
    for item in data["sessions"]:
        held = _date(item["held_on"])
        assert held is not None
        council = CouncilSession(
            body=item["body"],
            held_on=held,
            title=item["title"],
            attendees=list(item.get("attendees", [])),
            agenda=list(item["agenda"]),
            provenance=item["provenance"],
        )
        session.add(council)
        session.flush()
        for a in item["agreements"]:
            session.add(
                Agreement(
                    session_id=council.id,
                    number=a["number"],
                    text=a["text"],
                    responsible=a["responsible"],
                    status=a["status"],
                    provenance=item["agreements_provenance"],
                )
            )
    _load_indicators(session, objectives, source)
    session.flush()


def _add_new_indicators(session: Session) -> None:
    """Indicators shipped after the database was loaded (by code; existing ones untouched)."""
    known = set(session.scalars(select(Indicator.code)))
    if not {item["code"] for item in load_yaml("indicators.yaml")["indicators"]} - known:
        return
    objectives = {o.code: o for o in session.scalars(select(StrategicObjective))}
    try:
        with session.begin_nested():
            _load_indicators(session, objectives, load_yaml("indicators.yaml")["source"], known)
    except IntegrityError:  # another request added them first
        pass


def _load_indicators(
    session: Session,
    objectives: dict[str, StrategicObjective],
    source: str,
    skip: set[str] | frozenset[str] = frozenset(),
) -> None:
    data = load_yaml("indicators.yaml")
    for item in data["indicators"]:
        if item["code"] in skip:
            continue
        objective = objectives.get(item.get("objective", ""))
        indicator = Indicator(
            code=item["code"],
            name_es=item["name_es"],
            name_en=item["name_en"],
            definition=item.get("definition"),
            unit=item.get("unit"),
            measure=item.get("measure", "number"),
            direction=item.get("direction", "up"),
            aggregation=item.get("aggregation", "sum"),
            cumulative=bool(item.get("cumulative", False)),
            frequency=item.get("frequency", "year"),
            source=item.get("source"),
            objective_id=objective.id if objective else None,
            computed=item.get("computed"),
            provenance=item.get("provenance"),
        )
        session.add(indicator)
        session.flush()
        for kind, series in (item.get("values") or {}).items():
            for period, value in series.items():
                session.add(
                    IndicatorValue(
                        indicator_id=indicator.id,
                        period=str(period),
                        territory="CL",
                        disaggregation="",
                        kind=kind,
                        value=float(value),
                        status="approved",
                        entered_by="seed",
                        provenance=item.get("provenance") or source,
                    )
                )
