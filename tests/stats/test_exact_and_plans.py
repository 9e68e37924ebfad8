"""Issue 15: concentration figures are exact or say they are not, in every output; the
statistics' queries on the registry table use the filters' indexes (no planner cliff)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.stats import concentration as conc
from asocia.stats.definitions import load_definitions
from asocia.stats.dimensions import StatsContext
from asocia.stats.engine import Filters, StatsEngine
from tests.conftest import Web
from tests.stats.conftest import AS_OF, ROWS, UF, add_cooperatives


@pytest.fixture
def binned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Concentration from the summary's bins from 2 reporting cooperatives up."""
    monkeypatch.setattr(conc, "EXACT_LIMIT", 2)


def test_api_and_dashboard_mark_binned_figures(web: Web, binned: None) -> None:
    add_cooperatives(web.db, ROWS)
    web.app.state.settings = replace(web.app.state.settings, uf_clp=UF)
    analyst = web.login_as("analyst")
    data = analyst.get("/api/v1/stats/summary").json()
    assert data["concentration_exact"] is False
    assert set(data["approximate"]) == {
        "gini_sales",
        "hhi_sales",
        "top1_sales_share",
        "top5_sales_share",
        "top10_sales_share",
    }
    board = analyst.get("/api/v1/stats/dashboard").json()
    assert board["concentration_exact"] is False and "gini_sales" in board["approximate"]
    csv_text = analyst.get("/stats/data/summary.csv").text
    assert "gini_sales," in csv_text and ",approximate" in csv_text
    page = analyst.get("/stats").text
    assert "≈ 0," in page  # the Gini coefficient on screen, marked (Spanish decimal comma)


def test_exact_figures_are_not_marked(web: Web) -> None:
    add_cooperatives(web.db, ROWS)
    data = web.login_as("analyst").get("/api/v1/stats/summary").json()
    assert data["concentration_exact"] is True and data["approximate"] == []


def test_command_line_is_exact_from_the_summary_tables(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, binned: None
) -> None:
    add_cooperatives(sqlite_db, ROWS)
    monkeypatch.setenv("ASOCIA_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("ASOCIA_UF_CLP", "1000")
    result = CliRunner().invoke(app, ["stats", "summary", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["concentration_exact"] is True and data["approximate"] == []
    assert data["gini_sales"] == pytest.approx(2 * 5770 / (8 * 766) - 9 / 8)


def test_exact_concentration_matches_the_binned_engine_where_both_apply(
    registry: Database,
) -> None:
    with registry.session() as session:
        exact = StatsEngine(session, uf_clp=UF, as_of=AS_OF, use_summary=True).concentration()
        forced = StatsEngine(
            session, uf_clp=UF, as_of=AS_OF, use_summary=True, exact_concentration=True
        ).concentration()
    assert exact.exact and forced.exact
    assert exact.gini == pytest.approx(forced.gini) and exact.lorenz == forced.lorenz


def test_two_regions_do_not_send_sqlite_to_the_legal_status_index(sqlite_db: Database) -> None:
    """`region_code IN (1, 2)` must use the region index; SQLite used to pick the
    legal_status index for the population condition (10× slower at a million rows)."""
    add_cooperatives(sqlite_db, ROWS)
    with sqlite_db.session() as session:
        engine = StatsEngine(session, uf_clp=UF, as_of=AS_OF)
        population = load_definitions().population("current")
        query = engine.where(
            select(Cooperative.sales_amount), Filters.of({"region": [1, 2]}), population
        )
        sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        plan = " ".join(
            str(row[-1])
            for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
        )
    assert "ix_cooperatives_legal_status" not in plan
    assert "ix_cooperatives_region_code_name" in plan, plan


def test_context_is_unchanged_by_the_plan_fix(registry: Database) -> None:
    # The population condition still selects exactly the cooperatives in force.
    with registry.session() as session:
        engine = StatsEngine(session, uf_clp=UF, as_of=AS_OF)
        assert engine.indicators(["cooperatives"])["cooperatives"].value == 9
    assert StatsContext(uf_clp=UF, as_of=AS_OF).uf_clp == UF
