"""Strategy monitoring: strategy, objectives, committees, plans and actions, council sessions
and agreements, indicators with their values and locked periods.

Every row that comes from a shipped source document carries ``provenance`` (e.g.
``seed 003: Consejo Asesor, sesión 30-06-2020, lámina 3.1.2``); rows entered by people have
none. Statuses are stable lowercase ASCII keys; labels are translated where shown.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asocia.db.base import Base, JSONType, utcnow


class Strategy(Base):
    __tablename__ = "monitoring_strategies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str | None] = mapped_column(Text)
    vision: Mapped[str | None] = mapped_column(Text)
    values: Mapped[list[str]] = mapped_column(JSONType, default=list)
    period_start: Mapped[int | None]
    period_end: Mapped[int | None]
    provenance: Mapped[str | None] = mapped_column(String(300))

    objectives: Mapped[list[StrategicObjective]] = relationship(
        back_populates="strategy", order_by="StrategicObjective.number"
    )


class StrategicObjective(Base):
    __tablename__ = "monitoring_objectives"
    __table_args__ = (UniqueConstraint("strategy_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_strategies.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    provenance: Mapped[str | None] = mapped_column(String(300))

    strategy: Mapped[Strategy] = relationship(back_populates="objectives")
    lines: Mapped[list[ActionLine]] = relationship(
        back_populates="objective", order_by="ActionLine.code"
    )


class ActionLine(Base):
    """A line of action under a strategic objective."""

    __tablename__ = "monitoring_action_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_objectives.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(Text)
    provenance: Mapped[str | None] = mapped_column(String(300))

    objective: Mapped[StrategicObjective] = relationship(back_populates="lines")


class TimelineEvent(Base):
    """A milestone of the strategy (``when`` is the first day of the month the source names)."""

    __tablename__ = "monitoring_timeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_strategies.id", ondelete="CASCADE"), index=True
    )
    happened_on: Mapped[date]
    precision: Mapped[str] = mapped_column(String(5), default="month")  # day | month
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    provenance: Mapped[str | None] = mapped_column(String(300))


class Committee(Base):
    __tablename__ = "monitoring_committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    mandate: Mapped[str | None] = mapped_column(Text)
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_objectives.id", ondelete="SET NULL")
    )
    leader_institution: Mapped[str | None] = mapped_column(String(200))
    member_institutions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    provenance: Mapped[str | None] = mapped_column(String(300))

    objective: Mapped[StrategicObjective | None] = relationship()


class Plan(Base):
    __tablename__ = "monitoring_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_strategies.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    review_every_years: Mapped[int | None]
    secretariat: Mapped[str | None] = mapped_column(String(200))
    provenance: Mapped[str | None] = mapped_column(String(300))

    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="plan", order_by="PlanAction.code"
    )


class PlanAction(Base):
    __tablename__ = "monitoring_actions"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_plans.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_objectives.id", ondelete="SET NULL")
    )
    committee_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_committees.id", ondelete="SET NULL")
    )
    responsible: Mapped[str | None] = mapped_column(String(200))
    leader: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date | None]
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="pendiente")
    progress: Mapped[int] = mapped_column(default=0)
    evidence: Mapped[list[str]] = mapped_column(JSONType, default=list)
    provenance: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="actions")
    objective: Mapped[StrategicObjective | None] = relationship()
    committee: Mapped[Committee | None] = relationship()


class ActionChange(Base):
    """One changed field of a plan action: the action's history."""

    __tablename__ = "monitoring_action_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_actions.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str | None] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class CouncilSession(Base):
    """A session of a body: the advisory council or one of its committees."""

    __tablename__ = "monitoring_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(40), index=True)  # "council" or a committee code
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(300))
    attendees: Mapped[list[str]] = mapped_column(JSONType, default=list)
    agenda: Mapped[list[str]] = mapped_column(JSONType, default=list)
    minutes: Mapped[str | None] = mapped_column(Text)
    provenance: Mapped[str | None] = mapped_column(String(300))

    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="session", order_by="Agreement.number"
    )


class Agreement(Base):
    __tablename__ = "monitoring_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_sessions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="pendiente")
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_actions.id", ondelete="SET NULL")
    )
    provenance: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    session: Mapped[CouncilSession] = relationship(back_populates="agreements")


class Indicator(Base):
    __tablename__ = "monitoring_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_es: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(40))
    measure: Mapped[str] = mapped_column(String(10), default="number")  # number|percent|ratio
    direction: Mapped[str] = mapped_column(String(4), default="up")  # up|down
    aggregation: Mapped[str] = mapped_column(String(10), default="sum")  # sum|average|last
    cumulative: Mapped[bool] = mapped_column(default=False)
    frequency: Mapped[str] = mapped_column(String(10), default="year")
    source: Mapped[str | None] = mapped_column(String(300))
    responsible: Mapped[str | None] = mapped_column(String(200))
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_objectives.id", ondelete="SET NULL")
    )
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_actions.id", ondelete="SET NULL")
    )
    # Status thresholds (shortfall from the target path); None = the defaults.
    thresholds: Mapped[dict[str, float] | None] = mapped_column(JSONType)
    # A computed indicator: its definition over the observatory's tables (see computed.py).
    computed: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    provenance: Mapped[str | None] = mapped_column(String(300))

    objective: Mapped[StrategicObjective | None] = relationship()


class IndicatorValue(Base):
    """One value: indicator × period × territory × disaggregation × kind."""

    __tablename__ = "monitoring_indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator_id", "period", "territory", "disaggregation", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_indicators.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(20))
    territory: Mapped[str] = mapped_column(String(20), default="CL")
    disaggregation: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(10))  # baseline | target | actual
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    entered_by: Mapped[str | None] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None]
    provenance: Mapped[str | None] = mapped_column(String(300))

    indicator: Mapped[Indicator] = relationship()


class PeriodLock(Base):
    __tablename__ = "monitoring_period_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(20), unique=True)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_at: Mapped[datetime] = mapped_column(default=utcnow)


class Deflator(Base):
    """A price index (IPC, UF…) by period, to express money series in real terms."""

    __tablename__ = "monitoring_deflators"
    __table_args__ = (UniqueConstraint("series", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(20))
    value: Mapped[float] = mapped_column(Float)
    provenance: Mapped[str | None] = mapped_column(String(300))
