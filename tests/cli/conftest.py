"""Fixtures of the CLI's tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from asocia.cli.main import app
from tests.cli.test_language import NO_LOCALE


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database at the code's schema (the migrations seed the capabilities' data), one
    per test module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'seeded.db'}"
    result = CliRunner().invoke(
        app, ["db", "upgrade"], env={**NO_LOCALE, "ASOCIA_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    return url
