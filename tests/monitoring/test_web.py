"""Monitoring pages and API on SQLite and PostgreSQL."""

from __future__ import annotations

import io

from docx import Document

from tests.conftest import Web


def test_public_overview_in_spanish(web: Web) -> None:
    page = web.client.get("/monitoring")
    assert page.status_code == 200
    html = page.text
    assert "Estrategia para la Asociatividad" in html and "Visión" in html
    assert "Comité de Fomento" in html and "Primer Plan Bienal 2022-23" in html
    assert 'href="/monitoring/sessions"' not in html  # sessions are not public
    assert web.client.get("/monitoring/objectives/OE9").status_code == 404


def test_secretariat_creates_a_session_and_open_agreements_carry_over(web: Web) -> None:
    client = web.login_as("analyst")
    token = web.csrf(client)
    first = client.post(
        "/monitoring/sessions",
        data={"held_on": "2021-03-01", "title": "Marzo", "csrf_token": token},
    )
    assert first.status_code == 303
    first_id = int(first.headers["location"].rsplit("/", 1)[1])
    client.post(
        f"/monitoring/sessions/{first_id}/agreements",
        data={"text": "Enviar borrador de la estrategia", "responsible": "ODEPA",
              "csrf_token": token},
    )  # fmt: skip
    second = client.post(
        "/monitoring/sessions",
        data={"held_on": "2021-06-01", "title": "Junio", "agenda": "Plan Bienal",
              "csrf_token": token},
    )  # fmt: skip
    second_id = int(second.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/monitoring/sessions/{second_id}")
    agenda = page.text.split('data-testid="agenda"', 1)[1].split("</ol>", 1)[0]
    assert agenda.index("Acuerdos sesión anterior") < agenda.index("Enviar borrador")
    assert agenda.index("Enviar borrador") < agenda.index("Plan Bienal")
    api = client.get(f"/api/v1/sessions/{second_id}/agenda").json()
    assert api["items"][0]["agreements"][0]["responsible"] == "ODEPA"
    docx = client.get(f"/monitoring/sessions/{second_id}/briefing.docx")
    assert docx.status_code == 200
    document = Document(io.BytesIO(docx.content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "Enviar borrador de la estrategia" in " ".join(cells)
    pdf = client.get(f"/api/v1/sessions/{second_id}/briefing?format=pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    # The body is shown by its name, not its code; a committee's name as it was given.
    client.post(
        "/monitoring/sessions",
        data={"held_on": "2021-07-01", "title": "Julio", "body": "Comité de Fomento",
              "csrf_token": token},
    )  # fmt: skip
    listing = client.get("/monitoring/sessions").text
    assert "<td>Consejo Asesor</td>" in listing and ">council<" not in listing
    assert "<td>Comité de Fomento</td>" in listing


def test_value_workflow_through_the_api(web: Web) -> None:
    client = web.login_as("analyst")
    headers = {"X-CSRF-Token": web.csrf(client)}
    for kind, period, value in [("baseline", "2017", 141), ("target", "2023", 300),
                                ("actual", "2023", 300)]:  # fmt: skip
        row = client.post(
            "/api/v1/indicators/values",
            json={"indicator": "PAE_GRUPOS", "period": period, "kind": kind, "value": value},
            headers=headers,
        )
        assert row.status_code == 201, row.text
        for action in ("submit", "approve"):
            done = client.post(f"/api/v1/indicators/values/{row.json()['id']}/{action}",
                               headers=headers)  # fmt: skip
            assert done.status_code == 200, done.text
    status = web.client.get("/api/v1/indicators/status?period=2023").json()
    pae = next(s for s in status if s["code"] == "PAE_GRUPOS")
    assert (pae["achievement"], pae["status"]) == (1.0, "on_track")
    bad = client.post(
        "/api/v1/indicators/values",
        json={"indicator": "PAE_GRUPOS", "period": "2023-24", "kind": "actual", "value": 1},
        headers=headers,
    )
    assert bad.status_code == 422 and "month 24 does not exist" in bad.json()["detail"]
    imported = client.post(
        "/api/v1/indicators/values/import",
        files={"file": ("v.csv", b"indicator,period,kind,value\nNOPE,2023,actual,1\n")},
        headers=headers,
    )
    assert imported.status_code == 422
    assert imported.json()["errors"][0]["line"] == 2
    assert web.client.get("/api/v1/indicators/status?period=mañana").status_code == 400


def test_real_terms_minutes_and_agreement_linked_to_an_action(web: Web) -> None:
    from asocia.monitoring import indicators, strategy

    with web.db.session() as session:
        for period, value in [("2017", 100.0), ("2018", 103.0), ("2019", 106.0),
                              ("2020", 109.0), ("2021", 112.0)]:  # fmt: skip
            indicators.set_deflator(session, "IPC", period, value)
        action = strategy.create_action(session, "PB-2022-23", "A1", {"title": "Difusión"}, None)
        action_id = action.id
    page = web.client.get("/monitoring/indicators/PAE_PRESUPUESTO?deflator=IPC")
    assert 'data-testid="real-growth"' in page.text and "En términos reales (IPC" in page.text
    missing = web.client.get("/monitoring/indicators/PAE_PRESUPUESTO?deflator=UF")
    assert "le falta un período de esta serie" in missing.text  # Spanish page
    client = web.login_as("analyst")
    token = web.csrf(client)
    created = client.post(
        "/monitoring/sessions",
        data={"held_on": "2022-01-10", "title": "Enero", "minutes": "Se aprobó el plan.",
              "csrf_token": token},
    )  # fmt: skip
    session_id = int(created.headers["location"].rsplit("/", 1)[1])
    client.post(
        f"/monitoring/sessions/{session_id}/agreements",
        data={"text": "Difundir", "action_id": str(action_id), "csrf_token": token},
    )
    shown = client.get(f"/api/v1/sessions/{session_id}").json()
    assert shown["minutes"] == "Se aprobó el plan."
    assert shown["agreements"][0]["action_id"] == action_id
