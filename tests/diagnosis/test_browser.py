"""A diagnostician enters a diagnosis in a real browser and reads the report."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def test_enter_save_resume_submit_and_read_the_report(live_server: LiveServer, page: Any) -> None:
    web = live_server.web
    coop = web.make_cooperative(legal_name="Cooperativa Campesina Las Vertientes")
    username = web.create_user("field")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/login?next=/diagnosis/new?cooperative={coop}")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.goto(f"{live_server.url}/diagnosis/new?cooperative={coop}")
    page.locator("select[name=instrument]").select_option("diagnostico-rapido@1")
    page.get_by_test_id("start-diagnosis").click()
    page.wait_for_url("**/edit/gestion_financiera")

    page.locator("[data-question=fin_contabilidad_al_dia] input[value=yes]").check()
    page.locator("[data-question=fin_presupuesto] input[value=no]").check()
    page.get_by_test_id("save-draft").click()
    assert page.get_by_test_id("notice").inner_text() == "Borrador guardado."

    page.get_by_role("link", name="Gobernanza").click()  # resume later, elsewhere
    page.wait_for_url("**/edit/gobernanza")
    for question in (
        "gob_asamblea_anual",
        "gob_consejo_vigente",
        "gob_informes_registro",
        "gob_registro_socios",
    ):
        page.locator(f"[data-question={question}] input[value=yes]").check()
    page.get_by_test_id("submit").click()
    page.wait_for_url("**/diagnosis/*")
    assert page.get_by_test_id("report-title").inner_text() == (
        "Cooperativa Campesina Las Vertientes"
    )
    governance = page.locator("[data-node=gobierno_basico]")
    assert governance.get_attribute("data-light") == "green"
    assert "¡Siga adelante!" in governance.inner_text()
    finance = page.locator("[data-node=finanzas_basicas]")
    # Weight 4 of 7 answered (enough), half of it earned: 50 %, yellow.
    assert finance.get_attribute("data-light") == "yellow"
    assert "¡Deténgase y analice!" in finance.inner_text()
    assert page.get_by_test_id("plan").locator("tbody tr").count() >= 1
    assert not errors, errors
