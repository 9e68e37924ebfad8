"""On the registry's demonstration data, the summary shows the published Chilean structure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import insert

from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.registry.synthetic import generate
from asocia.stats import report
from asocia.stats.engine import StatsEngine

N = 20_000
UF_CLP = 39_000.0
COLUMNS = {c.name for c in Cooperative.__table__.columns}
# The published Chilean structure the registry's demo data is calibrated to (PRODUCT.md).
PUBLISHED = {
    "rural_share": 0.57,
    "rural_under_20_share": 0.52,
    "large_share": 0.019,
    "large_sales_share": 0.80,
    "urban_workers_share": 0.687,
    "urban_members_share": 0.95,
}


def load_demo(db: Database, n: int, seed: int = 7) -> None:
    rows: list[dict[str, Any]] = []
    for i, record in enumerate(generate(n, seed, uf_clp=UF_CLP)):
        row = {k: v for k, v in record.items() if k in COLUMNS}
        rows.append(
            {
                **row,
                "id": i + 1,
                "name_key": record["legal_name"].lower(),
                "ilo_type_overridden": False,
            }
        )
    with db.engine.begin() as connection:
        connection.execute(insert(Cooperative.__table__), rows)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Any) -> Iterator[Database]:
    import shutil

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    load_demo(db, N)
    yield db
    db.dispose()


@pytest.mark.parametrize("population", ["current", "registered"])
def test_summary_matches_the_published_structure(demo: Database, population: str) -> None:
    with demo.session() as session:
        figures = report.summary(StatsEngine(session, uf_clp=UF_CLP), population=population)
    for key, value in PUBLISHED.items():
        assert figures[key] == pytest.approx(value, abs=0.01), key


def test_cli_summary_on_asocia_demo(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: `asocia demo --cooperatives 20000` then `asocia stats summary --json`."""
    import json

    from typer.testing import CliRunner

    from asocia.cli.main import app

    monkeypatch.setenv("ASOCIA_DATABASE_URL", sqlite_db.url)
    runner = CliRunner()
    made = runner.invoke(app, ["demo", "--cooperatives", str(N)])
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["stats", "summary", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    for key, value in PUBLISHED.items():
        assert figures[key] == pytest.approx(value, abs=0.01), key
