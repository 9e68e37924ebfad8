"""The CLI speaks Spanish by default with Chilean number formats; English on request.

The suite's conftest sets ``LANGUAGE=en`` for the capabilities' tests; these tests give each
run its own locale (``None`` removes a variable for that run).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asocia.cli import common
from asocia.cli.main import app

runner = CliRunner()
NO_LOCALE: dict[str, str | None] = {
    "LANGUAGE": None,
    "LC_ALL": None,
    "LC_MESSAGES": None,
    "LANG": None,
    "ASOCIA_DEFAULT_LANGUAGE": None,
}
SPANISH_THOUSANDS = re.compile(r"\b[1-9]\d{0,2}(?:\.\d{3})+\b")
ENGLISH_THOUSANDS = re.compile(r"\b[1-9]\d{0,2}(?:,\d{3})+\b")


def invoke(args: list[str], **env: str | None) -> str:
    result = runner.invoke(app, args, env={**NO_LOCALE, **env})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A registry of 400 synthetic co-ops with a few diagnoses (shared by the module)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('lang') / 'demo.db'}"
    env = {**NO_LOCALE, "ASOCIA_DATABASE_URL": url}
    for args in (
        ["db", "upgrade"],
        ["demo", "--cooperatives", "400", "--seed", "2"],
        ["diagnosis", "demo", "--count", "6", "--seed", "1"],
    ):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
    return url


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "es"),
        ({"LANG": "C.UTF-8"}, "es"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "es_CL.UTF-8"}, "es"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "es_CL.UTF-8"}, "en"),
        ({"LANGUAGE": "fr:en", "LANG": "es_CL.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "es"),
        ({"ASOCIA_DEFAULT_LANGUAGE": "en"}, "en"),
        ({"LANG": "es_CL.UTF-8", "ASOCIA_DEFAULT_LANGUAGE": "en"}, "es"),
    ],
)
def test_language_from_the_environment(environ: dict[str, str], expected: str) -> None:
    assert common.language_from_environment(environ) == expected


def test_summary_is_spanish_with_chilean_numbers_by_default(demo_db: str) -> None:
    text = invoke(["stats", "summary"], ASOCIA_DATABASE_URL=demo_db)
    assert "Cooperativas" in text and "indicador" in text
    assert SPANISH_THOUSANDS.search(text), text
    assert re.search(r"\b\d+,\d %", text), text
    assert not ENGLISH_THOUSANDS.search(text)
    assert not re.search(r"\b\d+\.\d %", text)


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--lang", "en", "stats", "summary"], {}),
        (["stats", "summary", "--lang", "en"], {}),
        (["stats", "summary"], {"LANG": "en_US.UTF-8"}),
        (["stats", "summary"], {"ASOCIA_DEFAULT_LANGUAGE": "en"}),
    ],
)
def test_english_on_request(demo_db: str, args: list[str], env: dict[str, str]) -> None:
    text = invoke(args, ASOCIA_DATABASE_URL=demo_db, **env)
    assert "Cooperatives" in text and "indicator" in text
    assert ENGLISH_THOUSANDS.search(text), text
    assert re.search(r"\b\d+\.\d %", text), text
    assert not SPANISH_THOUSANDS.search(text)


def test_machine_output_keeps_plain_numbers(demo_db: str) -> None:
    data = json.loads(invoke(["stats", "summary", "--json"], ASOCIA_DATABASE_URL=demo_db))
    assert isinstance(data["members"], int) and data["members"] > 1000
    assert isinstance(data["women_share"], float) and 0 < data["women_share"] < 1
    csv_text = invoke(
        ["stats", "crosstab", "region", "-m", "members", "--csv"], ASOCIA_DATABASE_URL=demo_db
    )
    total = csv_text.strip().splitlines()[-1].split(",")
    assert re.fullmatch(r"\d{4,}", total[-2]) or re.fullmatch(r"\d{4,}", total[-1]), total


def test_diagnosis_lights_and_statuses_are_labels(demo_db: str) -> None:
    listed = json.loads(invoke(["diagnosis", "list", "--json"], ASOCIA_DATABASE_URL=demo_db))
    first = str(listed[0]["id"])
    spanish = invoke(["diagnosis", "show", first], ASOCIA_DATABASE_URL=demo_db)
    english = invoke(["--lang", "en", "diagnosis", "show", first], ASOCIA_DATABASE_URL=demo_db)
    for text in (spanish, english):
        assert "[" not in text
        assert "insufficient_data" not in text and "in_progress" not in text
    assert re.search(r"\((verde|amarillo|rojo|datos insuficientes)\)", spanish)
    assert re.search(r"\((green|yellow|red|insufficient data)\)", english)
    assert re.search(r"\d+,\d %", spanish) and re.search(r"\d+\.\d %", english)
    if "Plan de acción:" in spanish:
        assert "(pending)" not in spanish
        assert re.search(r"\((pendiente|en curso|terminada|descartada)\)", spanish)
    table = invoke(["diagnosis", "list"], ASOCIA_DATABASE_URL=demo_db)
    assert re.search(r"verde|amarillo|rojo|datos insuficientes", table)
    assert "insufficient_data" not in table
    assert re.search("Borrador|Enviado", table)


def test_piped_output_is_not_wrapped(demo_db: str) -> None:
    """CliRunner's stdout is no terminal: a table wider than 80 columns stays one line a row."""
    text = invoke(
        ["stats", "crosstab", "region", "legal_class", "-m", "members"],
        ASOCIA_DATABASE_URL=demo_db,
    )
    lines = [line for line in text.splitlines() if line.strip()]
    body = [line for line in lines if line.startswith("│")]
    assert max(len(line) for line in lines) > 80
    assert body and all(line.rstrip().endswith("│") for line in body)
    assert len({len(line) for line in body}) == 1


