"""stats: materialised summary tables and the index behind their fingerprint

Revision ID: 0004_stats
Revises: 0003_diagnosis
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_stats"
down_revision: str | None = "0003_diagnosis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILTERS = [
    ("region", sa.Integer()),
    ("rural_class", sa.String(length=40)),
    ("legal_class", sa.String(length=40)),
    ("ilo_type", sa.String(length=40)),
]
CUBES = {
    "main": [("size_members", sa.String(length=40)), ("size_sales", sa.String(length=40))],
    "sector": [("sector", sa.String(length=40))],
    "age": [("age", sa.String(length=40))],
    "sales_bins": [("sales_bin", sa.Integer())],
    "status": [("legal_status", sa.String(length=40))],
    "constituted": [("constitution_year", sa.Integer())],
    "dissolved": [("dissolution_year", sa.Integer())],
}
MEASURES = [
    ("cooperatives", sa.BigInteger()),
    ("members", sa.BigInteger()),
    ("members_women", sa.BigInteger()),
    ("members_men", sa.BigInteger()),
    ("members_reported", sa.BigInteger()),
    ("employees", sa.BigInteger()),
    ("worker_members", sa.BigInteger()),
    ("workers", sa.BigInteger()),
    ("sales", sa.Float()),
    ("sales_reported", sa.BigInteger()),
    ("sales_squares", sa.Float()),
]


def upgrade() -> None:
    for name, extra in CUBES.items():
        op.create_table(
            f"stats_cube_{name}",
            *[sa.Column(key, kind, nullable=True) for key, kind in [*FILTERS, *extra, *MEASURES]],
        )
    op.create_table(
        "stats_summary_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=True),
        sa.Column("cooperatives", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_summary_state")),
    )
    op.create_index(
        "ix_stats_cooperatives_updated_at", "cooperatives", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_stats_cooperatives_updated_at", table_name="cooperatives")
    op.drop_table("stats_summary_state")
    for name in reversed(list(CUBES)):
        op.drop_table(f"stats_cube_{name}")
