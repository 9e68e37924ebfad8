"""Storage shared by every capability: models, sessions and migrations."""

from asocia.db.base import Base
from asocia.db.session import Database, DatabaseError, SchemaOutOfDate

__all__ = ["Base", "Database", "DatabaseError", "SchemaOutOfDate"]
