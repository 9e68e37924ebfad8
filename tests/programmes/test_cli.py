"""asocia programmes …: the commands scripts depend on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from tests.cli.test_language import NO_LOCALE
from tests.programmes.helpers import add_coop, add_diagnosis, rut

runner = CliRunner()
DATA = Path(__file__).parent / "data"


@pytest.fixture
def env(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", db.url)
    return db


def run(*args: str) -> object:
    result = runner.invoke(app, ["programmes", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def test_list_show_series(env: Database) -> None:
    items = run("list", "--json")
    assert isinstance(items, list) and len(items) == 35
    assert "INDAP" in str(run("list"))
    shown = run("show", "indap-pae")
    assert "pre_associative" in str(shown) and "seed 003" in str(shown)
    series = run("series", "Programa Asociatividad Económica", "--json")
    assert isinstance(series, dict)
    assert series["years"] == [2017, 2018, 2019, 2020, 2021]
    assert round(series["budget_growth"], 2) == 0.80
    assert round(series["beneficiaries_growth"], 2) == 0.56
    assert series["budget_cagr"] > 0.15
    text = str(run("series", "indap-pae"))
    assert "+80.5 %" in text and "+56.0 %" in text and "2021*" in text
    missing = runner.invoke(app, ["programmes", "show", "nada"])
    assert missing.exit_code == 2 and "no instrument" in missing.output


def test_matrix_export_import(env: Database, tmp_path: Path) -> None:
    matrix = run("matrix", "--json")
    assert isinstance(matrix, dict) and matrix["gaps"] and matrix["overlaps"]
    out = tmp_path / "m.xlsx"
    run("matrix", "--by", "support_type", "--out", str(out))
    assert out.stat().st_size > 0
    for fmt in ("csv", "xlsx", "yaml", "hsds"):
        target = tmp_path / f"c.{fmt}"
        run("export", "--format", fmt, "--out", str(target))
        assert target.stat().st_size > 1000
    result = run("import", str(tmp_path / "c.yaml"), "--json")
    assert isinstance(result, dict) and result["unchanged"] == 35
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,agency,stages\nx,X,FIA,todos\n", encoding="utf-8")
    failed = runner.invoke(app, ["programmes", "import", str(bad)])
    assert failed.exit_code == 1
    assert "row 2, field stages" in failed.output and "nothing was imported" in failed.output
    wrong = runner.invoke(
        app, ["programmes", "export", "--format", "pdf", "--out", str(tmp_path / "x")]
    )
    assert wrong.exit_code == 2


def test_recommend_uptake_coverage(env: Database) -> None:
    coop = add_coop(env, 76_300_001, legal_class="campesina", rural_class="rural", members_total=12)
    add_coop(env, 76_300_002)
    add_coop(env, 76_300_003)
    add_diagnosis(env, coop)
    data = run("recommend", rut(76_300_001), "--json")
    assert isinstance(data, dict) and data["cooperative"]["id"] == coop
    assert data["recommendations"][0]["why"]["es"]
    assert "Red light" in str(run("recommend", str(coop)))
    dry = run("uptake", "import", str(DATA / "transferencias_19862.csv"), "--dry-run", "--json")
    assert isinstance(dry, dict) and dry["written"] is False and dry["shape"] == "ley19862"
    done = run("uptake", "import", str(DATA / "transferencias_19862.csv"), "--json")
    assert isinstance(done, dict) and done["created"] == 3
    cov = run("coverage", "--json")
    assert isinstance(cov, dict) and cov["total"]["reached"] == 3
    assert "of 3 cooperatives reached" in str(run("coverage"))


def test_uptake_problems_read_in_the_cli_language(env: Database, tmp_path: Path) -> None:
    add_coop(env, 76_300_001)
    path = tmp_path / "t.csv"
    path.write_bytes((DATA / "transferencias_19862.csv").read_bytes())
    spanish = runner.invoke(app, ["--lang", "es", "programmes", "uptake", "import", str(path)])
    english = runner.invoke(app, ["--lang", "en", "programmes", "uptake", "import", str(path)])
    default = runner.invoke(app, ["programmes", "uptake", "import", str(path)], env=NO_LOCALE)
    assert spanish.exit_code == english.exit_code == default.exit_code == 1
    assert "ninguna cooperativa del registro tiene este RUT" in spanish.output
    assert "no cooperative with this RUT" not in spanish.output
    assert "no cooperative with this RUT in the registry" in english.output
    assert default.output == spanish.output
