"""Alembic environment: the engine comes from asocia (see asocia.db.migrate)."""

from alembic import context

import asocia.db.models  # noqa: F401  (registers every table on the metadata)
from asocia.db.base import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
