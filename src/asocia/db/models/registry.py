"""The cooperative: the spine of the registry that every other capability hangs on.

Spanish terms are kept where they are the term of art: ``comuna`` (Chile's municipality),
``rubro`` (line of business as the registry writes it), RUT (Chile's tax id, in ``tax_id``).
Codes for classes, statuses and types are the stable English/ASCII keys defined in
``asocia.registry.vocabulary``; labels come from there too.
"""

from __future__ import annotations

import os
import secrets
from array import array
from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from asocia.db.base import Base, JSONType, utcnow


def code_text(length: int) -> TypeEngine[str]:
    """Text compared byte by byte: keys, codes and the name key of the registry.

    SQLite compares text that way already; on PostgreSQL the column takes the "C" collation,
    so the registry sorts the same on both whatever the server's locale, and sorting and
    building the list indexes skip the locale's slower comparison (a fifth to a half of an
    index build). The values are ASCII codes or normalised keys, for which byte order is the
    alphabetical order.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def new_record_key() -> int:
    """A cooperative's record key for the cell key method of public statistics
    (``asocia.stats.cellkey``): uniform in [0, 2³¹), from the operating system's generator."""
    return secrets.randbelow(2**31)


def record_keys(count: int) -> list[int]:
    """``count`` record keys at once (as :func:`new_record_key`), for bulk inserts."""
    keys = array("I", os.urandom(4 * count))
    return [key & 0x7FFFFFFF for key in keys]


#: Columns the registry list filters on with a (column, name_key, id) index: those that show
#: in names (the class: "Cooperativa de Trabajo …", and with it rural or urban) or have many
#: values (region, comuna), where walking the name index until a page is full would pass most
#: of it.
LIST_FILTERS = ("region_code", "comuna_code", "legal_class", "ilo_type", "rural_class")
#: Filters with a few values that names do not reflect: the list walks the name index and
#: filters (a page is full after a few hundred rows); a one-column index serves the counts.
#: Each name-ordered index costs a million-row import seconds; these cost a fraction.
FACET_FILTERS = ("legal_status", "size_band")


