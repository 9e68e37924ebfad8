"""Diagnosis tables: diagnoses with their answers, action plans, and submission imports.

Scores are not stored: they are computed from the answers by the one scoring engine
(``asocia.diagnosis.scoring``), so that changing an instrument's thresholds re-scores every
diagnosis without a migration.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from asocia.db.base import Base, JSONType, utcnow


class Diagnosis(Base):
    """One diagnosis of one cooperative on one instrument version."""

    __tablename__ = "diagnoses"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_diagnoses_source_key"),
        Index(
            "ix_diagnoses_coop_instrument", "cooperative_id", "instrument_id", "instrument_version"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[str] = mapped_column(String(20))
    diagnosed_on: Mapped[date]
    diagnostician: Mapped[str | None] = mapped_column(String(200))
    # draft (being entered, not shown in portfolios) or submitted
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    # Normalized answers; multiple-choice answers as sorted lists.
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Free-text comments by question or subcategory id.
    comments: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    # web, api, odk-central, kobotoolbox
    source: Mapped[str] = mapped_column(String(20), default="web")
    # The submission's instance id: re-importing the same export updates, never duplicates.
    source_key: Mapped[str | None] = mapped_column(String(120))
    source_file: Mapped[str | None] = mapped_column(String(300))
    submitted_at: Mapped[datetime | None]
    location: Mapped[list[float] | None] = mapped_column(JSONType)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    actions: Mapped[list[DiagnosisAction]] = relationship(
        back_populates="diagnosis",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DiagnosisAction.position",
    )


class DiagnosisAction(Base):
    """One item of a diagnosis's action plan: what, who, by when, and how it is going."""

    __tablename__ = "diagnosis_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    diagnosis_id: Mapped[int] = mapped_column(
        ForeignKey("diagnoses.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    # The weak answer it came from (None for an action added by hand).
    question_id: Mapped[str | None] = mapped_column(String(48))
    node_id: Mapped[str | None] = mapped_column(String(48))
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None]
    # pending, in_progress, done, dropped
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    diagnosis: Mapped[Diagnosis] = relationship(back_populates="actions")


class DiagnosisImportRun(Base):
    """One import of an ODK Central / KoboToolbox export, with its summary."""

    __tablename__ = "diagnosis_import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str | None] = mapped_column(String(150))
    source_file: Mapped[str] = mapped_column(String(300))
    dialect: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="running")
    read: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)

    problems: Mapped[list[DiagnosisImportProblem]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class DiagnosisImportProblem(Base):
    """Why one submission of an import was rejected."""

    __tablename__ = "diagnosis_import_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_run_id: Mapped[int] = mapped_column(
        ForeignKey("diagnosis_import_runs.id", ondelete="CASCADE"), index=True
    )
    row: Mapped[int]
    submission_key: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)

    run: Mapped[DiagnosisImportRun] = relationship(back_populates="problems")