def test_errors_are_spanish_too(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["registry", "export", "--out", str(tmp_path / "no" / "x.csv")],
        env={**NO_LOCALE, "ASOCIA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no se puede escribir")


def test_registry_show_formats_quantities_not_codes(demo_db: str) -> None:
    items = json.loads(
        invoke(["registry", "list", "--json", "--limit", "50"], ASOCIA_DATABASE_URL=demo_db)
    )["items"]
    for item in items:
        data = json.loads(
            invoke(["registry", "show", str(item["id"]), "--json"], ASOCIA_DATABASE_URL=demo_db)
        )
        if (data.get("sales_amount") or 0) >= 1000 and (data.get("comuna_code") or 0) >= 1000:
            break
    else:
        pytest.skip("no cooperative with sales and a comuna in the sample")
    text = invoke(["registry", "show", str(data["id"])], ASOCIA_DATABASE_URL=demo_db)
    assert re.search(r"^sales_amount: [1-9]\d{0,2}(\.\d{3})+,\d\d$", text, re.M), text
    assert f"comuna_code: {data['comuna_code']}\n" in text
    assert f"sales_year: {data['sales_year']}\n" in text or not data.get("sales_year")


def test_database_problems_are_spanish_too(tmp_path: Path) -> None:
    unreachable = runner.invoke(
        app,
        ["users", "list"],
        env={**NO_LOCALE, "ASOCIA_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )
    assert unreachable.exit_code == 2
    assert unreachable.stderr.startswith("error: no se puede conectar con la base de datos")
    stale = runner.invoke(
        app,
        ["users", "list"],
        env={**NO_LOCALE, "ASOCIA_DATABASE_URL": f"sqlite:///{tmp_path}/n.db"},
    )
    assert stale.exit_code == 2
    assert "revisión de esquema vacía" in stale.stderr and "`asocia db upgrade`" in stale.stderr


@pytest.mark.parametrize(
    ("args", "spanish", "english"),
    [
        (["nada"], "error: no existe el comando nada", "error: no such command: nada"),
        (
            ["users", "list", "uno", "dos"],
            "error: argumentos de más: uno dos",
            "error: unexpected extra argument(s): uno dos",
        ),
        (
            ["registry", "list", "--limit"],
            "error: la opción --limit necesita un valor",
            "error: option --limit needs a value",
        ),
        (
            ["registry", "list", "--json=3"],
            "error: la opción --json no lleva valor",
            "error: option --json takes no value",
        ),
    ],
)
def test_click_usage_errors_speak_the_cli_language(
    args: list[str], spanish: str, english: str
) -> None:
    es = runner.invoke(app, args, env=NO_LOCALE)
    en = runner.invoke(app, ["--lang", "en", *args], env=NO_LOCALE)
    assert es.exit_code == en.exit_code == 2, (es.output, en.output)
    assert es.stderr.startswith(spanish), es.stderr
    assert en.stderr.startswith(english), en.stderr
