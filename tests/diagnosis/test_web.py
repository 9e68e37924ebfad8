"""The diagnosis web pages and API, in process, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from asocia.diagnosis.loader import get_instrument
from asocia.diagnosis.sample import extreme_answers
from asocia.diagnosis.sample_exports import odk_central_csv, sample_submissions
from asocia.web.security import LANGUAGE_COOKIE
from tests.conftest import Web
from tests.diagnosis.conftest import rut

QUICK = get_instrument("diagnostico-rapido", "1")
FULL = get_instrument("diagnostico-cooperativo", "1")


def _post(web: Web, client: Any, path: str, data: dict[str, Any] | list[tuple[str, str]]) -> Any:
    if isinstance(data, dict):
        return client.post(path, data={**data, "csrf_token": web.csrf(client)})
    body = urlencode([*data, ("csrf_token", web.csrf(client))])
    return client.post(
        path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )


def test_field_enters_a_diagnosis_page_by_page(web: Web) -> None:
    coop = web.make_cooperative(legal_name="Cooperativa Campesina Los Robles", tax_id=rut(76543210))
    field = web.login_as("field")
    page = field.get(f"/diagnosis/new?cooperative={coop}")
    assert page.status_code == 200 and "Cooperativa Campesina Los Robles" in page.text
    created = _post(
        web,
        field,
        "/diagnosis/new",
        {
            "cooperative_id": str(coop),
            "instrument": QUICK.key,
            "diagnosed_on": "2026-04-02",
            "diagnostician": "M. Soto",
        },
    )
    assert created.status_code == 303
    first = created.headers["location"]
    assert first.endswith("/edit/gestion_financiera")
    diagnosis_id = int(first.split("/")[2])

    # A bad value: nothing saved, the page keeps what was typed and says why.
    bad = _post(
        web,
        field,
        first,
        {"fin_contabilidad_al_dia": "yes", "fin_deudas_vencidas": "quizas", "intent": "save"},
    )
    assert bad.status_code == 422
    assert "No se guardó nada" in bad.text and "no es una de las opciones" in bad.text
    assert 'value="yes" checked' in bad.text
    saved = _post(
        web,
        field,
        first,
        {
            "fin_contabilidad_al_dia": "no",
            "comment:finanzas_basicas": "Sin contador",
            "intent": "save",
        },
    )
    assert saved.status_code == 200 and "Borrador guardado." in saved.text
    resumed = field.get(first)
    assert 'value="no" checked' in resumed.text and "Sin contador" in resumed.text

    nxt = _post(web, field, first, {"fin_contabilidad_al_dia": "no", "intent": "next"})
    assert nxt.headers["location"].endswith("/edit/negocio_cooperativo")

    # Submitting without the required answers of another page is refused.
    refused = _post(web, field, f"/diagnosis/{diagnosis_id}/edit/gobernanza", {"intent": "submit"})
    assert refused.status_code == 422 and "falta una respuesta obligatoria" in refused.text

    worst = extreme_answers(QUICK, best=False)
    governance = [(k, str(v)) for k, v in worst.items() if k.startswith("gob_")]
    done = _post(
        web,
        field,
        f"/diagnosis/{diagnosis_id}/edit/gobernanza",
        [*governance, ("intent", "submit")],
    )
    assert done.status_code == 303 and done.headers["location"] == f"/diagnosis/{diagnosis_id}"
    report = field.get(f"/diagnosis/{diagnosis_id}")
    assert report.status_code == 200
    assert 'data-node="gobierno_basico" data-light="red"' in report.text
    assert "Urgencia en la atención a una determinada categoría" in report.text
    # Finance has one answer of four (by weight 2 of 7): too little to give a colour.
    assert 'data-node="finanzas_basicas" data-light="insufficient_data"' in report.text
    assert "Poner la contabilidad al día" not in report.text
    assert "Convocar la asamblea general ordinaria" in report.text  # recommended, in the plan
    assert "Este es el primer diagnóstico de esta cooperativa." in report.text
    assert "se necesitan" not in report.text and "requiere al menos 5" in report.text
    field.cookies.set(LANGUAGE_COOKIE, "en")
    english = field.get(f"/diagnosis/{diagnosis_id}")
    assert "This category or subcategory needs urgent attention" in english.text
    assert "Action plan" in english.text
    pdf = field.get(f"/diagnosis/{diagnosis_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def _submitted(web: Web, coop: int, best: bool) -> int:
    analyst = web.login_as("analyst")
    answers = {
        k: sorted(v) if isinstance(v, frozenset) else v
        for k, v in extreme_answers(QUICK, best=best).items()
    }
    response = analyst.post(
        "/api/v1/diagnoses",
        json={
            "cooperative_id": coop,
            "instrument": QUICK.key,
            "diagnosed_on": "2026-02-01",
            "diagnostician": "Equipo",
            "answers": answers,
            "submit": True,
        },
        headers={"X-CSRF-Token": web.csrf(analyst)},
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    assert data["status"] == "submitted"
    return int(data["id"])


def test_coop_sees_only_its_own_submitted_diagnoses(web: Web) -> None:
    own = web.make_cooperative(legal_name="Propia")
    other = web.make_cooperative(legal_name="Ajena")
    mine, theirs = _submitted(web, own, True), _submitted(web, other, False)
    coop = web.login_as("coop", cooperative_id=own)
    assert coop.get(f"/diagnosis/{mine}").status_code == 200
    assert coop.get(f"/diagnosis/{theirs}").status_code == 404
    assert coop.get(f"/api/v1/diagnoses/{theirs}").status_code == 404
    listed = coop.get("/api/v1/diagnoses").json()
    assert [d["id"] for d in listed] == [mine]
    page = coop.get(f"/diagnosis/{mine}")
    assert "Editar respuestas" not in page.text  # the coop role reads, it does not edit


def test_action_plan_edit_and_api_errors(web: Web) -> None:
    coop = web.make_cooperative()
    diagnosis = _submitted(web, coop, False)
    field = web.login_as("field")
    data = field.get(f"/api/v1/diagnoses/{diagnosis}").json()
    first = data["actions"][0]
    edited = _post(
        web,
        field,
        f"/diagnosis/{diagnosis}/actions/{first['id']}",
        {
            "action": first["action"],
            "owner": "Tesorera",
            "due_on": "2026-08-01",
            "status": "in_progress",
        },
    )
    assert edited.status_code == 303
    after = field.get(f"/api/v1/diagnoses/{diagnosis}").json()["actions"][0]
    assert (after["owner"], after["due_on"], after["status"]) == (
        "Tesorera",
        "2026-08-01",
        "in_progress",
    )
    wrong = field.patch(
        f"/api/v1/diagnoses/{diagnosis}/actions/{first['id']}",
        json={"status": "finished"},
        headers={"X-CSRF-Token": web.csrf(field)},
    )
    assert wrong.status_code == 422
    invalid = field.patch(
        f"/api/v1/diagnoses/{diagnosis}",
        json={"answers": {"fin_presupuesto": "maybe"}},
        headers={"X-CSRF-Token": web.csrf(field)},
    )
    assert invalid.status_code == 422
    assert invalid.json()["detail"]["problems"][0]["question"] == "fin_presupuesto"


def test_import_upload_portfolio_and_xlsform(web: Web) -> None:
    coops = [
        web.make_cooperative(tax_id=rut(77000000 + i), region_code=5, legal_class="agricola")
        for i in range(3)
    ]
    subs = sample_submissions(FULL, [rut(77000000 + i) for i in range(3)] + ["reg-x"], 4)
    analyst = web.login_as("analyst")
    export = odk_central_csv(FULL, subs).encode()
    page = analyst.post(
        "/diagnosis/import",
        files={"file": ("odk.csv", export, "text/csv")},
        data={"csrf_token": web.csrf(analyst)},
    )
    assert page.status_code == 200 and "Rechazados: 1" in page.text
    again = analyst.post(
        "/api/v1/diagnoses/import",
        files={"file": ("odk.csv", export)},
        headers={"X-CSRF-Token": web.csrf(analyst)},
    ).json()
    assert (again["created"], again["unchanged"], again["rejected"]) == (0, 3, 1)
    rows = list(
        csv.DictReader(
            io.StringIO(analyst.get(f"/diagnosis/portfolio.csv?instrument={FULL.key}").text)
        )
    )
    assert {r["category"] for r in rows} == {c.id for c in FULL.iter_categories()}
    assert all(r["diagnoses"] == "3" and r["region_code"] == "5" for r in rows)
    assert analyst.get(f"/diagnosis/portfolio?instrument={FULL.key}").status_code == 200
    form = analyst.get("/diagnosis/xlsform?instrument=diagnostico-rapido")
    assert form.status_code == 200 and form.content[:2] == b"PK"
    assert len(coops) == 3


def test_edit_page_of_every_category_renders_saved_numbers(web: Web) -> None:
    coop = web.make_cooperative()
    field = web.login_as("field")
    created = field.post(
        "/api/v1/diagnoses",
        json={
            "cooperative_id": coop,
            "instrument": FULL.key,
            "diagnosed_on": "2026-02-01",
            "answers": {
                "gob_socios": 12,
                "fin_activo_corriente": "1500,5",
                "neg_canales": ["directa", "digital"],
            },
        },
        headers={"X-CSRF-Token": web.csrf(field)},
    )
    assert created.status_code == 201, created.text
    diagnosis = created.json()["id"]
    for category in FULL.iter_categories():
        page = field.get(f"/diagnosis/{diagnosis}/edit/{category.id}")
        assert page.status_code == 200, category.id
    governance = field.get(f"/diagnosis/{diagnosis}/edit/gobernanza").text
    assert 'name="gob_socios" value="12"' in governance
    assert 'data-testid="ratio-gob_asistencia"' not in governance  # no attendance yet
    field.patch(
        f"/api/v1/diagnoses/{diagnosis}",
        json={"answers": {"gob_asistentes_asamblea": 9}},
        headers={"X-CSRF-Token": web.csrf(field)},
    )
    governance = field.get(f"/diagnosis/{diagnosis}/edit/gobernanza").text
    assert 'data-testid="ratio-gob_asistencia">75,00 %' in governance
    finance = field.get(f"/diagnosis/{diagnosis}/edit/gestion_financiera").text
    assert 'name="fin_activo_corriente" value="1.500,5"' in finance  # as typed in Spanish
    business = field.get(f"/diagnosis/{diagnosis}/edit/negocio_cooperativo").text
    assert 'name="neg_canales" value="digital" checked' in business


def test_a_diagnosis_whose_instrument_is_gone_is_a_clear_error(web: Web) -> None:
    from asocia.db.models.diagnosis import Diagnosis

    coop = web.make_cooperative()
    diagnosis = _submitted(web, coop, True)
    with web.db.session() as session:
        row = session.get(Diagnosis, diagnosis)
        assert row is not None
        row.instrument_version = "99"
    analyst = web.login_as("analyst")
    response = analyst.get(f"/api/v1/diagnoses/{diagnosis}")
    assert response.status_code == 409
    assert "instrument diagnostico-rapido@99 is not installed" in response.json()["detail"]
    assert analyst.get("/diagnosis").status_code == 200  # the list still works
