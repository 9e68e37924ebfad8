"""The Database object: an engine, a session factory, and the schema check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from asocia.db.engine import create_engine_for

# The ORM loads with the first session: `asocia db status` reads the revision table without it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


class DatabaseError(RuntimeError):
    """The database cannot be used; the message is one clear line for a person."""


class SchemaOutOfDate(DatabaseError):
    """The database schema is older (or newer) than this version of asocia."""


class Database:
    """A connection to one asocia database.

    >>> db = Database("sqlite:///asocia.db")   # doctest: +SKIP
    >>> with db.session() as session: ...       # doctest: +SKIP
    """

    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or create_engine_for(url)

    @cached_property
    def sessionmaker(self) -> sessionmaker[Session]:
        """The session factory (made on first use)."""
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on any error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise :class:`DatabaseError` with a one-line reason if the database is unreachable."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseError(f"cannot reach the database {self.safe_url}: {reason}") from exc

    def check_schema(self) -> None:
        """Raise :class:`SchemaOutOfDate` unless the schema is at this code's head revision."""
        self.ping()
        now, head = self.revisions()
        if now != head:
            shown = now or "empty"
            raise SchemaOutOfDate(
                f"the database {self.safe_url} is at schema revision {shown}, this asocia "
                f"needs {head}: run `asocia db upgrade`"
            )

    def revisions(self) -> tuple[str | None, str]:
        """The schema revision the database is at (None when empty) and this code's head.

        Reads the revision table and the migration scripts' headers directly: importing
        Alembic would double the start-up time of every CLI command that opens the database.
        A history this shortcut cannot read (branches, several heads) is left to Alembic.
        """
        current = _stored_revisions(self)
        head = _head_from_scripts()
        if current is None or head is None or len(current) > 1:
            from asocia.db.migrate import current_revision, head_revision

            return current_revision(self), head_revision()
        return (current[0] if current else None), head

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


_VERSIONS = Path(__file__).parent / "migrations" / "versions"
_HEADER = re.compile(
    r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(?:None|[\"']([^\"']+)[\"'])\s*$", re.M
)


def _head_from_scripts() -> str | None:
    """The one revision no other script names as its parent, from the scripts' headers; None
    when the headers are not the plain single-string form (Alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in _VERSIONS.glob("*.py"):
        found = dict((m.group(1), m.group(2)) for m in _HEADER.finditer(script.read_text()))
        if "revision" not in found or found["revision"] is None or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        if found["down_revision"] is not None:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revisions(db: Database) -> list[str] | None:
    """The revisions recorded in ``alembic_version`` ([] for an empty database); None when
    the table cannot be read simply."""
    with db.engine.connect() as connection:
        if not _has_table(connection, "alembic_version"):
            return []
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        except OperationalError:  # pragma: no cover - a table we did not expect
            return None
    return [str(row[0]) for row in rows]


def _has_table(connection: Connection, name: str) -> bool:
    """Whether ``name`` exists in the connection's default schema."""
    return bool(connection.dialect.has_table(connection, name))
