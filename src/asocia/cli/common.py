"""What every command shares: opening the database, printing, failing with one clear line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from asocia.db.session import Database, DatabaseError
from asocia.settings import Settings, SettingsError

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` as one line on stderr and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    """Settings from the environment, or exit with the problem."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        fail(str(exc))


def open_database(*, check_schema: bool = True) -> Database:
    """The configured database, reachable and at this code's schema, or exit with code 2."""
    settings = load_settings()
    db = Database(settings.database_url)
    try:
        if check_schema:
            db.check_schema()
        else:
            db.ping()
    except DatabaseError as exc:
        fail(str(exc))
    return db


def print_json(value: Any) -> None:
    """Print ``value`` as JSON on stdout (dates and other objects as strings)."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@contextmanager
def progress(*, transient: bool = False, disable: bool = False) -> Iterator[Progress]:
    """A Rich progress bar on stderr (so ``--json`` output on stdout stays clean)."""
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
        disable=disable,
    )
    with bar:
        yield bar
