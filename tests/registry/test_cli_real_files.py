"""CLI on real files and on mistakes: one line, a documented exit code, and every problem kept."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from asocia.registry import importer
from tests.registry.real_files import daes_panel

runner = CliRunner()


@pytest.fixture
def env(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv(
        "ASOCIA_DATABASE_URL",
        db.url if db.dialect == "sqlite" else db.engine.url.render_as_string(hide_password=False),
    )
    return db


def _one_line(result: object) -> str:
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    return lines[0]


def test_export_into_a_missing_directory_is_one_line(env: Database) -> None:
    result = runner.invoke(app, ["registry", "export", "--out", "/no/such/dir/x.csv"])
    assert result.exit_code == 2
    assert "the folder /no/such/dir does not exist" in _one_line(result)


def test_demo_refuses_a_non_empty_registry_and_sizes_out_of_range(env: Database) -> None:
    assert runner.invoke(app, ["demo", "--cooperatives", "100"]).exit_code == 0
    again = runner.invoke(app, ["demo", "--cooperatives", "200"])
    assert again.exit_code == 2 and "already holds 100 cooperatives" in _one_line(again)
    small = runner.invoke(app, ["demo", "--cooperatives", "5"])
    assert small.exit_code == 2 and "must be from 100 to 1,000,000" in _one_line(small)
    files = runner.invoke(app, ["demo", "files", "--cooperatives", "5", "--out", "/tmp/x"])
    assert files.exit_code == 2 and "must be from 100" in _one_line(files)


def test_demo_files_are_the_demo_database(env: Database, tmp_path: Path) -> None:
    assert runner.invoke(app, ["demo", "--cooperatives", "300", "--seed", "3"]).exit_code == 0
    out = tmp_path / "files"
    written = runner.invoke(
        app,
        ["demo", "files", "--cooperatives", "300", "--seed", "3", "--out", str(out),
         "--format", "csv", "--json"],
    )  # fmt: skip
    manifest = json.loads(written.stdout)
    result = runner.invoke(
        app, ["registry", "import", str(out / "registro_cooperativas.csv"), "--json"]
    )
    summary = json.loads(result.stdout)
    # The same co-ops: nothing new; only the deliberately broken rows differ.
    assert summary["created"] == 0
    assert summary["rejected"] == manifest["expected"]["rejected"]
    broken = sum(manifest["broken"].values())
    assert summary["unchanged"] >= 300 - broken
    assert summary["unchanged"] + summary["updated"] + summary["rejected"] == 300


def test_report_holds_every_problem(
    env: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "PROBLEMS_KEPT", 3)
    path = tmp_path / "many.csv"
    lines = ["RUT;Razón Social;N° Socios"] + [f"1-{i % 9};Coop {i};doce" for i in range(25)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    report = tmp_path / "report.csv"
    result = runner.invoke(app, ["registry", "import", str(path), "--report", str(report)])
    assert result.exit_code == 0, result.output
    with report.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 25 and len(rows) > 3
    assert {r["line"] for r in rows} == {str(n) for n in range(2, 27)}
    missing = runner.invoke(
        app, ["registry", "import", str(path), "--report", "/no/such/dir/r.csv"]
    )
    assert missing.exit_code == 2 and "cannot write the report" in _one_line(missing)


def test_header_row_detected_or_given(env: Database, tmp_path: Path) -> None:
    path = tmp_path / "titled.csv"
    path.write_text(
        "Registro de cooperativas;;\n"
        "Fecha de corte: 30-06-2025;;\n"
        "RUT;Razón Social;N° Socios\n"
        "76.086.428-5;Coop Uno;12\n"
        "TOTAL;;12\n",
        "utf-8",
    )
    detected = json.loads(runner.invoke(app, ["registry", "import", str(path), "--json",
                                              "--dry-run"]).stdout)  # fmt: skip
    assert (detected["read"], detected["created"], detected["rejected"]) == (1, 1, 0)
    given = runner.invoke(app, ["registry", "import", str(path), "--header-row", "3", "--json"])
    summary = json.loads(given.stdout)
    assert (summary["read"], summary["created"]) == (1, 1)
    notes = [p["reason"] for p in summary["problems"]]
    assert any("totals row" in n for n in notes) and sum("banner" in n for n in notes) == 2
    wrong = runner.invoke(app, ["registry", "import", str(path), "--header-row", "40"])
    assert wrong.exit_code == 2 and "no line 40" in _one_line(wrong)


def test_corrections_lists_the_queue(env: Database, tmp_path: Path) -> None:
    path = tmp_path / "daes.xlsx"
    panel = daes_panel(path, 40)
    assert runner.invoke(app, ["registry", "import", str(path)]).exit_code == 0
    result = runner.invoke(app, ["registry", "corrections", "--json"])
    assert result.exit_code == 0, result.output
    queue = json.loads(result.stdout)
    assert queue["count"] == len(panel.invalid_tax_ids) + panel.repeated_tax_ids + len(
        panel.shifted_lines
    )
    only = json.loads(
        runner.invoke(app, ["registry", "corrections", "--code", "shifted_row", "--json"]).stdout
    )
    assert only["count"] == len(panel.shifted_lines)
    text = runner.invoke(app, ["registry", "corrections"])
    assert "open flags" in text.stdout
