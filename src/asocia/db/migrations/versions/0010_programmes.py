"""programmes: instrument catalogue with history, uptake, feasibility results, pre-associative
groups

Revision ID: 0010_programmes
Revises: 0008_stats_cell_key
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from asocia.db.base import UTCDateTime

revision: str = "0010_programmes"
down_revision: str | None = "0008_stats_cell_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "programme_instruments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=True),
        sa.Column("agency", sa.String(80), nullable=False),
        sa.Column("ministry", sa.String(200), nullable=True),
        sa.Column("purposes", JSON, nullable=False),
        sa.Column("stages", JSON, nullable=False),
        sa.Column("support_types", JSON, nullable=False),
        sa.Column("topics", JSON, nullable=False),
        sa.Column("regions", JSON, nullable=False),
        sa.Column("targets", JSON, nullable=False),
        sa.Column("eligibility", JSON, nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("how_to_apply", sa.Text(), nullable=True),
        sa.Column("legal_source", sa.Text(), nullable=True),
        sa.Column("legal_url", sa.String(500), nullable=True),
        sa.Column("period_open", sa.String(200), nullable=True),
        sa.Column("series", JSON, nullable=False),
        sa.Column("provenance", sa.Text(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_instruments")),
        sa.UniqueConstraint("code", name=op.f("uq_programme_instruments_code")),
    )
    op.create_index(op.f("ix_programme_instruments_agency"), "programme_instruments", ["agency"])
    op.create_table(
        "programme_instrument_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(150), nullable=True),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("source", sa.String(300), nullable=True),
        sa.Column("changes", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["programme_instruments.id"],
            name=op.f("fk_programme_instrument_history_instrument_id_programme_instruments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_instrument_history")),
    )
    op.create_index(
        op.f("ix_programme_instrument_history_instrument_id"),
        "programme_instrument_history",
        ["instrument_id"],
    )
    op.create_table(
        "programme_uptake_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(150), nullable=True),
        sa.Column("source_file", sa.String(300), nullable=False),
        sa.Column("shape", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("problems", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_uptake_runs")),
    )
    op.create_table(
        "programme_uptake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=True),
        sa.Column("agency", sa.String(80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=True),
        sa.Column("amount_clp", sa.Float(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("source_file", sa.String(300), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_programme_uptake_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["programme_instruments.id"],
            name=op.f("fk_programme_uptake_instrument_id_programme_instruments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["programme_uptake_runs.id"],
            name=op.f("fk_programme_uptake_run_id_programme_uptake_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_uptake")),
    )
    for column in ("cooperative_id", "instrument_id", "run_id"):
        op.create_index(op.f(f"ix_programme_uptake_{column}"), "programme_uptake", [column])
    op.create_table(
        "feasibility_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("questionnaire", sa.String(64), nullable=False),
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("group_name", sa.String(200), nullable=True),
        sa.Column("comuna_code", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feasibility_results")),
        sa.UniqueConstraint("token", name=op.f("uq_feasibility_results_token")),
    )
    op.create_table(
        "pre_associative_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("contact_person", sa.String(200), nullable=True),
        sa.Column("contact_email", sa.String(200), nullable=True),
        sa.Column("contact_phone", sa.String(60), nullable=True),
        sa.Column("comuna_code", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(40), nullable=True),
        sa.Column("members_count", sa.Integer(), nullable=True),
        sa.Column("feasibility_id", sa.Integer(), nullable=True),
        sa.Column("consent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feasibility_id"],
            ["feasibility_results.id"],
            name=op.f("fk_pre_associative_groups_feasibility_id_feasibility_results"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pre_associative_groups")),
    )
    op.create_index(
        op.f("ix_pre_associative_groups_region_code"), "pre_associative_groups", ["region_code"]
    )


def downgrade() -> None:
    op.drop_table("pre_associative_groups")
    op.drop_table("feasibility_results")
    op.drop_table("programme_uptake")
    op.drop_table("programme_uptake_runs")
    op.drop_table("programme_instrument_history")
    op.drop_table("programme_instruments")
