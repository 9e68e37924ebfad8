"""Storage shared by every capability: models, sessions and migrations.

``Base`` and ``Database`` load when first used: opening a database (``asocia.db.session``)
does not declare the models, nor import the ORM's declarative layer (CLI start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asocia.db.base import Base
    from asocia.db.session import Database, DatabaseError, SchemaOutOfDate

__all__ = ["Base", "Database", "DatabaseError", "SchemaOutOfDate"]


def __getattr__(name: str) -> Any:
    if name == "Base":
        from asocia.db.base import Base

        return Base
    if name in ("Database", "DatabaseError", "SchemaOutOfDate"):
        from asocia.db import session

        return getattr(session, name)
    raise AttributeError(f"module 'asocia.db' has no attribute {name!r}")
