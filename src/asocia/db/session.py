"""The Database object: an engine, a session factory, and the schema check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from asocia.db.engine import create_engine_for


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
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

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
        from asocia.db.migrate import current_revision, head_revision

        self.ping()
        current = current_revision(self)
        head = head_revision()
        if current != head:
            shown = current or "empty"
            raise SchemaOutOfDate(
                f"the database {self.safe_url} is at schema revision {shown}, this asocia "
                f"needs {head}: run `asocia db upgrade`"
            )

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
