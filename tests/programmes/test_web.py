"""Programmes pages and API on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import Web
from tests.programmes.helpers import add_coop, add_diagnosis, rut
from tests.web.test_spanish import english_words

DATA = Path(__file__).parent / "data"


def test_catalogue_pages_in_spanish(web: Web) -> None:
    page = web.client.get("/programmes")
    assert page.status_code == 200
    assert "Programa Asociatividad Económica" in page.text
    assert "Pre-asociativo, Asociativo" in page.text
    filtered = web.client.get("/programmes?purpose=natural_resources")
    assert "Programa Riego Asociativo" in filtered.text and "Gestor Comercial" not in filtered.text
    detail = web.client.get("/programmes/indap-pae")
    assert detail.status_code == 200
    assert "1.980" in detail.text  # MM$ in Chilean format
    assert "80 %" in detail.text and "56 %" in detail.text
    assert "etapa es pre-asociativa" in detail.text  # the rule in words
    assert web.client.get("/programmes/nada").status_code == 404


def test_matrix_page_and_downloads(web: Web) -> None:
    page = web.client.get("/programmes/matrix")
    assert page.status_code == 200 and 'data-testid="gaps"' in page.text
    csv_text = web.client.get("/programmes/matrix?format=csv").text
    assert csv_text.splitlines()[0] == "stage,purpose,instruments,agencies,overlaps,gap"
    xlsx = web.client.get("/programmes/matrix?format=xlsx&by=support_type")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["matrix", "gaps", "overlaps"]
    assert book["matrix"].max_row == 1 + 3 * 4 * 6


def test_api(web: Web) -> None:
    items = web.client.get("/api/v1/programmes").json()
    assert len(items) == 35
    series = web.client.get("/api/v1/programmes/indap-pae/series").json()
    assert (
        round(series["budget_growth"], 2) == 0.8
        and round(series["beneficiaries_growth"], 2) == 0.56
    )
    by_name = web.client.get("/api/v1/programmes/Programa Asociatividad Económica").json()
    assert by_name["code"] == "indap-pae"
    matrix = web.client.get("/api/v1/programmes/matrix").json()
    assert {"cells", "overlaps", "gaps"} <= set(matrix)
    assert web.client.get("/api/v1/programmes/matrix?by=colour").status_code == 400


def test_analyst_edits_retires_and_sees_history(web: Web) -> None:
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    body = {
        "name": "Fondo Regional",
        "agency": "SERCOTEC",
        "stages": ["associative"],
        "regions": [7],
    }
    created = analyst.put(
        "/api/v1/programmes/fondo-regional", json=body, headers={"X-CSRF-Token": token}
    )
    assert created.status_code == 200 and created.json()["regions"] == [7]
    bad = analyst.put("/api/v1/programmes/x", json={"name": "X"}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 422
    assert {p["field"] for p in bad.json()["problems"]} == {"agency", "stages"}
    retired = analyst.post(
        "/programmes/fondo-regional/status", data={"status": "retired", "csrf_token": token}
    )
    assert retired.status_code == 303
    page = analyst.get(retired.headers["location"])
    history = page.text.split('data-testid="history"')[1].split("</table>")[0]
    assert "<td>Retirado</td>" in history and "<td>Creado</td>" in history  # in Spanish
    assert "Fondo Regional" not in web.client.get("/programmes").text
    # The public sees no history.
    assert 'data-testid="history"' not in web.client.get(retired.headers["location"]).text


def test_import_page_reports_problems(web: Web) -> None:
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    bad = b"instruments:\n- {code: a, name: A, agency: FIA, stages: [nobody]}\n"
    response = analyst.post(
        "/programmes/import",
        data={"csrf_token": token},
        files={"file": ("c.yaml", bad, "application/yaml")},
    )
    assert response.status_code == 400
    assert "fila 1, campo stages" in response.text  # a Spanish page
    good = b"instruments:\n- {code: a, name: Nuevo A, agency: FIA, stages: [individual]}\n"
    response = analyst.post(
        "/programmes/import",
        data={"csrf_token": token},
        files={"file": ("c.yaml", good, "application/yaml")},
    )
    assert response.status_code == 303
    assert "Nuevo A" in web.client.get("/programmes").text


def test_recommendations_on_the_coop_page_report_and_api(web: Web) -> None:
    coop = add_coop(
        web.db,
        76_400_001,
        legal_class="campesina",
        rural_class="rural",
        members_total=20,
        legal_status="vigente",
        organisation_type="cooperativa",
    )
    diagnosis = add_diagnosis(web.db, coop)
    field = web.login_as("field")
    page = field.get(f"/registry/{coop}")
    assert 'data-testid="recommendations"' in page.text
    assert "Luz roja en gestión financiera" in page.text
    report = field.get(f"/diagnosis/{diagnosis}")
    assert 'data-testid="recommendations"' in report.text
    pdf = field.get(f"/diagnosis/{diagnosis}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    api = field.get(f"/api/v1/programmes/recommend/{rut(76_400_001)}").json()
    assert api["recommendations"] and api["lights"]["gestion_financiera"] == "red"
    # A coop user sees its own recommendations only.
    own = web.login_as("coop", cooperative_id=coop)
    assert own.get(f"/api/v1/programmes/recommend/{coop}").status_code == 200
    other = add_coop(web.db, 76_400_002)
    assert own.get(f"/api/v1/programmes/recommend/{other}").status_code == 404


def test_uptake_api_and_coverage(web: Web) -> None:
    for body in (76_300_001, 76_300_002, 76_300_003):
        add_coop(web.db, body, region_code=7)
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    content = (DATA / "transferencias_19862.csv").read_bytes()
    dry = analyst.post(
        "/api/v1/programmes/uptake/import",
        data={"dry_run": "true"},
        files={"file": ("t.csv", content, "text/csv")},
        headers={"X-CSRF-Token": token},
    )
    assert dry.status_code == 200 and dry.json()["written"] is False
    done = analyst.post(
        "/api/v1/programmes/uptake/import",
        files={"file": ("t.csv", content, "text/csv")},
        headers={"X-CSRF-Token": token},
    )
    assert done.json()["created"] == 3
    public = web.client.get("/api/v1/programmes/coverage").json()
    # Three co-ops reached: published perturbed by the cell key method, within its bound.
    reached = public["total"]["reached"]
    assert public["suppressed_below"] == 3 and public["max_noise"] >= 1
    assert reached is None or abs(reached - 3) <= public["max_noise"]
    assert web.client.get("/api/v1/programmes/coverage").json() == public
    full = analyst.get("/api/v1/programmes/coverage").json()
    assert full["suppressed_below"] is None
    page = web.client.get("/programmes/coverage")
    assert page.status_code == 200 and "Brecha de focalización" in page.text
    assert "Región del Maule" in page.text


def test_export_downloads(web: Web) -> None:
    hsds = web.client.get("/programmes/export?format=hsds")
    assert hsds.status_code == 200 and len(hsds.json()["services"]) == 35
    assert web.client.get("/programmes/export?format=yaml").text.startswith("version: 1")
    assert web.client.get("/programmes/export?format=doc").status_code == 400
    api = web.client.get("/api/v1/programmes/export?format=csv")
    assert api.status_code == 200 and api.text.startswith("code,name,name_en,agency")


def test_analyst_creates_and_edits_with_the_form(web: Web) -> None:
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    form = {
        "csrf_token": token,
        "code": "fondo-web",
        "name": "Fondo Web",
        "agency": "sercotec",
        "stages": ["associative", "pre_associative"],
        "purposes": ["agribusiness"],
        "regions": "7, 8",
        "eligibility": '{">=": [{"var": "members"}, 5]}',
        "series": '[{"year": 2022, "budget_clp": 1000, "beneficiaries": 4}]',
        "status": "active",
    }
    bad = analyst.post("/programmes/save", data=form | {"eligibility": "{no es json"})
    assert bad.status_code == 400 and "JSON no válido (línea 1, columna 2)" in bad.text
    bad_rule = analyst.post("/programmes/save", data=form | {"eligibility": '{"==": [1, 2]}'})
    assert bad_rule.status_code == 400 and "eligibility" in bad_rule.text
    assert "en ==/0: 1 no es una cláusula (un objeto)" in bad_rule.text
    assert not english_words(bad_rule.text.split("<main", 1)[1]), english_words(bad_rule.text)
    saved = analyst.post("/programmes/save", data=form)
    assert saved.status_code == 303
    page = analyst.get(saved.headers["location"])
    assert "Fondo Web" in page.text and "número de socios es al menos 5" in page.text
    edit = analyst.get(saved.headers["location"] + "/edit")
    assert edit.status_code == 200 and 'value="fondo-web"' in edit.text and "checked" in edit.text
    api = web.client.get("/api/v1/programmes/fondo-web").json()
    assert api["agency"] == "SERCOTEC" and api["regions"] == [7, 8]
    assert api["stages"] == ["associative", "pre_associative"]
    assert analyst.post("/programmes/save", data=form | {"name": "Fondo Web 2"}).status_code == 303
    history = analyst.get(saved.headers["location"]).text
    history = history.split('data-testid="history"')[1].split("</table>")[0]
    assert "<td>Modificado</td>" in history and "<td>Creado</td>" in history


def test_uptake_page_reports_and_writes_nothing_on_problems(web: Web) -> None:
    add_coop(web.db, 76_300_001)
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    content = (DATA / "transferencias_19862.csv").read_bytes()
    response = analyst.post(
        "/programmes/uptake",
        data={"csrf_token": token},
        files={"file": ("t.csv", content, "text/csv")},
    )
    assert response.status_code == 400
    assert 'data-key="rejected">2<' in response.text
    assert "ninguna cooperativa del registro tiene este RUT" in response.text
    assert "no cooperative with this RUT" not in response.text
    assert "Nada" not in response.text and "No se escribió nada" in response.text
    assert "<td>rechazadas</td>" in analyst.get("/programmes/uptake").text


def test_a_long_uptake_report_is_summarised_by_reason_first(web: Web) -> None:
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    rows = "".join(f"76.{300 + i // 1000:03d}.{i % 1000:03d}-0,INDAP,2023\n" for i in range(250))
    content = ("rut,servicio,año\n" + rows).encode()
    response = analyst.post(
        "/programmes/uptake",
        data={"csrf_token": token},
        files={"file": ("largo.csv", content, "text/csv")},
    )
    assert response.status_code == 400
    summary = response.text.split('data-testid="problem-summary"', 1)[1].split("</table>", 1)[0]
    assert "<th" in summary and "<td class=\"num\">" in summary
    listed = response.text.split('data-testid="problems"', 1)[1].split("</table>", 1)[0]
    assert 0 < listed.count("<tr>") - 1 <= 100  # the first page of rows, not all 250
    assert 'data-testid="problem-total"' in response.text
    assert not english_words(response.text.split("<main", 1)[1])
