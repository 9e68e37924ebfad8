"""Partnership pages, API and CLI (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from tests.conftest import Web

SAMPLE_PATH = Path(__file__).parent / "data" / "activities.xml"
runner = CliRunner()


def test_public_pages_and_exports(web: Web) -> None:
    page = web.client.get("/partnerships")
    assert page.status_code == 200
    assert "Quién trabaja dónde" in page.text and "Bolivia" in page.text
    assert "PANSEH" in page.text
    filtered = web.client.get("/partnerships?country=PE")
    assert "Sustainable Crop Diversification" in filtered.text and "PANSEH" not in filtered.text
    xml = web.client.get("/partnerships/export.xml?country=HN")
    assert xml.status_code == 200 and xml.content.count(b"<iati-activity>") == 1
    csv_text = web.client.get("/partnerships/export.csv").text
    assert csv_text.splitlines()[0].startswith("iati_identifier,title,countries")
    where = web.client.get("/api/v1/partnerships/where").json()
    assert {"country": "BO", "projects": 2}.items() <= where[0].items()


def test_staff_import_and_link_a_cooperative(web: Web) -> None:
    client = web.login_as("analyst")
    token = web.csrf(client)
    response = client.post(
        "/partnerships/import",
        data={"country": "bo", "sector": "31194", "csrf_token": token},
        files={"file": ("a.xml", SAMPLE_PATH.read_bytes())},
    )
    assert response.status_code == 200 and 'data-testid="import-result"' in response.text
    projects = client.get("/api/v1/partnerships/projects?country=BO&sector=31194").json()
    imported = next(p for p in projects if p["source"] == "iati")
    coop = web.make_cooperative(region_code=13)
    linked = client.post(
        f"/partnerships/projects/{imported['id']}/cooperatives",
        data={"cooperative_id": str(coop), "csrf_token": token},
    )
    assert linked.status_code == 303
    page = client.get(f"/partnerships/projects/{imported['id']}")
    assert 'data-testid="coops-reached">1<' in page.text
    assert "financiadora" in page.text  # IATI role 1, in Spanish
    bad = client.post(
        "/api/v1/partnerships/import-iati",
        files={"file": ("a.xml", b"<iati-activities>")},
        headers={"X-CSRF-Token": token},
    )
    assert bad.status_code == 422 and "not well-formed XML" in bad.json()["detail"]


@pytest.fixture
def env(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", db.url)
    return db


def test_cli_projects_import_export(env: Database, tmp_path: Path) -> None:
    result = runner.invoke(app, ["partnerships", "projects", "--country", "CO", "--json"])
    assert result.exit_code == 0, result.output
    assert [p["title"][-7:] for p in json.loads(result.output)] == ["(PASAC)"]
    result = runner.invoke(
        app, ["partnerships", "import-iati", str(SAMPLE_PATH), "--country", "PE", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["created"] == 1
    broken = tmp_path / "broken.xml"
    broken.write_text("<iati-activities>\n<iati-activity>")
    result = runner.invoke(app, ["partnerships", "import-iati", str(broken)])
    assert result.exit_code == 2 and "line 2, column" in result.output
    out = tmp_path / "out.xml"
    result = runner.invoke(app, ["partnerships", "export", "--out", str(out)])
    assert result.exit_code == 0 and out.read_bytes().count(b"<iati-activity>") == 10
