"""The capability command groups speak Spanish by default with Chilean numbers; English on request.

``programmes``, ``strategy``, ``sessions``, ``indicators`` and ``partnerships`` read the seeded
catalogue, strategy, indicators and projects of a fresh database. Like test_language.py, each
run gets its own locale (the suite's conftest sets ``LANGUAGE=en``).
"""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from asocia.cli.main import app
from tests.cli.test_language import ENGLISH_THOUSANDS, NO_LOCALE, SPANISH_THOUSANDS

runner = CliRunner()


def run(url: str, args: list[str], **env: str | None) -> str:
    result = runner.invoke(app, args, env={**NO_LOCALE, "ASOCIA_DATABASE_URL": url, **env})
    assert result.exit_code == 0, result.output
    return result.stdout


def both(url: str, args: list[str]) -> tuple[str, str]:
    """The output of ``args`` by default (Spanish) and with ``--lang en``."""
    return run(url, args), run(url, ["--lang", "en", *args])


def test_programmes_list(seeded_db: str) -> None:
    spanish, english = both(seeded_db, ["programmes", "list"])
    assert "institución" in spanish and "etapas" in spanish and "Asociativo" in spanish
    assert "agency" not in spanish and "stages" not in spanish
    assert "agency" in english and "stages" in english and "Associative" in english
    assert "institución" not in english


def test_programmes_series_in_chilean_formats(seeded_db: str) -> None:
    spanish, english = both(seeded_db, ["programmes", "series", "indap-pae"])
    assert "presupuesto (CLP)" in spanish and "1.980.000.000" in spanish
    assert "presupuesto +80,5 %" in spanish and "beneficiarios +56,0 %" in spanish
    assert "TCAC" in spanish and "CAGR" not in spanish
    assert "budget (CLP)" in english and "1,980,000,000" in english
    assert "budget +80.5 %" in english and "beneficiaries +56.0 %" in english
    data = json.loads(run(seeded_db, ["programmes", "series", "indap-pae", "--json"]))
    assert 1_900_000_000 < data["budget_clp"][-1] < 2_100_000_000
    assert round(data["budget_growth"], 3) == 0.805


def test_programmes_errors_are_translated(seeded_db: str) -> None:
    env = {**NO_LOCALE, "ASOCIA_DATABASE_URL": seeded_db}
    spanish = runner.invoke(app, ["programmes", "show", "nada"], env=env)
    english = runner.invoke(app, ["--lang", "en", "programmes", "show", "nada"], env=env)
    assert spanish.exit_code == english.exit_code == 2
    assert "no hay un instrumento 'nada'" in spanish.output
    assert "no instrument 'nada'" in english.output


def test_strategy_show(seeded_db: str) -> None:
    spanish, english = both(seeded_db, ["strategy", "show"])
    assert "Visión: " in spanish and "Valores: " in spanish
    assert "Vision: " in english and "Values: " in english and "Visión" not in english


def test_indicators_status_and_series(seeded_db: str) -> None:
    spanish, english = both(seeded_db, ["indicators", "status"])
    assert "Línea base" in spanish and "Meta" in spanish and "Sin meta" in spanish
    assert "Baseline" in english and "Target" in english and "No target" in english
    assert SPANISH_THOUSANDS.search(spanish) and not ENGLISH_THOUSANDS.search(spanish)
    assert ENGLISH_THOUSANDS.search(english) and not SPANISH_THOUSANDS.search(english)
    spanish, english = both(seeded_db, ["indicators", "series", "PAE_PRESUPUESTO"])
    assert "2021: 1.980" in spanish and re.search(r"variación \+\d+ %, TCAC \d+,\d %", spanish)
    assert "2021: 1,980" in english and re.search(r"growth \+\d+ %, CAGR \d+\.\d %", english)
    rows = json.loads(run(seeded_db, ["indicators", "status", "--json"]))
    assert any(isinstance(r["actual"], (int, float)) and r["actual"] > 1000 for r in rows)


def test_partnerships_projects(seeded_db: str) -> None:
    spanish, english = both(seeded_db, ["partnerships", "projects"])
    assert "Proyecto" in spanish and "Países" in spanish and "Término" in spanish
    assert "Project" in english and "Countries" in english and "End date" in english
    assert "Proyecto" not in english


def test_sessions_list(seeded_db: str) -> None:
    spanish, english = both(seeded_db, ["sessions", "list"])
    assert "Fecha" in spanish and "Acuerdos" in spanish
    assert "Date" in english and "Agreements" in english
