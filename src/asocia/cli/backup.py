"""``asocia backup`` and ``asocia restore``: a copy of the whole database, taken while it is in
use, and its way back (see docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from asocia.cli.common import console, fail, open_database, print_json

#: Exit code when ``asocia restore`` meets a database that holds data (without --force).
EXIT_NOT_EMPTY = 5


def backup(
    out: Path = typer.Option(
        ..., "--out", help="The backup file to write (replaced if it exists)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Back up the database to one file (SQLite online backup; pg_dump custom format)."""
    from asocia import backup as backups

    db = open_database()
    try:
        result = backups.backup(db, out)
    except backups.BackupError as exc:
        fail(str(exc))
    if as_json:
        print_json({"file": str(result.path), "engine": result.engine, "bytes": result.bytes})
    else:
        console.print(f"backup written: {result.path} ({result.bytes:,} bytes, {result.engine})")


def restore(
    file: Path = typer.Argument(..., help="A backup written by `asocia backup`."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that already holds data."
    ),
) -> None:
    """Restore a backup into the configured database (refuses one holding data without --force)."""
    from asocia import backup as backups

    db = open_database(check_schema=False)
    try:
        result = backups.restore(db, file, force=force)
    except backups.NotEmpty as exc:
        fail(str(exc), code=EXIT_NOT_EMPTY)
    except backups.BackupError as exc:
        fail(str(exc))
    console.print(f"restored {result.path.name} into {db.safe_url}")
