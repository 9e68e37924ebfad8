"""Programmes: the catalogue of public support instruments, its history, uptake (who received
what), pre-associative groups, and saved feasibility self-assessments.

Lists (stages, purposes, support types, regions, targets) and the eligibility rule are JSON:
they are read whole with their instrument and never queried one by one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asocia.db.base import Base, JSONType, utcnow


class Instrument(Base):
    """A public support instrument (programme, fund, course, credit line)."""

    __tablename__ = "programme_instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key (slug) used by files, URLs and the uptake import.
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    agency: Mapped[str] = mapped_column(String(80), index=True)
    ministry: Mapped[str | None] = mapped_column(String(200))
    purposes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    stages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    support_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Region codes (CUT); empty means national.
    regions: Mapped[list[int]] = mapped_column(JSONType, default=list)
    targets: Mapped[list[str]] = mapped_column(JSONType, default=list)
    eligibility: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    description: Mapped[str | None] = mapped_column(Text)
    how_to_apply: Mapped[str | None] = mapped_column(Text)
    legal_source: Mapped[str | None] = mapped_column(Text)
    legal_url: Mapped[str | None] = mapped_column(String(500))
    period_open: Mapped[str | None] = mapped_column(String(200))
    # [{"year": 2017, "budget_clp": 1.097e9, "beneficiaries": 141, "estimated": false}, ...]
    series: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    provenance: Mapped[str | None] = mapped_column(Text)
    # active or retired (a retired instrument stays, with its history and uptake)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InstrumentChange(Base):
    """One change to an instrument: who, when, how (web, import, seed) and which fields."""

    __tablename__ = "programme_instrument_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("programme_instruments.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    username: Mapped[str | None] = mapped_column(String(150))
    # created, updated, retired, restored
    action: Mapped[str] = mapped_column(String(12))
    source: Mapped[str | None] = mapped_column(String(300))
    # {field: [before, after]}
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class UptakeRun(Base):
    """One import of a beneficiary list or a Ley 19.862 transfers file."""

    __tablename__ = "programme_uptake_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    username: Mapped[str | None] = mapped_column(String(150))
    source_file: Mapped[str] = mapped_column(String(300))
    shape: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    read: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class Uptake(Base):
    """One grant or transfer received by a cooperative."""

    __tablename__ = "programme_uptake"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    instrument_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_instruments.id", ondelete="SET NULL"), index=True
    )
    agency: Mapped[str] = mapped_column(String(80))
    year: Mapped[int]
    granted_on: Mapped[date | None]
    amount_clp: Mapped[float | None] = mapped_column(Float)
    purpose: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(String(300))
    source_row: Mapped[int | None]
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_uptake_runs.id", ondelete="SET NULL"), index=True
    )


class FeasibilityResult(Base):
    """A self-assessment a group chose to save; reached again only by its private token."""

    __tablename__ = "feasibility_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(20))
    lang: Mapped[str] = mapped_column(String(5), default="es")
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    group_name: Mapped[str | None] = mapped_column(String(200))
    comuna_code: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PreAssociativeGroup(Base):
    """An informal group of producers on its way to associating: the pre-associative stage.

    ``contact_person``, ``contact_email`` and ``contact_phone`` are personal data.
    """

    __tablename__ = "pre_associative_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(60))
    comuna_code: Mapped[int | None]
    region_code: Mapped[int | None] = mapped_column(index=True)
    purpose: Mapped[str | None] = mapped_column(String(40))
    members_count: Mapped[int | None]
    feasibility_id: Mapped[int | None] = mapped_column(
        ForeignKey("feasibility_results.id", ondelete="SET NULL")
    )
    consent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
