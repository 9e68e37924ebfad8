"""Backups and restores of an asocia database, while it is in use.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
  page by page, also while the web app and imports write; restoring copies the backup back
  the same way. The backup is itself a SQLite file.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot of one transaction) and
  ``pg_restore --clean --if-exists --single-transaction``; both must be on ``PATH``, of the
  server's major version or newer.

:func:`restore` refuses a database that holds data unless ``force`` is given.
:func:`table_checksums` gives every table's row count and a SHA-256 of its rows in key order,
to compare a database with its restored copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Table, select, text
from sqlalchemy.engine import make_url

from asocia.db.session import Database

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
#: Tables that a migrated but unused database already fills.
BOOKKEEPING = frozenset({"alembic_version"})


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message is one line for a person."""


class NotEmpty(BackupError):
    """The target database holds data and ``force`` was not given."""


@dataclass(frozen=True)
class Result:
    """What a backup or restore did."""

    path: Path
    engine: str
    bytes: int


def backup(database: Database, out: Path) -> Result:
    """Write a backup of ``database`` to ``out`` (replaced atomically when it exists)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        if database.dialect == "sqlite":
            _sqlite_copy(_sqlite_path(database), partial)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial)], database)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return Result(out, database.dialect, out.stat().st_size)


def restore(database: Database, source: Path, *, force: bool = False) -> Result:
    """Replace the contents of ``database`` with the backup ``source``.

    Raises :class:`NotEmpty` when the database holds data and ``force`` is false, and
    :class:`BackupError` when ``source`` is not a backup of this engine.
    """
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    with source.open("rb") as f:
        head = f.read(16)
    expected = SQLITE_MAGIC if database.dialect == "sqlite" else PGDUMP_MAGIC
    if not head.startswith(expected):
        kind = (
            "a SQLite backup"
            if head.startswith(SQLITE_MAGIC)
            else "a PostgreSQL backup"
            if head.startswith(PGDUMP_MAGIC)
            else "not an asocia backup"
        )
        raise BackupError(
            f"{source.name} is {kind}; this database is {database.dialect} "
            "(restore a backup made from the same kind of database)"
        )
    if not force:
        filled = non_empty_tables(database)
        if filled:
            raise NotEmpty(
                f"the database {database.safe_url} holds data ({', '.join(filled[:5])}"
                f"{'…' if len(filled) > 5 else ''}); use --force to replace it"
            )
    if database.dialect == "sqlite":
        _check_sqlite_backup(source)
        database.dispose()
        _sqlite_copy(source, _sqlite_path(database))
    else:
        database.dispose()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                str(source),
            ],
            database,
            target="--dbname",
        )
    return Result(source, database.dialect, source.stat().st_size)


def non_empty_tables(database: Database) -> list[str]:
    """Tables of ``database`` (bookkeeping aside) that hold at least one row."""
    metadata = MetaData()
    metadata.reflect(database.engine)
    filled = []
    with database.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            if connection.execute(select(table).limit(1)).first() is not None:
                filled.append(table.name)
    return filled


def table_checksums(database: Database) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its rows in primary-key order."""
    metadata = MetaData()
    metadata.reflect(database.engine)
    sums: dict[str, tuple[int, str]] = {}
    with database.engine.connect() as connection:
        for table in metadata.sorted_tables:
            digest = hashlib.sha256()
            count = 0
            for row in connection.execute(select(table).order_by(*_order(table))):
                digest.update(repr(tuple(row)).encode())
                count += 1
            sums[table.name] = (count, digest.hexdigest())
        if database.dialect == "postgresql":
            # Sequences too: a restored database must not hand out ids already used.
            for table in metadata.sorted_tables:
                for column in table.primary_key.columns:
                    if column.autoincrement is True or (
                        column.autoincrement == "auto" and column.type.python_type is int
                    ):
                        value = connection.execute(
                            text("SELECT pg_get_serial_sequence(:t, :c)"),
                            {"t": table.name, "c": column.name},
                        ).scalar()
                        if value:
                            last = connection.execute(text(f"SELECT last_value FROM {value}"))
                            sums[f"{value} (sequence)"] = (int(last.scalar() or 0), "")
    return sums


def _order(table: Table) -> list[ColumnElement[Any]]:
    return list(table.primary_key.columns) or list(table.columns)


def _sqlite_path(database: Database) -> Path:
    name = database.engine.url.database
    if not name or name == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(name)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database with the online backup API (consistent while others write)."""
    try:
        with (
            sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src,
            sqlite3.connect(target) as dst,
        ):
            src.backup(dst, pages=4096)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup from {source} failed: {exc}") from exc


def _check_sqlite_backup(source: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as connection:
            found = connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
            ok = connection.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"{source.name} is not a readable SQLite backup: {exc}") from exc
    if found is None:
        raise BackupError(f"{source.name} is a SQLite file but not an asocia database")
    if ok is None or ok[0] != "ok":
        raise BackupError(f"{source.name} is damaged (SQLite quick_check: {ok})")


def _libpq(database: Database) -> tuple[str, dict[str, str]]:
    """The connection URL without its password, and the environment that carries it (a
    password on a command line would show in ``ps``)."""
    url = make_url(database.url).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _run(command: list[str], database: Database, *, target: str = "--dbname") -> None:
    program = command[0]
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed or not on PATH (PostgreSQL client tools)")
    url, env = _libpq(database)
    full = [*command[:1], f"{target}={url}", *command[1:]]
    completed = subprocess.run(full, capture_output=True, text=True, check=False, env=env)
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise BackupError(f"{program} failed: {detail[-1] if detail else completed.returncode}")
