"""``asocia registry`` and ``asocia demo`` through the CLI runner, on the configured database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from tests.registry.conftest import Files, row

runner = CliRunner()


@pytest.fixture
def env(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv(
        "ASOCIA_DATABASE_URL",
        db.url if db.dialect == "sqlite" else db.engine.url.render_as_string(hide_password=False),
    )
    return db


def test_import_prints_the_summary_as_json_and_exits_0(env: Database, files: Files) -> None:
    path = files.csv([row(), row(rut="1-2", name="Mala")])
    result = runner.invoke(app, ["registry", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {
        k: summary[k] for k in ("read", "created", "updated", "unchanged", "rejected", "flagged")
    } == {"read": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1, "flagged": 0}
    again = json.loads(runner.invoke(app, ["registry", "import", str(path), "--json"]).stdout)
    assert (again["created"], again["unchanged"]) == (0, 1)


def test_unreadable_file_exits_2_with_one_line(env: Database, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("")
    result = runner.invoke(app, ["registry", "import", str(path)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "empty" in result.stderr


def test_report_dry_run_and_mapping(env: Database, files: Files, tmp_path: Path) -> None:
    path = files.csv(
        [["76.086.428-5", "Coop Uno", "azul"], ["1-2", "Coop Dos", "rojo"]],
        header=["Código", "Nombre Coop.", "Color"],
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text('columns:\n  "Código": tax_id\n  "Nombre Coop.": legal_name\n')
    report = tmp_path / "report.csv"
    result = runner.invoke(
        app,
        [
            "registry",
            "import",
            str(path),
            "--mapping",
            str(mapping),
            "--dry-run",
            "--report",
            str(report),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 1
    assert "line,column,value,reason,outcome" in report.read_text()
    assert "3,Código,1-2" in report.read_text()
    listed = json.loads(runner.invoke(app, ["registry", "list", "--json"]).stdout)
    assert listed["items"] == []


def test_list_show_export_duplicates_merge(env: Database, files: Files, tmp_path: Path) -> None:
    runner.invoke(
        app,
        [
            "registry",
            "import",
            str(files.csv([row(), row(rut="65.000.012-9", name="Cooperativa Agricola La Union")])),
        ],
    )
    listed = json.loads(
        runner.invoke(app, ["registry", "list", "--json", "--comuna", "16101"]).stdout
    )
    assert listed["count"] == 2
    first = listed["items"][0]["id"]
    shown = json.loads(runner.invoke(app, ["registry", "show", str(first), "--json"]).stdout)
    assert shown["legal_name"].startswith("Cooperativa Agr")
    candidates = json.loads(runner.invoke(app, ["registry", "duplicates", "--json"]).stdout)
    assert len(candidates) == 1
    pair = candidates[0]
    merged = runner.invoke(
        app, ["registry", "merge", str(pair["first_id"]), str(pair["second_id"]), "--json"]
    )
    assert merged.exit_code == 0, merged.output
    out = tmp_path / "public.csv"
    exported = runner.invoke(app, ["registry", "export", "--out", str(out), "--public"])
    assert exported.exit_code == 0 and "1 cooperatives" in exported.stdout
    assert "contacto@launion.cl" not in out.read_text()
    assert runner.invoke(app, ["registry", "merge", "1", "1"]).exit_code == 2


def test_demo_loads_once_and_writes_files(env: Database, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--cooperatives", "200", "--seed", "5", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["written"] == 200
    again = runner.invoke(app, ["demo", "--cooperatives", "200", "--if-empty", "--json"])
    assert json.loads(again.stdout)["written"] == 0
    out = tmp_path / "files"
    written = runner.invoke(
        app,
        ["demo", "files", "--cooperatives", "150", "--out", str(out), "--format", "csv", "--json"],
    )
    assert written.exit_code == 0, written.output
    manifest = json.loads(written.stdout)
    imported = json.loads(
        runner.invoke(
            app, ["registry", "import", str(out / "registro_cooperativas.csv"), "--json"]
        ).stdout
    )
    assert imported["rejected"] == manifest["expected"]["rejected"]
    assert imported["flagged"] == manifest["expected"]["flagged"]
