"""Survey exports as field teams really hand them over: ODK Central's .zip, Kobo CSVs re-saved
by Spanish Excel, one RUT spelt two ways. Files written by code, never downloaded."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from asocia.diagnosis import store
from asocia.diagnosis.loader import get_instrument, load_instruments
from asocia.diagnosis.sample_exports import kobo_csv, odk_central_csv, sample_submissions
from asocia.diagnosis.submissions import parse_export
from tests.conftest import Web
from tests.diagnosis.conftest import add_cooperatives

FULL = get_instrument("diagnostico-cooperativo", "1")
INSTRUMENTS = load_instruments()
ACTOR = store.Actor(user_id=None, username="test")
COOPS = ["76123456-7", "reg-204"]
runner = CliRunner()


def odk_zip(main_csv: str) -> bytes:
    """ODK Central's "all data" download: the submissions' CSV and one CSV per repeat group."""
    keys = [row[-1] for row in csv.reader(io.StringIO(main_csv))][1:]
    repeat = io.StringIO()
    writer = csv.writer(repeat)
    writer.writerow(["visita-persona", "PARENT_KEY", "KEY"])
    for n, key in enumerate(keys):
        writer.writerow([f"persona {n}", key, f"{key}/visita[1]"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("diagnostico-cooperativo-visita.csv", repeat.getvalue())
        archive.writestr("diagnostico-cooperativo.csv", main_csv)
    return buffer.getvalue()


_ISO_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):\d{2}(?:\.\d+)?(?:[-+]\d{2}:\d{2})?$"
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def resaved_by_spanish_excel(text: str) -> list[list[str]]:
    """What Spanish Excel writes when it saves a Kobo CSV again: ``26-06-2025`` dates,
    ``26-06-2025 10:15`` times, decimal commas, ``;`` between fields."""
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    out = []
    for row in rows:
        cells = []
        for cell in row:
            if m := _ISO_DATETIME.match(cell):
                cell = f"{m[3]}-{m[2]}-{m[1]} {m[4]}:{m[5]}"
            elif m := _ISO_DATE.match(cell):
                cell = f"{m[3]}-{m[2]}-{m[1]}"
            elif _DECIMAL.match(cell):
                cell = cell.replace(".", ",")
            elif " " in cell and all(_DECIMAL.match(p) for p in cell.split()):
                cell = " ".join(p.replace(".", ",") for p in cell.split())
            cells.append(cell)
        out.append(cells)
    return out


def _csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def test_odk_central_zip_is_read() -> None:
    subs = sample_submissions(FULL, COOPS, 12, seed=4)
    data = odk_zip(odk_central_csv(FULL, subs))
    export = parse_export(data, "diagnostico-cooperativo.zip", INSTRUMENTS)
    assert export.dialect == "odk-central" and len(export.submissions) == 12
    for parsed, original in zip(export.submissions, subs, strict=True):
        assert parsed.problems == []
        assert parsed.answers == original.answers


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_kobo_csv_resaved_by_spanish_excel(encoding: str) -> None:
    subs = sample_submissions(FULL, COOPS, 10, seed=9)
    rows = resaved_by_spanish_excel(kobo_csv(FULL, subs))
    assert any("," in c and c.replace(",", "").lstrip("-").isdigit() for r in rows for c in r)
    data = _csv_bytes(rows, encoding)
    export = parse_export(data, "kobo.csv", INSTRUMENTS)
    assert len(export.submissions) == 10
    for parsed, original in zip(export.submissions, subs, strict=True):
        assert parsed.problems == [], parsed.problems
        assert parsed.diagnosis_date == original.diagnosis_date
        assert parsed.answers == original.answers
        assert parsed.location == pytest.approx(original.location, abs=1e-6)
        assert parsed.submitted_at is not None
        assert parsed.submitted_at.date() == original.submitted_at.date()


def test_two_spellings_of_one_rut_both_resolve(db: Database) -> None:
    ((coop_id, tax_id),) = add_cooperatives(db, 1)
    body, check = tax_id.split("-")
    dotted = f"{int(body):,}".replace(",", ".") + f"-{check.upper()}"
    subs = sample_submissions(FULL, [dotted, tax_id.lower()], 4, seed=2)
    export = parse_export(odk_central_csv(FULL, subs).encode(), "odk.csv", INSTRUMENTS)
    with db.session() as session:
        summary = store.import_submissions(session, export, INSTRUMENTS, ACTOR)
    assert (summary.created, summary.rejected) == (4, 0), summary.problems
    with db.session() as session:
        found = store.resolve_cooperatives(session, [dotted, tax_id.lower(), "74.167.324-K"])
    assert found[dotted] == found[tax_id.lower()] == coop_id


def test_resolution_does_not_depend_on_the_hash_seed(sqlite_db: Database) -> None:
    add_cooperatives(sqlite_db, 1, offset=67)
    script = (
        "import json, sys\n"
        "from asocia.db import Database\n"
        "from asocia.diagnosis.store import resolve_cooperatives\n"
        f"db = Database({sqlite_db.url!r})\n"
        "with db.session() as s:\n"
        "    names = ['76.100.067-' + sys.argv[1], '76100067-' + sys.argv[1].lower()]\n"
        "    print(json.dumps(resolve_cooperatives(s, names), sort_keys=True))\n"
    )
    from tests.diagnosis.conftest import rut

    check = rut(76_100_067).split("-")[1]
    outputs = set()
    for seed in ("0", "1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", script, check],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert len(outputs.pop().split(":")) == 3  # both spellings resolved


def test_odk_zip_from_the_cli(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", sqlite_db.url)
    coops = add_cooperatives(sqlite_db, 3)
    subs = sample_submissions(FULL, [tax for _, tax in coops], 5, seed=1)
    path = tmp_path / "diagnostico-cooperativo.zip"
    path.write_bytes(odk_zip(odk_central_csv(FULL, subs)))
    result = runner.invoke(app, ["diagnosis", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"created": 5' in result.stdout
    kobo = tmp_path / "kobo.csv"
    kobo.write_bytes(_csv_bytes(resaved_by_spanish_excel(kobo_csv(FULL, subs)), "cp1252"))
    again = runner.invoke(app, ["diagnosis", "import", str(kobo), "--json"])
    assert again.exit_code == 0, again.output
    assert '"rejected": 0' in again.stdout


def test_odk_zip_and_excel_kobo_csv_from_the_web(web: Web) -> None:
    from tests.diagnosis.conftest import rut

    taxes = [rut(78000000 + i) for i in range(3)]
    for tax in taxes:
        web.make_cooperative(tax_id=tax)
    subs = sample_submissions(FULL, taxes, 3, seed=6)
    analyst = web.login_as("analyst")
    page = analyst.post(
        "/diagnosis/import",
        files={"file": ("export.zip", odk_zip(odk_central_csv(FULL, subs)), "application/zip")},
        data={"csrf_token": web.csrf(analyst)},
    )
    assert page.status_code == 200 and "Rechazados: 0" in page.text, page.text
    kobo = _csv_bytes(resaved_by_spanish_excel(kobo_csv(FULL, subs)), "cp1252")
    again = analyst.post(
        "/api/v1/diagnoses/import",
        files={"file": ("kobo.csv", kobo)},
        headers={"X-CSRF-Token": web.csrf(analyst)},
    ).json()
    assert again["rejected"] == 0, again
