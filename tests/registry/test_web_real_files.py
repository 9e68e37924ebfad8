"""The import wizard on every accepted format, and the correction queue page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from asocia.registry.importer import import_file
from tests.conftest import Web
from tests.registry.real_files import daes_panel, rut
from tests.registry.test_web import _wait_for_job

HEADER = ["RUT", "Razón Social", "N° Socios", "Comuna"]
ROWS = [
    [rut(76086428), "Cooperativa Uno", "12", "Chillán"],
    [rut(65000012), "Cooperativa Dos", "30", "Ninhue"],
    [rut(70000123), "Cooperativa Tres", "7", "Santiago"],
]


def _write(path: Path) -> Path:
    suffix = path.suffix
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(HEADER)
        for r in ROWS:
            sheet.append(r)
        workbook.save(path)
    elif suffix in (".ndjson", ".jsonl", ".json"):
        path.write_text(
            "".join(json.dumps(dict(zip(HEADER, r, strict=True))) + "\n" for r in ROWS), "utf-8"
        )
    else:
        delimiter = {".tsv": "\t", ".txt": "\t", ".csv": ";"}[suffix]
        lines = [delimiter.join(HEADER)] + [delimiter.join(r) for r in ROWS]
        path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _through_the_wizard(web: Web, path: Path) -> tuple[Any, str, str]:
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    uploaded = analyst.post(
        "/registry/import",
        data={"csrf_token": token},
        files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    return analyst, token, uploaded.headers["location"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".ndjson", ".jsonl"])
def test_every_accepted_format_through_the_web(web: Web, tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path / f"registro{suffix}")
    analyst, token, preview_url = _through_the_wizard(web, path)
    preview = analyst.get(preview_url)
    assert preview.status_code == 200
    assert "Razón Social" in preview.text and "Cooperativa Dos" in preview.text
    report = analyst.post(f"{preview_url}/validate", data={"csrf_token": token, "country": "CL"})
    assert report.status_code == 200, report.text
    assert 'data-key="created">3<' in report.text and 'data-key="rejected">0<' in report.text
    mapping = report.text.split('name="mapping" value="')[1].split('"')[0]
    confirmed = analyst.post(
        f"{preview_url}/confirm",
        data={"csrf_token": token, "mapping": mapping.replace("&#34;", '"')},
        follow_redirects=False,
    )
    status = _wait_for_job(analyst, confirmed.headers["location"])
    assert status["status"] == "done", status
    assert status["result"]["created"] == 3


def test_no_confirm_when_no_row_is_accepted(web: Web, tmp_path: Path) -> None:
    path = tmp_path / "malo.csv"
    path.write_text("RUT;Razón Social\n1-2;Coop Mala\n;\n", "utf-8")
    analyst, token, preview_url = _through_the_wizard(web, path)
    report = analyst.post(f"{preview_url}/validate", data={"csrf_token": token})
    assert report.status_code == 200
    assert 'data-testid="nothing-to-import"' in report.text
    assert 'data-testid="confirm"' not in report.text


def test_correction_queue_page(web: Web, tmp_path: Path) -> None:
    path = tmp_path / "daes.xlsx"
    panel = daes_panel(path, 40)
    import_file(web.db, path)
    analyst = web.login_as("analyst")
    page = analyst.get("/registry/corrections")
    assert page.status_code == 200
    assert 'data-testid="corrections"' in page.text
    assert "se conserva por su número de registro" in page.text  # reasons in Spanish
    assert "/edit" in page.text
    shifted = analyst.get("/registry/corrections", params={"code": "shifted_row"})
    assert shifted.text.count("/edit") == len(panel.shifted_lines)
    assert "parece desplazada" in shifted.text
    run_id = analyst.get("/api/v1/registry/imports").json()[0]["id"]
    run_page = analyst.get(f"/registry/imports/{run_id}")
    assert f"/registry/corrections?run={run_id}" in run_page.text
    of_run = analyst.get("/registry/corrections", params={"run": run_id})
    assert of_run.text.count("/edit") == page.text.count("/edit")
    assert analyst.get("/registry/corrections", params={"run": run_id + 1}).text.count("/edit") == 0
