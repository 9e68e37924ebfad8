"""Migration 0002_registry: matches the models, downgrades cleanly and comes back."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import asocia.db.models  # noqa: F401  (every table on the metadata)
from asocia.db import Base, Database
from asocia.db.migrate import downgrade, upgrade

REGISTRY_TABLES = {
    "registry_import_runs",
    "registry_import_problems",
    "registry_changes",
    "registry_duplicate_decisions",
    "registry_flags",
}


def _mentions_registry(diff: object) -> bool:
    text = str(diff)
    return "cooperative" in text or "registry_" in text


def test_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if _mentions_registry(d)] == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(db)
    downgrade(db, "0001_foundation")
    inspector = inspect(db.engine)
    assert not REGISTRY_TABLES & set(inspector.get_table_names())
    assert "size_band" not in {c["name"] for c in inspector.get_columns("cooperatives")}
    assert "ix_cooperatives_legal_class" in {
        i["name"] for i in inspector.get_indexes("cooperatives")
    }
    upgrade(db)
    assert set(inspect(db.engine).get_table_names()) >= REGISTRY_TABLES
    db.dispose()
