"""Backup and restore, round trip on SQLite and PostgreSQL, compared table by table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from asocia import backup as backups
from asocia.auth import accounts
from asocia.cli.backup import EXIT_NOT_EMPTY
from asocia.cli.main import app
from asocia.db import Database
from asocia.db.engine import normalise_url
from asocia.db.models import Cooperative
from asocia.registry.importer import import_file
from tests.conftest import TEST_PASSWORD
from tests.registry.conftest import Files, row

runner = CliRunner()


def _fill(db: Database, files: Files) -> None:
    with db.session() as session:
        accounts.create_user(session, "respaldo", TEST_PASSWORD, "analyst")
    import_file(
        db,
        files.csv(
            [
                row(),
                row(rut="65.000.012-9", name="Cooperativa Campesina Los Aromos", comuna="Ninhue"),
                row(rut="65.000.013-7", name="Cooperativa Ñandú =1+1", comuna="Chillán"),
            ]
        ),
    )


@pytest.fixture
def empty_twin(db: Database, tmp_path: Path) -> Iterator[Database]:
    """Another database of the same engine, empty (not even migrated)."""
    if db.dialect == "sqlite":
        twin = Database(f"sqlite:///{tmp_path / 'twin.db'}")
        yield twin
        twin.dispose()
        return
    name = f"asocia_twin_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(normalise_url(db.url)).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    twin = Database(make_url(db.url).set(database=name).render_as_string(False))
    try:
        yield twin
    finally:
        twin.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_round_trip_into_an_empty_database(
    db: Database, empty_twin: Database, files: Files, tmp_path: Path
) -> None:
    _fill(db, files)
    before = backups.table_checksums(db)
    assert before["cooperatives"][0] == 3
    result = backups.backup(db, tmp_path / "asocia.backup")
    assert result.bytes > 0
    backups.restore(empty_twin, result.path)
    assert backups.table_checksums(empty_twin) == before


def test_restore_refuses_data_without_force_then_replaces_it(
    db: Database, files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(db, files)
    before = backups.table_checksums(db)
    monkeypatch.setenv("ASOCIA_DATABASE_URL", db.url)
    out = tmp_path / "nightly.backup"
    made = runner.invoke(app, ["backup", "--out", str(out), "--json"])
    assert made.exit_code == 0, made.output
    with db.session() as session:
        session.execute(delete(Cooperative).where(Cooperative.legal_name.like("%Aromos%")))
        accounts.create_user(session, "despues", TEST_PASSWORD, "field")
    assert backups.table_checksums(db) != before

    refused = runner.invoke(app, ["restore", str(out)])
    assert refused.exit_code == EXIT_NOT_EMPTY
    assert "--force" in refused.output
    assert backups.table_checksums(db) != before  # nothing was touched

    replaced = runner.invoke(app, ["restore", str(out), "--force"])
    assert replaced.exit_code == 0, replaced.output
    db.dispose()
    assert backups.table_checksums(db) == before


def test_restore_refuses_a_backup_of_the_other_engine(db: Database, tmp_path: Path) -> None:
    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP" if db.dialect == "sqlite" else b"SQLite format 3\x00")
    with pytest.raises(backups.BackupError, match="same kind of database"):
        backups.restore(db, other, force=True)
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"hello")
    with pytest.raises(backups.BackupError, match="not an asocia backup"):
        backups.restore(db, junk, force=True)
