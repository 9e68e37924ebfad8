"""`asocia strategy|sessions|indicators …` through Typer's runner (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database

runner = CliRunner()


@pytest.fixture
def env(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", db.url)
    return db


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_strategy_show_and_actions(env: Database) -> None:
    shown = _json(["strategy", "show", "--json"])
    assert isinstance(shown, dict) and len(shown["objectives"]) == 4
    result = runner.invoke(
        app, ["strategy", "add-action", "A1", "--title", "Difusión", "--objective", "OE1"]
    )
    assert result.exit_code == 0, result.output
    actions = _json(["strategy", "actions", "--json"])
    assert isinstance(actions, list) and actions[0]["objective"] == "OE1"
    bad = runner.invoke(app, ["strategy", "add-action", "A2", "--title", "X", "--due", "ayer"])
    assert bad.exit_code == 2 and "due_on: 'ayer' is not a date" in bad.output


def test_sessions_list_show_agenda(env: Database) -> None:
    rows = _json(["sessions", "list", "--json"])
    assert isinstance(rows, list) and rows[0]["held_on"] == "2020-06-30"
    shown = _json(["sessions", "show", str(rows[0]["id"]), "--json"])
    assert isinstance(shown, dict) and len(shown["agreements"]) == 2
    agenda = _json(["sessions", "agenda", str(rows[0]["id"]), "--json"])
    assert isinstance(agenda, dict) and agenda["items"][0]["title"] == "Acuerdos sesión anterior"
    missing = runner.invoke(app, ["sessions", "show", "999"])
    assert missing.exit_code == 2 and "session 999 does not exist" in missing.output


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_briefing_files(env: Database, tmp_path: Path, fmt: str) -> None:
    rows = _json(["sessions", "list", "--json"])
    assert isinstance(rows, list)
    out = tmp_path / f"briefing.{fmt}"
    result = runner.invoke(
        app, ["sessions", "briefing", str(rows[0]["id"]), "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    content = out.read_bytes()
    if fmt == "pdf":
        assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    elif fmt == "docx":
        assert zipfile.is_zipfile(io.BytesIO(content))
        document = Document(io.BytesIO(content))
        text = "\n".join(p.text for p in document.paragraphs)
        assert "Acuerdos de la sesión anterior" in text
        assert "Panel de indicadores" in text
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        assert any("Programa Asociatividad Económica" in c for c in cells)
        assert "Comité de Fomento" in cells
    else:
        html = content.decode()
        assert "<table>" in html and "Avance del plan por objetivo estratégico" in html


def test_indicators_list_import_status(env: Database, tmp_path: Path) -> None:
    listed = _json(["indicators", "list", "--json"])
    assert isinstance(listed, list)
    assert {"PAE_PRESUPUESTO", "COOP_VIGENTES"} <= {i["code"] for i in listed}
    good = tmp_path / "values.csv"
    good.write_text("indicator,period,kind,value\nPAE_GRUPOS,2022,target,250\n")
    imported = _json(["indicators", "values", "import", str(good), "--json"])
    assert imported == {"written": 1, "errors": []}
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,period,kind,value\nPAE_GRUPOS,2022/3,target,250\n")
    result = runner.invoke(app, ["indicators", "values", "import", str(bad)])
    assert result.exit_code == 1 and ":2: period='2022/3'" in result.output
    status = _json(["indicators", "status", "--period", "2021", "--json"])
    assert isinstance(status, list)
    pae = next(s for s in status if s["code"] == "PAE_PRESUPUESTO")
    assert pae["actual"] == 1980 and pae["status"] == "no_target"
    wrong = runner.invoke(app, ["indicators", "status", "--period", "soon"])
    assert wrong.exit_code == 2 and "is not a period" in wrong.output


def test_series_deflator_lock(env: Database, tmp_path: Path) -> None:
    series = _json(["indicators", "series", "PAE_GRUPOS", "--json"])
    assert isinstance(series, dict) and round(series["growth"] * 100) == 56
    for period, value in [("2017", "100"), ("2018", "102"), ("2019", "105"), ("2020", "108"),
                          ("2021", "112")]:  # fmt: skip
        result = runner.invoke(app, ["indicators", "deflator", "IPC", period, value])
        assert result.exit_code == 0, result.output
    real = _json(["indicators", "series", "PAE_PRESUPUESTO", "--deflator", "IPC", "--json"])
    assert isinstance(real, dict)
    assert real["real"]["growth"] == pytest.approx(1980 / (1097 * 1.12) - 1)
    assert runner.invoke(app, ["indicators", "lock", "2024"]).exit_code == 0
    values = tmp_path / "v.csv"
    values.write_text("indicator,period,kind,value\nPAE_GRUPOS,2024,actual,1\n")
    refused = runner.invoke(app, ["indicators", "values", "import", str(values)])
    assert refused.exit_code == 1 and "2024 is locked" in refused.output
    locked = runner.invoke(app, ["indicators", "lock", "2024", "--unlock"])
    assert locked.exit_code == 0 and "2024 unlocked" in locked.output
