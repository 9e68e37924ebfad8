"""Migrations on SQLite and PostgreSQL: upgrade from empty, downgrade and upgrade again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from asocia.db import Base, Database, DatabaseError, SchemaOutOfDate
from asocia.db.engine import normalise_url
from asocia.db.migrate import current_revision, downgrade, head_revision, upgrade
from tests.conftest import POSTGRES_URL, SKIP_POSTGRES


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A brand-new, empty database (not migrated)."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip(SKIP_POSTGRES)
    name = f"asocia_mig_{uuid.uuid4().hex[:10]}"
    base = make_url(normalise_url(POSTGRES_URL))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(base.set(database=name).render_as_string(False))
    yield db
    db.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_creates_every_model_table(empty_db: Database) -> None:
    with pytest.raises(SchemaOutOfDate, match="asocia db upgrade"):
        empty_db.check_schema()
    upgrade(empty_db)
    assert current_revision(empty_db) == head_revision()
    empty_db.check_schema()
    tables = set(inspect(empty_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_downgrade_and_upgrade_round_trip(empty_db: Database) -> None:
    upgrade(empty_db)
    downgrade(empty_db, "base")
    assert current_revision(empty_db) is None
    assert set(inspect(empty_db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_db)
    assert current_revision(empty_db) == head_revision()


def test_every_revision_steps_down_and_up(empty_db: Database) -> None:
    """Each revision's downgrade undoes exactly its upgrade (not only the whole chain)."""
    from alembic.script import ScriptDirectory

    from asocia.db.migrate import MIGRATIONS

    revisions = [r.revision for r in ScriptDirectory(str(MIGRATIONS)).walk_revisions()][::-1]
    for revision in revisions:
        upgrade(empty_db, revision)
        downgrade(empty_db, "-1")
        upgrade(empty_db, revision)
        assert current_revision(empty_db) == revision


def test_model_matches_migrations(empty_db: Database) -> None:
    """Autogenerate finds nothing to do: the migrations describe the models exactly."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    upgrade(empty_db)
    with empty_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_registry_keys_and_codes_sort_byte_by_byte(empty_db: Database) -> None:
    """The name key sorts byte by byte on both engines: SQLite does so by default; on
    PostgreSQL migration 0005 gives the model's code columns the "C" collation (and takes it
    back on downgrade), whatever the server's locale."""
    from asocia.db.models.registry import Cooperative

    upgrade(empty_db)
    keys = ["laguna", "la union", "l", "la", "la-b"]
    with empty_db.session() as session:
        session.add_all(Cooperative(legal_name=k, name_key=k) for k in keys)
    with empty_db.session() as session:
        ordered = session.scalars(select(Cooperative.name_key).order_by(Cooperative.name_key))
        assert list(ordered) == sorted(keys, key=str.encode)  # "la union" before "la-b"
    if empty_db.dialect != "postgresql":
        return
    expected = {
        c.name
        for c in Cooperative.__table__.columns
        if getattr(c.type.dialect_impl(empty_db.engine.dialect), "collation", None) == "C"
    }
    assert {"name_key", "tax_id", "legal_class", "size_band"} <= expected

    def collated() -> set[str]:
        with empty_db.engine.connect() as connection:
            return set(
                connection.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns WHERE "
                        "table_name = 'cooperatives' AND collation_name = 'C'"
                    )
                ).scalars()
            )

    assert collated() == expected
    downgrade(empty_db, "0004_stats")
    assert collated() == set()


def test_sqlite_has_foreign_keys_and_wal(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    db.dispose()


def test_unreachable_database_is_one_clear_line() -> None:
    db = Database("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseError) as error:
        db.check_schema()
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("cannot reach the database postgresql+psycopg://nobody@127.0.0.1:1")
