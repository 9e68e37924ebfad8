"""diagnosis: diagnoses, action plans, submission imports

Revision ID: 0003_diagnosis
Revises: 0002_registry
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import asocia.db.base

revision: str = "0003_diagnosis"
down_revision: str | None = "0002_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "diagnoses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("instrument_version", sa.String(length=20), nullable=False),
        sa.Column("diagnosed_on", sa.Date(), nullable=False),
        sa.Column("diagnostician", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("comments", JSON, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_key", sa.String(length=120), nullable=True),
        sa.Column("source_file", sa.String(length=300), nullable=True),
        sa.Column("submitted_at", asocia.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("location", JSON, nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_diagnoses_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_diagnoses_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnoses")),
        sa.UniqueConstraint("source_key", name="uq_diagnoses_source_key"),
    )
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_diagnoses_coop_instrument",
            ["cooperative_id", "instrument_id", "instrument_version"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_diagnoses_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_diagnoses_status"), ["status"], unique=False)

    op.create_table(
        "diagnosis_import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", asocia.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=150), nullable=True),
        sa.Column("source_file", sa.String(length=300), nullable=False),
        sa.Column("dialect", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_diagnosis_import_runs_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis_import_runs")),
    )
    op.create_table(
        "diagnosis_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("diagnosis_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=48), nullable=True),
        sa.Column("node_id", sa.String(length=48), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagnosis_id"],
            ["diagnoses.id"],
            name=op.f("fk_diagnosis_actions_diagnosis_id_diagnoses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis_actions")),
    )
    with op.batch_alter_table("diagnosis_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diagnosis_actions_diagnosis_id"), ["diagnosis_id"], unique=False
        )

    op.create_table(
        "diagnosis_import_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["diagnosis_import_runs.id"],
            name=op.f("fk_diagnosis_import_problems_import_run_id_diagnosis_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis_import_problems")),
    )
    with op.batch_alter_table("diagnosis_import_problems", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diagnosis_import_problems_import_run_id"),
            ["import_run_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("diagnosis_import_problems", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnosis_import_problems_import_run_id"))

    op.drop_table("diagnosis_import_problems")
    with op.batch_alter_table("diagnosis_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnosis_actions_diagnosis_id"))

    op.drop_table("diagnosis_actions")
    op.drop_table("diagnosis_import_runs")
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnoses_status"))
        batch_op.drop_index(batch_op.f("ix_diagnoses_cooperative_id"))
        batch_op.drop_index("ix_diagnoses_coop_instrument")

    op.drop_table("diagnoses")
