"""registry list indexes: name-ordered only where names follow the filter

Revision ID: 0012_registry_list_indexes
Revises: 0011_monitoring

Legal status and size band do not show in a cooperative's name, so the list walks the name
index and filters; their name-ordered indexes (the costliest part of a large import) become
one-column indexes that serve the capped counts. Region, comuna, rural class, legal class and
ILO type keep theirs: class shows in names ("Cooperativa de Trabajo …"), and with it whether a
co-op is rural; geography has too many values to walk past.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_registry_list_indexes"
down_revision: str | None = "0011_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FACETS = ("legal_status", "size_band")


def upgrade() -> None:
    for column in FACETS:
        op.drop_index(f"ix_cooperatives_{column}_name", table_name="cooperatives")
        op.create_index(f"ix_cooperatives_{column}", "cooperatives", [column], unique=False)
    # The planner's statistics for the new indexes (the list's plans depend on them).
    op.execute("ANALYZE cooperatives")


def downgrade() -> None:
    for column in FACETS:
        op.drop_index(f"ix_cooperatives_{column}", table_name="cooperatives")
        op.create_index(
            f"ix_cooperatives_{column}_name",
            "cooperatives",
            [column, "name_key", "id"],
            unique=False,
        )
