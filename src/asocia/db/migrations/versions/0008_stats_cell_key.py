"""stats: record keys for the cell key method, and the cube columns it reads

Every cooperative gets a secret random record key (``cooperatives.cell_key``, uniform in
[0, 2³¹)); existing rows are given one here. New rows get theirs from the model's default
(``asocia.db.models.registry.new_record_key``); on PostgreSQL the column also has a server
default, so bulk paths that bypass the model (``COPY``) still set it, and the statistics'
summary refresh gives a key to any row still without one. The summary cubes gain the sum of
the keys and the largest contribution to each magnitude; they are a cache and are emptied, so
the next statistics request rebuilds them.

Revision ID: 0008_stats_cell_key
Revises: 0007_registry_editing
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_stats_cell_key"
down_revision: str | None = "0007_registry_editing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CUBES = ("main", "sector", "age", "sales_bins", "status", "constituted", "dissolved")
COLUMNS = [
    ("record_keys", sa.BigInteger()),
    ("members_max", sa.BigInteger()),
    ("members_women_max", sa.BigInteger()),
    ("members_men_max", sa.BigInteger()),
    ("employees_max", sa.BigInteger()),
    ("worker_members_max", sa.BigInteger()),
    ("workers_max", sa.BigInteger()),
    ("sales_max", sa.Float()),
]
# A random key per row, evaluated row by row.
RANDOM_KEY = {
    "sqlite": "abs(random()) % 2147483648",
    "postgresql": "floor(random() * 2147483648)::integer",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # A volatile default is evaluated for every existing row as the column is added.
        op.add_column(
            "cooperatives",
            sa.Column(
                "cell_key", sa.Integer(), nullable=True, server_default=sa.text(RANDOM_KEY[dialect])
            ),
        )
    else:
        op.add_column("cooperatives", sa.Column("cell_key", sa.Integer(), nullable=True))
        op.execute(f"UPDATE cooperatives SET cell_key = {RANDOM_KEY['sqlite']}")
    for cube in CUBES:
        op.execute(f"DELETE FROM stats_cube_{cube}")
        for name, kind in COLUMNS:
            op.add_column(f"stats_cube_{cube}", sa.Column(name, kind, nullable=True))
    op.execute("UPDATE stats_summary_state SET fingerprint = NULL")


def downgrade() -> None:
    for cube in CUBES:
        op.execute(f"DELETE FROM stats_cube_{cube}")
        with op.batch_alter_table(f"stats_cube_{cube}") as batch:
            for name, _kind in reversed(COLUMNS):
                batch.drop_column(name)
    op.execute("UPDATE stats_summary_state SET fingerprint = NULL")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a plain column in place: no copy of the registry table.
        op.execute("ALTER TABLE cooperatives DROP COLUMN cell_key")
    else:
        op.drop_column("cooperatives", "cell_key")
