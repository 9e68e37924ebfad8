"""The errors of ``strategy``, ``indicators``, ``sessions``, ``partnerships`` and ``programmes``
read in Spanish by default and in English with ``--lang en``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from asocia.cli.main import app
from tests.cli.test_language import NO_LOCALE
from tests.web.test_spanish import ENGLISH, WORD

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("errfiles")
    (folder / "broken.xml").write_bytes(b"<iati-activities>")
    (folder / "values.csv").write_text("indicador,periodo\nX,2021\n", encoding="utf-8")
    (folder / "catalogue.yaml").write_text("instruments: 5\n", encoding="utf-8")
    (folder / "uptake.csv").write_text("servicio,año\nINDAP,2023\n", encoding="utf-8")
    return folder


# (arguments, what the Spanish error says, what the English one says)
CASES = [
    (["strategy", "add-action", "Z1", "--title", "t", "--due", "mañana"],
     "plazo: 'mañana' no es una fecha", "due_on: 'mañana' is not a date"),
    (["strategy", "add-action", "Z1", "--title", "t", "--plan", "nada"],
     "plan: código desconocido 'nada'", "plan: unknown code 'nada'"),
    (["indicators", "status", "--period", "2021-13"],
     "período: '2021-13': el mes 13 no existe", "period: '2021-13': month 13 does not exist"),
    (["indicators", "series", "NADA"],
     "indicador: código desconocido 'NADA'", "indicator: unknown code 'NADA'"),
    (["indicators", "values", "import", "{files}/values.csv"],
     "línea 1: faltan columnas: indicator, period, kind",
     "line 1: missing column(s) indicator, period, kind"),
    (["sessions", "show", "9999"], "la sesión 9999 no existe", "session 9999 does not exist"),
    (["partnerships", "import-iati", "{files}/broken.xml"],
     "línea 1, columna 18: XML mal formado", "line 1, column 18: not well-formed XML"),
    (["programmes", "matrix", "--by", "nada"],
     "eje desconocido 'nada'", "unknown axis 'nada'"),
    (["programmes", "import", "{files}/catalogue.yaml"],
     "fila 0: se espera una lista de instrumentos", "row 0: expected a list of instruments"),
    (["programmes", "uptake", "import", "{files}/uptake.csv"],
     "uptake.csv: no hay columna de RUT", "uptake.csv: no RUT column"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "spanish", "english"), CASES, ids=[" ".join(c[0][:3]) for c in CASES]
)
def test_domain_errors_speak_the_cli_language(
    seeded_db: str, files: Path, args: list[str], spanish: str, english: str
) -> None:
    args = [a.replace("{files}", str(files)) for a in args]
    env = {**NO_LOCALE, "ASOCIA_DATABASE_URL": seeded_db}
    es = runner.invoke(app, args, env=env)
    en = runner.invoke(app, ["--lang", "en", *args], env=env)
    assert es.exit_code == en.exit_code and es.exit_code in (1, 2), (es.output, en.output)
    assert es.stderr.startswith("error: "), es.stderr
    assert spanish in es.output, es.output
    assert english in en.output, en.output
    message = es.output.replace("error:", " ")
    for value in (str(files), "mañana", "nada", "NADA", "uptake", "broken", "values", "csv"):
        message = message.replace(value, " ")  # values inside messages stay as given
    assert not [w for w in WORD.findall(message) if w.lower() in ENGLISH], es.stderr


def test_sessions_list_shows_the_body_label(seeded_db: str) -> None:
    env = {**NO_LOCALE, "ASOCIA_DATABASE_URL": seeded_db}
    spanish = runner.invoke(app, ["sessions", "list"], env=env)
    english = runner.invoke(app, ["--lang", "en", "sessions", "list"], env=env)
    assert "Consejo Asesor" in spanish.stdout and "council" not in spanish.stdout
    assert "Advisory Council" in english.stdout
