"""Alembic environment: the engine comes from asocia (see asocia.db.migrate)."""

from alembic import context

from asocia.db.base import Base
from asocia.db.models import load_all_models

load_all_models()  # every table on the metadata

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
