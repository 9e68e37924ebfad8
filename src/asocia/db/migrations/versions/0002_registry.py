"""registry: import runs, row problems, change history, duplicate decisions, size band

Revision ID: 0002_registry
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import asocia.db.base

revision: str = "0002_registry"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


# Indexes of 0001 that cost every bulk import more than they give the list page (low-
# cardinality columns, or prefixes of another index): dropped, see the model's comment.
DROPPED_INDEXES = {
    "ix_cooperatives_country": ["country"],
    "ix_cooperatives_region_code": ["region_code"],
    "ix_cooperatives_import_run_id": ["import_run_id"],
    "ix_cooperatives_isic_section": ["isic_section"],
    "ix_cooperatives_ilo_type": ["ilo_type"],
    "ix_cooperatives_legal_class": ["legal_class"],
    "ix_cooperatives_rural_class": ["rural_class"],
    "ix_cooperatives_status_activity": ["legal_status", "activity"],
}


# Replaced by (column, name_key, id) indexes that serve the list's filters in name order.
REPLACED_INDEXES = {
    "ix_cooperatives_region_class": ["region_code", "legal_class"],
    "ix_cooperatives_comuna_code": ["comuna_code"],
}
LIST_FILTERS = (
    "region_code",
    "comuna_code",
    "legal_class",
    "ilo_type",
    "rural_class",
    "legal_status",
    "size_band",
)


def upgrade() -> None:
    for name in [*DROPPED_INDEXES, *REPLACED_INDEXES]:
        op.drop_index(name, table_name="cooperatives")
    op.drop_index("ix_cooperatives_merged_into_id", table_name="cooperatives")
    op.create_index(
        "ix_cooperatives_merged_into_id",
        "cooperatives",
        ["merged_into_id"],
        unique=False,
        sqlite_where=sa.text("merged_into_id IS NOT NULL"),
        postgresql_where=sa.text("merged_into_id IS NOT NULL"),
    )
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.add_column(sa.Column("size_band", sa.String(length=10), nullable=True))
    for column in LIST_FILTERS:
        op.create_index(
            f"ix_cooperatives_{column}_name",
            "cooperatives",
            [column, "name_key", "id"],
            unique=False,
        )

    op.create_table(
        "registry_import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", asocia.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=150), nullable=True),
        sa.Column("source_file", sa.String(length=300), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("columns", JSON, nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_registry_import_runs_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_import_runs")),
    )
    op.create_table(
        "registry_import_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=300), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["registry_import_runs.id"],
            name=op.f("fk_registry_import_problems_import_run_id_registry_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_import_problems")),
    )
    op.create_index(
        "ix_registry_import_problems_run_line",
        "registry_import_problems",
        ["import_run_id", "line"],
        unique=False,
    )
    op.create_table(
        "registry_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=150), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_registry_changes_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["registry_import_runs.id"],
            name=op.f("fk_registry_changes_import_run_id_registry_import_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_registry_changes_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_changes")),
    )
    op.create_index(
        "ix_registry_changes_coop_at",
        "registry_changes",
        ["cooperative_id", "changed_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_registry_changes_import_run_id"),
        "registry_changes",
        ["import_run_id"],
        unique=False,
    )
    op.create_table(
        "registry_duplicate_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=150), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["cooperatives.id"],
            name=op.f("fk_registry_duplicate_decisions_first_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["cooperatives.id"],
            name=op.f("fk_registry_duplicate_decisions_second_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_registry_duplicate_decisions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_duplicate_decisions")),
        sa.UniqueConstraint("first_id", "second_id", name="uq_registry_duplicate_decisions_pair"),
    )


def downgrade() -> None:
    for column in LIST_FILTERS:
        op.drop_index(f"ix_cooperatives_{column}_name", table_name="cooperatives")
    op.drop_table("registry_duplicate_decisions")
    op.drop_index(op.f("ix_registry_changes_import_run_id"), table_name="registry_changes")
    op.drop_index("ix_registry_changes_coop_at", table_name="registry_changes")
    op.drop_table("registry_changes")
    op.drop_index("ix_registry_import_problems_run_line", table_name="registry_import_problems")
    op.drop_table("registry_import_problems")
    op.drop_table("registry_import_runs")
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.drop_column("size_band")
    op.drop_index("ix_cooperatives_merged_into_id", table_name="cooperatives")
    op.create_index(
        "ix_cooperatives_merged_into_id", "cooperatives", ["merged_into_id"], unique=False
    )
    for name, columns in {**DROPPED_INDEXES, **REPLACED_INDEXES}.items():
        op.create_index(name, "cooperatives", columns, unique=False)
