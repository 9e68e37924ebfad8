"""registry: keys, codes and the name key compare byte by byte on PostgreSQL ("C" collation)

The registry then sorts the same on PostgreSQL as on SQLite whatever the server's locale, and
sorting and building the list indexes skip the locale's slower comparison. SQLite compares
text byte by byte already: nothing to do there. On PostgreSQL the table keeps its rows (the
change of collation needs no rewrite) and the indexes on these columns are rebuilt, under an
exclusive lock on the registry (about half a minute at a million cooperatives).

Revision ID: 0005_registry_c_collation
Revises: 0004_stats
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_registry_c_collation"
down_revision: str | None = "0004_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "country": 2,
    "tax_id": 40,
    "registry_number": 40,
    "name_key": 300,
    "legal_class": 40,
    "ilo_type": 40,
    "rural_class": 10,
    "legal_status": 30,
    "size_band": 10,
}


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # One statement, so each index is rebuilt once rather than once per column.
    op.execute(
        "ALTER TABLE cooperatives "
        + ", ".join(
            f'ALTER COLUMN {name} TYPE VARCHAR({length}) COLLATE "{collation}"'
            for name, length in COLUMNS.items()
        )
    )


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
