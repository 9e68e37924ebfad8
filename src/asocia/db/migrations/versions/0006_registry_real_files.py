"""registry: the correction queue (open flags per cooperative, written by imports)

Revision ID: 0006_registry_real_files
Revises: 0005_registry_c_collation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import asocia.db.base

revision: str = "0006_registry_real_files"
down_revision: str | None = "0005_registry_c_collation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=300), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("created_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", asocia.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_user_id", sa.Integer(), nullable=True),
        sa.Column("resolved_by_username", sa.String(length=150), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_registry_flags_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["registry_import_runs.id"],
            name=op.f("fk_registry_flags_import_run_id_registry_import_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_user_id"],
            ["users.id"],
            name=op.f("fk_registry_flags_resolved_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_flags")),
    )
    op.create_index("ix_registry_flags_open", "registry_flags", ["resolved_at", "cooperative_id"])
    op.create_index(
        "ix_registry_flags_cooperative_field", "registry_flags", ["cooperative_id", "field"]
    )


def downgrade() -> None:
    op.drop_index("ix_registry_flags_cooperative_field", table_name="registry_flags")
    op.drop_index("ix_registry_flags_open", table_name="registry_flags")
    op.drop_table("registry_flags")
