"""Record keys: given to existing rows by migration 0008, to new rows by the model, and to
rows written without one by the statistics refresh (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, inspect, select, text

from asocia.db import Database
from asocia.db.migrate import downgrade, upgrade
from asocia.db.models import Cooperative
from asocia.stats.summary import ensure_record_keys
from tests.db.test_migrations import empty_db  # noqa: F401 (fixture)


def _keys(db: Database) -> list[int | None]:
    with db.session() as session:
        return list(session.scalars(select(Cooperative.cell_key).order_by(Cooperative.id)))


def test_migration_keys_existing_rows_and_downgrades(empty_db: Database) -> None:  # noqa: F811
    upgrade(empty_db, "0005_registry_c_collation")
    with empty_db.engine.begin() as connection:
        for n in range(50):
            connection.execute(
                text(
                    "INSERT INTO cooperatives (legal_name, name_key, country, "
                    "organisation_type, ilo_type_overridden, created_at, updated_at) "
                    "VALUES (:n, :n, 'CL', 'cooperativa', false, :t, :t)"
                ),
                {"n": f"coop {n}", "t": "2026-01-01 00:00:00"},
            )
    upgrade(empty_db, "0008_stats_cell_key")
    keys = _keys(empty_db)
    assert len(keys) == 50 and all(k is not None and 0 <= k < 2**31 for k in keys)
    assert len(set(keys)) > 45  # random, not one value for all
    downgrade(empty_db, "0005_registry_c_collation")
    with empty_db.engine.connect() as connection:
        columns = [c["name"] for c in inspect(connection).get_columns("cooperatives")]
    assert "cell_key" not in columns


def test_new_rows_get_a_key_and_the_refresh_keys_the_others(db: Database) -> None:
    with db.session() as session:
        session.add_all(Cooperative(legal_name=f"c{n}", name_key=f"c{n}") for n in range(20))
    assert all(k is not None for k in _keys(db))
    with db.session() as session:
        session.execute(text("UPDATE cooperatives SET cell_key = NULL WHERE id % 2 = 0"))
    with db.session() as session:
        assert ensure_record_keys(session) == 10
    with db.session() as session:
        missing = session.scalar(
            select(func.count()).select_from(Cooperative).where(Cooperative.cell_key.is_(None))
        )
    assert missing == 0
