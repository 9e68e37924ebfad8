"""The registry list's query plans on SQLite (issue 15): name-ordered pages walk a
name-ordered index for every filter, and counts of the facets use their one-column index."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from asocia.auth.policy import Principal
from asocia.db import Database
from asocia.registry.queries import Filters, list_cooperatives
from asocia.registry.synthetic import load

ANALYST = Principal(1, "ana", "analyst", None)


def _plans(db: Database, filters: Filters, sort: str = "name") -> list[str]:
    """The query plan of each statement one list page runs."""
    statements: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.session() as session:
            list_cooperatives(session, ANALYST, filters, sort=sort)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    driver = db.engine.raw_connection()
    try:
        return [
            " ".join(str(r[-1]) for r in driver.execute("EXPLAIN QUERY PLAN " + s, p).fetchall())
            for s, p in statements
        ]
    finally:
        driver.close()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('plans') / 'r.db'}")
    from asocia.db.migrate import upgrade

    upgrade(db)
    load(db, 3000, seed=7)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return db


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (Filters(status="disuelta"), "ix_cooperatives_name_key"),
        (Filters(size_band="large"), "ix_cooperatives_name_key"),
        (Filters(rural_class="rural"), "ix_cooperatives_rural_class_name"),
        (Filters(legal_class="agua_potable"), "ix_cooperatives_legal_class_name"),
        (Filters(region=13, status="vigente"), "ix_cooperatives_region_code_name"),
    ],
)
def test_a_page_by_name_walks_a_name_ordered_index(
    registry: Database, filters: Filters, index: str
) -> None:
    page, _count = _plans(registry, filters)
    assert index in page and "TEMP B-TREE" not in page, page
    assert "ix_cooperatives_legal_status " not in page and "ix_cooperatives_size_band " not in page


def test_facet_counts_use_their_one_column_index(registry: Database) -> None:
    _, count = _plans(registry, Filters(status="disuelta"))
    assert "ix_cooperatives_legal_status" in count, count
    _, count = _plans(registry, Filters(size_band="large"))
    assert "ix_cooperatives_size_band" in count, count