class Cooperative(Base):
    """A cooperative (or other organisation kept in a cooperative registry)."""

    __tablename__ = "cooperatives"
    __table_args__ = (
        UniqueConstraint("country", "tax_id", name="uq_cooperatives_country_tax_id"),
        UniqueConstraint("country", "registry_number", name="uq_cooperatives_country_registry"),
        # The registry list filters on one of these columns and sorts by name: an index per
        # filter that is already in name order answers any page in a few milliseconds at a
        # million rows, whatever the correlation between names and the filter. Into an empty
        # table they are built once, at the end of the import (see LIST_FILTERS).
        *(
            Index(f"ix_cooperatives_{column}_name", column, "name_key", "id")
            for column in LIST_FILTERS
        ),
        *(Index(f"ix_cooperatives_{column}", column) for column in FACET_FILTERS),
        Index(
            "ix_cooperatives_merged_into_id",
            "merged_into_id",
            sqlite_where=text("merged_into_id IS NOT NULL"),
            postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(code_text(2), default="CL")
    # Canonical form from python-stdnum where it has a validator (Chile: "76086428-5").
    tax_id: Mapped[str | None] = mapped_column(code_text(40))
    registry_number: Mapped[str | None] = mapped_column(code_text(40))
    legal_name: Mapped[str] = mapped_column(String(300))
    trade_name: Mapped[str | None] = mapped_column(String(300))
    # Lower-case, accent-free, punctuation-free legal name: search and duplicate detection.
    name_key: Mapped[str] = mapped_column(code_text(300), index=True)
    organisation_type: Mapped[str] = mapped_column(String(40), default="cooperativa")
    legal_class: Mapped[str | None] = mapped_column(code_text(40))
    ilo_type: Mapped[str | None] = mapped_column(code_text(40))
    ilo_type_overridden: Mapped[bool] = mapped_column(default=False)
    isic_section: Mapped[str | None] = mapped_column(String(1))
    rubro: Mapped[str | None] = mapped_column(String(200))
    sub_rubro: Mapped[str | None] = mapped_column(String(200))
    # Chile: official codes (CUT 2018). Elsewhere: ``admin_division`` as given.
    region_code: Mapped[int | None]
    province_code: Mapped[int | None]
    comuna_code: Mapped[int | None]
    # The comuna's PNDR 2020 class (rural / mixta / urbana), copied for fast filtering.
    rural_class: Mapped[str | None] = mapped_column(code_text(10))
    admin_division: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    legal_status: Mapped[str | None] = mapped_column(code_text(30))
    activity: Mapped[str | None] = mapped_column(String(10))
    constituted_on: Mapped[date | None]
    in_force_on: Mapped[date | None]
    dissolved_on: Mapped[date | None]
    cancelled_on: Mapped[date | None]
    members_total: Mapped[int | None]
    members_women: Mapped[int | None]
    members_men: Mapped[int | None]
    members_legal_persons: Mapped[int | None]
    members_founding: Mapped[int | None]
    employees: Mapped[int | None]
    worker_members: Mapped[int | None]
    sales_amount: Mapped[float | None] = mapped_column(Float)
    sales_currency: Mapped[str | None] = mapped_column(String(3))
    sales_year: Mapped[int | None]
    # Firm size by sales (Ley 20.416: micro, small, medium, large), computed when written from
    # the UF value in the settings; stored so that the registry list can filter on it.
    size_band: Mapped[str | None] = mapped_column(code_text(10))
    # Columns of an imported file that asocia has no field for, kept rather than dropped.
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Provenance of the current values.
    source_file: Mapped[str | None] = mapped_column(String(300))
    source_row: Mapped[int | None]
    import_run_id: Mapped[int | None]
    last_verified_on: Mapped[date | None]
    # Set when a reviewer merged this record into another; the record is kept with its history.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic concurrency: every edit made through asocia.registry.editing adds one; an
    # edit based on another version is refused (migration 0007).
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # Secret random record key of the cell key method (asocia.stats.cellkey), set once when
    # the record is written and never shown: public statistics derive their noise from it.
    cell_key: Mapped[int | None] = mapped_column(default=new_record_key)

    contact: Mapped[CooperativeContact | None] = relationship(
        back_populates="cooperative", uselist=False, cascade="all, delete-orphan"
    )


class CooperativeContact(Base):
    """Contact data of people: personal data, kept apart so public queries never touch it.

    Shown only where ``asocia.auth.policy`` grants ``VIEW_PERSONAL_DATA``.
    """

    __tablename__ = "cooperative_contacts"

    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(Text)
    representative: Mapped[str | None] = mapped_column(String(300))

    cooperative: Mapped[Cooperative] = relationship(back_populates="contact")


class ImportRun(Base):
    """One import of a registry file: who, when, which file, and its summary."""

    __tablename__ = "registry_import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str | None] = mapped_column(String(150))
    source_file: Mapped[str] = mapped_column(String(300))
    file_format: Mapped[str | None] = mapped_column(String(10))
    country: Mapped[str] = mapped_column(String(2), default="CL")
    # running, committed (rows written), failed (nothing written)
    status: Mapped[str] = mapped_column(String(20), default="running")
    read: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)
    columns: Mapped[list[dict[str, str]] | None] = mapped_column(JSONType)
    message: Mapped[str | None] = mapped_column(Text)

    problems: Mapped[list[ImportProblem]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class ImportProblem(Base):
    """A problem found in one row of an import: where, what value, why, and its outcome."""

    __tablename__ = "registry_import_problems"
    __table_args__ = (Index("ix_registry_import_problems_run_line", "import_run_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_run_id: Mapped[int] = mapped_column(
        ForeignKey("registry_import_runs.id", ondelete="CASCADE")
    )
    line: Mapped[int]
    column: Mapped[str | None] = mapped_column(String(300))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    # rejected: the row was not imported; flagged: imported, with this problem noted
    outcome: Mapped[str] = mapped_column(String(10))

    run: Mapped[ImportRun] = relationship(back_populates="problems")


class CooperativeChange(Base):
    """One changed value of a cooperative: who, when, through which import run, old → new.

    Values are stored as text (dates ISO, numbers as written by Python) so that any field's
    history fits one table. Personal-data fields are marked so they can be hidden.
    """

    __tablename__ = "registry_changes"
    __table_args__ = (Index("ix_registry_changes_coop_at", "cooperative_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str | None] = mapped_column(String(150))
    import_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_import_runs.id", ondelete="SET NULL"), index=True
    )
    # update (a value changed), merge (another record was merged into this one), merged_into
    action: Mapped[str] = mapped_column(String(20), default="update")
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    personal: Mapped[bool] = mapped_column(default=False)
    # Why (an editor's optional comment) and, for an accepted proposal, who proposed it
    # (``username`` is then the reviewer). Migration 0007.
    comment: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str | None] = mapped_column(String(150))


class DuplicateDecision(Base):
    """A reviewer's decision on a pair of duplicate candidates: merged, or distinct."""

    __tablename__ = "registry_duplicate_decisions"
    __table_args__ = (
        UniqueConstraint("first_id", "second_id", name="uq_registry_duplicate_decisions_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(10))  # merged or distinct
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str | None] = mapped_column(String(150))


class ChangeProposal(Base):
    """Values a cooperative's own representative proposes for its record, awaiting review.

    ``values`` holds field → value as submitted (already validated); ``current`` the values
    the record had then (for the reviewer's comparison). A reviewer accepts all or some fields
    (``accepted_fields``) or rejects with a ``reason``.
    """

    __tablename__ = "registry_proposals"
    __table_args__ = (Index("ix_registry_proposals_status_coop", "status", "cooperative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_by: Mapped[str | None] = mapped_column(String(150))
    # pending, accepted, partial (some fields accepted), rejected
    status: Mapped[str] = mapped_column(String(10), default="pending")
    values: Mapped[dict[str, Any]] = mapped_column(JSONType)
    current: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by: Mapped[str | None] = mapped_column(String(150))
    accepted_fields: Mapped[list[str] | None] = mapped_column(JSONType)
    reason: Mapped[str | None] = mapped_column(Text)


class VerificationCampaign(Base):
    """A campaign to verify a selection of cooperatives (by region, class, time unverified)."""

    __tablename__ = "registry_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[str | None] = mapped_column(String(150))
    # The selection as given: region, legal_class, months (not verified for that long).
    criteria: Mapped[dict[str, Any]] = mapped_column(JSONType)

    items: Mapped[list[CampaignItem]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", passive_deletes=True
    )


class CampaignItem(Base):
    """One cooperative of a campaign and the outcome of contacting it (None: not yet)."""

    __tablename__ = "registry_campaign_items"
    __table_args__ = (
        UniqueConstraint("campaign_id", "cooperative_id", name="uq_registry_campaign_items_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("registry_campaigns.id", ondelete="CASCADE")
    )
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    # confirmed, updated, unreachable, not_operating, dissolved
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_at: Mapped[datetime | None]
    outcome_by: Mapped[str | None] = mapped_column(String(150))
    note: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[VerificationCampaign] = relationship(back_populates="items")


class CooperativeFlag(Base):
    """An open problem of one kept cooperative's value, for an analyst's correction queue.

    The importer writes one per flagged problem of a row it kept (an invalid tax id kept under
    the registry number, an unknown comuna, a row that looks shifted…); editing the field
    resolves it (``asocia.registry.flags.resolve_flags``).
    """

    __tablename__ = "registry_flags"
    __table_args__ = (
        Index("ix_registry_flags_open", "resolved_at", "cooperative_id"),
        Index("ix_registry_flags_cooperative_field", "cooperative_id", "field"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(300))  # the asocia field (or the file's header)
    code: Mapped[str] = mapped_column(String(60))  # short stable kind, e.g. invalid_tax_id
    value: Mapped[str | None] = mapped_column(Text)  # the value as the file gave it
    reason: Mapped[str] = mapped_column(Text)
    import_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_import_runs.id", ondelete="SET NULL")
    )
    line: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_by_username: Mapped[str | None] = mapped_column(String(150))
