"""Partnerships: cooperation organisations and projects, after a subset of the IATI 2.03
activity standard, plus what IATI lacks (the co-ops reached, the national instruments a
project complements).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asocia.db.base import Base, JSONType, utcnow


class Organisation(Base):
    __tablename__ = "partnership_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(100), unique=True)  # IATI organisation ref
    name: Mapped[str] = mapped_column(String(300), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str | None] = mapped_column(String(30))  # agency, federation, ngo, ...
    country: Mapped[str | None] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    provenance: Mapped[str | None] = mapped_column(String(300))


class Project(Base):
    __tablename__ = "partnership_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    iati_identifier: Mapped[str] = mapped_column(String(150), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(2))  # IATI ActivityStatus code 1..6
    start_planned: Mapped[date | None]
    start_actual: Mapped[date | None]
    end_planned: Mapped[date | None]
    end_actual: Mapped[date | None]
    # Years the source gives when it gives no day ("initiated in 2014", "until 2018").
    start_year: Mapped[int | None]
    end_year: Mapped[int | None]
    budget_value: Mapped[float | None] = mapped_column(Float)
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    # [{"code": "CO", "percentage": 100}], [{"code": "489", "vocabulary": "1"}]
    recipient_countries: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    recipient_regions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    chile_regions: Mapped[list[int]] = mapped_column(JSONType, default=list)
    # [{"code": "31194", "vocabulary": "1", "percentage": 100}]
    sectors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    national_instruments: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # seed | iati | manual
    provenance: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    participants: Mapped[list[ProjectParticipant]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectParticipant.id"
    )
    cooperatives: Mapped[list[ProjectCooperative]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )


class ProjectParticipant(Base):
    """A participating organisation with its IATI role (1 funding, 2 accountable,
    3 extending, 4 implementing)."""

    __tablename__ = "partnership_participants"
    __table_args__ = (UniqueConstraint("project_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("partnership_projects.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partnership_organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(1))

    project: Mapped[Project] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship()


class ProjectCooperative(Base):
    """A cooperative of the registry that a project reaches."""

    __tablename__ = "partnership_project_cooperatives"
    __table_args__ = (UniqueConstraint("project_id", "cooperative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("partnership_projects.id", ondelete="CASCADE"), index=True
    )
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )

    project: Mapped[Project] = relationship(back_populates="cooperatives")
