"""Imports leave the statistics summary fresh, so the next dashboard visitor does not wait."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from asocia.db.models.stats import stats_summary_state
from asocia.settings import Settings
from asocia.stats.definitions import load_definitions
from asocia.stats.dimensions import StatsContext
from asocia.stats.summary import fingerprint

runner = CliRunner()


def summary_is_fresh(db: Database) -> bool:
    context = StatsContext(uf_clp=Settings().uf_clp, as_of=date.today())
    with db.session() as session:
        stored = session.execute(select(stats_summary_state.c.fingerprint)).scalar_one_or_none()
        return stored == fingerprint(session, context, load_definitions())


def test_cli_import_and_demo_refresh_the_summary(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", sqlite_db.url)
    assert runner.invoke(app, ["demo", "--cooperatives", "200"]).exit_code == 0
    assert summary_is_fresh(sqlite_db)
    made = runner.invoke(
        app, ["demo", "files", "--cooperatives", "150", "--seed", "7", "--out", str(tmp_path)]
    )
    assert made.exit_code == 0, made.output
    csv_file = next(tmp_path.glob("*.csv"))
    dry = runner.invoke(app, ["registry", "import", str(csv_file), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert summary_is_fresh(sqlite_db)  # a dry run changes nothing
    imported = runner.invoke(app, ["registry", "import", str(csv_file), "--json"])
    assert imported.exit_code == 0, imported.output
    assert summary_is_fresh(sqlite_db)
