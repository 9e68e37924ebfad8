"""Tables of the statistics' materialised summary (see ``asocia.stats.summary``).

Each ``stats_cube_<name>`` table holds the additive measures of ``asocia.stats.dimensions``
grouped by the four filter dimensions of the dashboard plus the cube's own dimensions. They are
a cache derived from ``cooperatives``: rebuilt whenever the fingerprint kept in
``stats_summary_state`` no longer matches the registry, and safe to empty at any time. The index
on ``cooperatives.updated_at`` makes that fingerprint cheap to compute.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from asocia.db.base import Base
from asocia.db.models.registry import Cooperative

FILTER_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("region", Integer),
    ("rural_class", String(40)),
    ("legal_class", String(40)),
    ("ilo_type", String(40)),
)

CUBE_COLUMNS: dict[str, tuple[tuple[str, Any], ...]] = {
    "main": (("size_members", String(40)), ("size_sales", String(40))),
    "sector": (("sector", String(40)),),
    "age": (("age", String(40)),),
    "sales_bins": (("sales_bin", Integer),),
    "status": (("legal_status", String(40)),),
    "constituted": (("constitution_year", Integer),),
    "dissolved": (("dissolution_year", Integer),),
}

MEASURE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("cooperatives", BigInteger),
    ("members", BigInteger),
    ("members_women", BigInteger),
    ("members_men", BigInteger),
    ("members_reported", BigInteger),
    ("employees", BigInteger),
    ("worker_members", BigInteger),
    ("workers", BigInteger),
    ("sales", Float),
    ("sales_reported", BigInteger),
    ("sales_squares", Float),
    # Cell key method (migration 0008_stats_cell_key): sum of record keys, largest contributions.
    ("record_keys", BigInteger),
    ("members_max", BigInteger),
    ("members_women_max", BigInteger),
    ("members_men_max", BigInteger),
    ("employees_max", BigInteger),
    ("worker_members_max", BigInteger),
    ("workers_max", BigInteger),
    ("sales_max", Float),
)


def _cube(name: str) -> Table:
    columns = [
        Column(key, kind, nullable=True)
        for key, kind in (*FILTER_COLUMNS, *CUBE_COLUMNS[name], *MEASURE_COLUMNS)
    ]
    return Table(f"stats_cube_{name}", Base.metadata, *columns)


CUBE_TABLES: dict[str, Table] = {name: _cube(name) for name in CUBE_COLUMNS}

stats_summary_state = Table(
    "stats_summary_state",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("fingerprint", Text, nullable=True),
    Column("cooperatives", BigInteger, nullable=True),
)

# On the registry's table, for the summary's fingerprint (latest change).
ix_cooperatives_updated_at = Index(
    "ix_stats_cooperatives_updated_at", Cooperative.__table__.c.updated_at
)
