"""`asocia stats …` through Typer's runner, on the hand-made registry (SQLite)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from tests.stats.conftest import ROWS, add_cooperatives

runner = CliRunner()


@pytest.fixture
def env(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    add_cooperatives(sqlite_db, ROWS)
    monkeypatch.setenv("ASOCIA_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("ASOCIA_UF_CLP", "1000")
    return sqlite_db


def test_summary_json_has_the_issue_keys(env: Database) -> None:
    result = runner.invoke(app, ["stats", "summary", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in (
        "cooperatives",
        "members",
        "members_women",
        "workers",
        "rural_share",
        "rural_under_20_share",
        "large_share",
        "large_sales_share",
        "urban_members_share",
        "urban_workers_share",
        "gini_sales",
    ):
        assert key in data
    assert data["cooperatives"] == 9
    assert data["rural_share"] == pytest.approx(6 / 9)
    assert data["gini_sales"] == pytest.approx(2 * 5770 / (8 * 766) - 9 / 8)
    assert data["suppressed"] == []


def test_public_summary_hides_figures_resting_on_fewer_than_k(env: Database) -> None:
    data = json.loads(runner.invoke(app, ["stats", "summary", "--json", "--public"]).output)
    # 2 large cooperatives < k = 3: their share and their share of sales are hidden; the top
    # shares rest on a single cooperative. Counts of 9 cooperatives stay, perturbed by at most
    # D = 2; members by at most 1.5 · m = 15 % of the largest cooperative's (1,000).
    assert data["large_share"] is None and data["large_sales_share"] is None
    assert data["top10_sales_share"] is None
    assert abs(data["cooperatives"] - 9) <= 2 and abs(data["members"] - 1435) <= 150.5
    assert {"large_share", "large_sales_share", "top10_sales_share"} <= set(data["suppressed"])


def test_summary_filters_and_table_output(env: Database) -> None:
    data = json.loads(runner.invoke(app, ["stats", "summary", "--json", "-f", "region=3"]).output)
    assert data["cooperatives"] == 3
    text = runner.invoke(app, ["stats", "summary"]).output
    assert "Share of rural cooperatives" in text and "66.7 %" in text


def test_crosstab_csv_and_public_json(env: Database) -> None:
    result = runner.invoke(
        app,
        ["stats", "crosstab", "region", "rural_class", "-m", "members", "--csv", "--lang", "es"],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    cell = next(
        r for r in rows if r["region"].endswith("Antofagasta") and r["rural_class"] == "Urbana"
    )
    assert cell["members"] == "300" and cell["cooperatives"] == "1"
    public = json.loads(
        runner.invoke(
            app, ["stats", "crosstab", "region", "rural_class", "--public", "--json"]
        ).output
    )
    # Region 2 has one rural cooperative: shown as "< 3"; region 1's three are perturbed.
    assert public["counts"][1][0] is None and public["status"][1][0] == "below_k"
    assert public["counts"][0][0] is None or abs(public["counts"][0][0] - 3) <= 2


def test_crosstab_refuses_unknown_names(env: Database) -> None:
    result = runner.invoke(app, ["stats", "crosstab", "colour"])
    assert result.exit_code == 2
    assert "unknown dimension" in result.output


def test_indicators_lists_definitions(env: Database) -> None:
    data = json.loads(runner.invoke(app, ["stats", "indicators", "--json", "--lang", "es"]).output)
    gini = next(i for i in data if i["id"] == "gini_sales")
    assert gini["label"] == "Coeficiente de Gini de las ventas" and gini["unit"] == "index"
    assert all(i["follows"] for i in data)


def test_export_writes_every_chart(env: Database, tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "export", str(tmp_path), "--public"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in tmp_path.iterdir()}
    assert {"cooperatives_by_region.csv", "region_by_legal_class.csv", "summary.json"} <= names
    text = (tmp_path / "cooperatives_by_region.csv").read_text()
    assert "persona" not in text and "@" not in text  # no personal data
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert abs(summary["cooperatives"] - 9) <= 2


def test_refresh(env: Database) -> None:
    result = runner.invoke(app, ["stats", "refresh"])
    assert result.exit_code == 0, result.output
    assert "10 cooperatives registered" in result.output


def test_diagnosis_aggregates_command(env: Database) -> None:
    result = runner.invoke(app, ["stats", "diagnosis", "--instrument", "diagnostico-rapido"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("region_code,legal_class,category")
    unknown = runner.invoke(app, ["stats", "diagnosis", "--instrument", "nope"])
    assert unknown.exit_code == 2 and "unknown instrument" in unknown.output
