"""One registry import at a time per database.

Two imports writing at once would race on the same natural keys (on PostgreSQL the second
died with ``UniqueViolation``; on SQLite it waited for the write lock and then failed).
:func:`serialised` wraps the import so that a second one waits up to :data:`WAIT_SECONDS`
for the first and is then refused with :class:`ImportBusy` (a clear message; exit code
:data:`EXIT_BUSY` on the command line, 409 on the API). Dry runs write nothing and are not
serialised.

- PostgreSQL: a session advisory lock, held on its own connection for the import's duration
  (released by the server if the process dies).
- SQLite: an exclusive ``flock`` on ``<database>.import-lock`` beside the file (released by
  the kernel if the process dies). In-memory databases need no lock.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text

from asocia.db.session import Database

#: Seconds a second import waits for the first before it is refused.
WAIT_SECONDS = 5.0
#: Exit code of ``asocia registry import`` when another import is running.
EXIT_BUSY = 4
#: The advisory lock key of registry imports (any constant bigint unique to asocia).
ADVISORY_KEY = 0x61736F63  # "asoc"

F = TypeVar("F", bound=Callable[..., Any])


class ImportBusy(RuntimeError):
    """Another import is writing to this database; the message says so in one line."""


@contextlib.contextmanager
def import_lock(database: Database, *, wait: float | None = None) -> Iterator[None]:
    """Hold the import lock of ``database``, or raise :class:`ImportBusy` after ``wait`` s
    (:data:`WAIT_SECONDS` by default)."""
    wait = WAIT_SECONDS if wait is None else wait
    if database.dialect == "postgresql":
        with _advisory(database, wait):
            yield
        return
    path = database.engine.url.database
    if not path or path == ":memory:":
        yield
        return
    with _flock(Path(path).with_name(Path(path).name + ".import-lock"), wait):
        yield


def serialised(function: F) -> F:
    """Decorate ``import_file(database, path, *, dry_run=False, ...)`` with the import lock."""

    @functools.wraps(function)
    def wrapper(database: Database, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("dry_run"):
            return function(database, *args, **kwargs)
        with import_lock(database):
            return function(database, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _refuse(wait: float) -> ImportBusy:
    return ImportBusy(
        f"another import is writing to this database (waited {wait:g} s); "
        "try again when it has finished"
    )


@contextlib.contextmanager
def _advisory(database: Database, wait: float) -> Iterator[None]:
    with database.engine.connect() as connection:
        deadline = time.monotonic() + wait
        while not connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
        ).scalar():
            connection.commit()
            if time.monotonic() >= deadline:
                raise _refuse(wait)
            time.sleep(0.2)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            connection.commit()


@contextlib.contextmanager
def _flock(path: Path, wait: float) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: SQLite's own write lock serialises
        yield
        return
    with path.open("a+b") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _refuse(wait) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
