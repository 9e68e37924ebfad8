"""``asocia diagnosis`` through the CLI runner on a real SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from asocia.diagnosis.loader import get_instrument
from asocia.diagnosis.sample_exports import odk_central_csv, sample_submissions
from tests.diagnosis.conftest import add_cooperatives

runner = CliRunner()
FULL = get_instrument("diagnostico-cooperativo", "1")


@pytest.fixture
def env(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", sqlite_db.url)
    return sqlite_db


def run(*args: str) -> str:
    result = runner.invoke(app, ["diagnosis", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_instruments_and_validate(tmp_path: Path) -> None:
    listed = json.loads(run("instruments", "--json"))
    assert {r["key"] for r in listed} >= {"diagnostico-cooperativo@1", "diagnostico-rapido@1"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"id": "x", "version": "1"}), encoding="utf-8")
    result = runner.invoke(app, ["diagnosis", "validate", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml: $: 'dimensions' is a required property" in result.output


def test_xlsform_import_list_show_report_portfolio(env: Database, tmp_path: Path) -> None:
    coops = add_cooperatives(env, 3, region_code=7, legal_class="campesina")
    out = run("xlsform", "diagnostico-cooperativo", "--out", str(tmp_path / "f.xlsx"))
    assert "cooperatives.csv" in out
    csv_lines = (tmp_path / "cooperatives.csv").read_text("utf-8").splitlines()
    assert len(csv_lines) == 4 and csv_lines[1].startswith(coops[0][1])
    run(
        "xlsform",
        "diagnostico-rapido",
        "--cooperatives",
        "typed",
        "--out",
        str(tmp_path / "q.xlsx"),
    )

    subs = sample_submissions(FULL, [tax for _i, tax in coops] + ["99999999-9"], 4)
    export = tmp_path / "export.csv"
    export.write_text(odk_central_csv(FULL, subs), encoding="utf-8")
    summary = json.loads(run("import", str(export), "--json"))
    assert {k: summary[k] for k in ("read", "created", "updated", "unchanged", "rejected")} == {
        "read": 4,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    again = run("import", str(export))
    assert "read 4, created 0, updated 0, unchanged 3, rejected 1" in again
    assert "unknown cooperative '99999999-9'" in again

    rows = json.loads(run("list", "--json"))
    assert len(rows) == 3
    shown = json.loads(run("show", str(rows[0]["id"]), "--json", "--lang", "en"))
    assert shown["overall"]["light"] in {"green", "yellow", "red"}
    assert {n["level"] for n in shown["nodes"]} == {
        "instrument",
        "dimension",
        "category",
        "subcategory",
    }
    text = run("show", str(rows[0]["id"]), "--lang", "es")
    assert "Gestión financiera" in text
    pdf = tmp_path / "r.pdf"
    run("report", str(rows[0]["id"]), "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")

    portfolio = json.loads(run("portfolio", "diagnostico-cooperativo", "--json"))
    assert sum(r["diagnoses"] for r in portfolio if r["category"] == "gobernanza") == 3
    run("portfolio", "diagnostico-cooperativo", "--out", str(tmp_path / "p.xlsx"))
    assert (tmp_path / "p.xlsx").stat().st_size > 0


def test_clear_errors(env: Database, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "diagnosis",
            "xlsform",
            "nope",
            "--cooperatives",
            "typed",
            "--out",
            str(tmp_path / "x.xlsx"),
        ],
    )
    assert result.exit_code == 2 and "unknown instrument 'nope'" in result.output
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["diagnosis", "import", str(junk)])
    assert result.exit_code == 2 and "not an ODK Central or KoboToolbox export" in result.output
    result = runner.invoke(app, ["diagnosis", "show", "12345"])
    assert result.exit_code == 2 and "no diagnosis 12345" in result.output


def test_demo_diagnoses(env: Database) -> None:
    add_cooperatives(env, 12, region_code=6, legal_class="campesina", size_band="micro")
    out = run("demo", "--count", "10", "--seed", "3")
    written = int(out.split()[1])
    assert 10 <= written <= 20
    assert "nothing done" in run("demo", "--if-empty")
    rows = json.loads(run("list", "--json"))
    assert len(rows) == written
    lights = {r["light"] for r in rows}
    assert len(lights) >= 2  # demo data is varied, not all one colour
    twice = [
        r for r in rows if sum(1 for x in rows if x["cooperative_id"] == r["cooperative_id"]) > 1
    ]
    if twice:
        shown = json.loads(run("show", str(max(r["id"] for r in twice)), "--json"))
        assert shown["progress"]["comparable"] is True
    benchmark = json.loads(run("show", str(rows[0]["id"]), "--json"))["benchmark"]
    assert benchmark["available"] is True and benchmark["peers"] >= 5
