"""An app over the test database with its own upload folder (and a small upload limit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from asocia.db import Database
from asocia.settings import Settings
from asocia.web import create_app
from tests.conftest import Web
from tests.registry.conftest import Files


@pytest.fixture
def hardened(db: Database, tmp_path: Path) -> Iterator[Web]:
    """The web app with uploads in ``tmp_path/uploads`` and a 2 MB upload limit."""
    settings = Settings(
        database_url=db.url,
        secret_key="h" * 40,
        upload_dir=tmp_path / "uploads",
        max_upload_mb=2,
    )
    app = create_app(settings, database=db)
    holder = Web(db=db, app=app, client=None)  # type: ignore[arg-type]
    holder.client = holder.new_client()
    yield holder
    holder.close()


@pytest.fixture
def files(tmp_path: Path) -> Files:
    """Registry files written to ``tmp_path`` (as in tests/registry)."""
    return Files(tmp_path)
