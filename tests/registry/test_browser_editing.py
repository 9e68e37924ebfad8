"""In a real browser (headless Chromium): an analyst edits a cooperative and sees the history; a
cooperative proposes a change, sees it pending, an analyst accepts it; a campaign is created and
an outcome recorded. Every page visited fits a 390 px phone (wide tables scroll inside their
own container)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_PASSWORD, LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _log_in(page: Any, server: LiveServer, username: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(server.url + "/")


def _fits_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_analyst_edits_and_sees_history(live_server: LiveServer, page: Any) -> None:
    page.set_viewport_size(PHONE)
    coop_id = live_server.web.make_cooperative(
        legal_name="Cooperativa Los Aromos", tax_id="65000012-9", members_total=20
    )
    _log_in(page, live_server, live_server.web.create_user("analyst", username="analista"))
    page.goto(f"{live_server.url}/registry/{coop_id}")
    page.get_by_test_id("edit-link").click()
    page.wait_for_url(f"**/registry/{coop_id}/edit")
    _fits_phone(page)
    # A value the importer would flag is an error next to its field; nothing is saved.
    page.locator("#f-members_women").fill("30")
    page.get_by_test_id("save").click()
    error = page.get_by_test_id("error-members_women")
    assert "30" in error.inner_text() and "20" in error.inner_text()
    assert page.locator("#f-members_women").get_attribute("aria-invalid") == "true"
    _fits_phone(page)
    page.locator("#f-members_women").fill("12")
    page.locator("#f-trade_name").fill("Los Aromos")
    page.locator("#f-comuna").select_option("16204")
    page.locator("#f-comment").fill("llamó la gerente")
    page.get_by_test_id("save").click()
    page.wait_for_url(f"**/registry/{coop_id}#history")
    history = page.get_by_test_id("coop-history")
    assert "Los Aromos" in history.inner_text()
    assert "analista" in history.inner_text()
    page.get_by_test_id("full-history").click()
    changes = page.get_by_test_id("changes")
    assert "llamó la gerente" in changes.inner_text()
    _fits_phone(page)


def test_coop_proposes_and_analyst_accepts(live_server: LiveServer, browser: Any) -> None:
    web = live_server.web
    coop_id = web.make_cooperative(legal_name="Cooperativa Los Aromos", tax_id="65000012-9")
    coop_user = web.create_user("coop", username="aromos", cooperative_id=coop_id)
    analyst = web.create_user("analyst", username="analista")

    coop_context = browser.new_context(locale="es-CL", viewport=PHONE)
    coop_page = coop_context.new_page()
    _log_in(coop_page, live_server, coop_user)
    coop_page.get_by_test_id("nav-toggle").click()  # on a phone the menu is behind its button
    coop_page.get_by_test_id("my-cooperative").click()
    coop_page.get_by_test_id("propose-link").click()
    coop_page.wait_for_url(f"**/registry/{coop_id}/propose")
    _fits_phone(coop_page)
    coop_page.locator("#f-phone").fill("+56 9 8765 4321")
    coop_page.locator("#f-employees").fill("7")
    coop_page.get_by_test_id("send-proposal").click()
    coop_page.wait_for_url(f"**/registry/{coop_id}/proposals?sent=1")
    assert coop_page.get_by_test_id("proposal-status").inner_text() == "pendiente"
    _fits_phone(coop_page)

    analyst_context = browser.new_context(locale="es-CL", viewport=PHONE)
    analyst_page = analyst_context.new_page()
    _log_in(analyst_page, live_server, analyst)
    analyst_page.goto(live_server.url + "/registry")
    analyst_page.get_by_test_id("proposals-link").click()
    analyst_page.wait_for_url("**/registry/proposals")
    _fits_phone(analyst_page)
    analyst_page.get_by_role("link", name="Cooperativa Los Aromos").click()
    analyst_page.wait_for_url("**/registry/proposals/*")
    _fits_phone(analyst_page)
    analyst_page.get_by_test_id("accept-all").click()
    analyst_page.wait_for_url("**/registry/proposals")
    analyst_page.goto(f"{live_server.url}/registry/{coop_id}/changes")
    changes = analyst_page.get_by_test_id("changes").inner_text()
    assert "+56 9 8765 4321" in changes
    assert "propuesto por aromos" in changes

    coop_page.reload()
    assert coop_page.get_by_test_id("proposal-status").inner_text() == "aceptada"
    coop_page.goto(f"{live_server.url}/registry/{coop_id}")
    coop_page.get_by_test_id("confirm-data").click()
    coop_page.wait_for_url(f"**/registry/{coop_id}?confirmed=1")
    assert "última verificación" in coop_page.content()
    coop_context.close()
    analyst_context.close()


def test_campaign_created_and_outcome_recorded(live_server: LiveServer, page: Any) -> None:
    page.set_viewport_size(PHONE)
    web = live_server.web
    first = web.make_cooperative(legal_name="Cooperativa Los Aromos", region_code=16)
    web.make_cooperative(legal_name="Cooperativa Vivienda Maipú", region_code=13)
    _log_in(page, live_server, web.create_user("analyst", username="analista"))
    page.goto(live_server.url + "/registry")
    page.get_by_test_id("campaigns-link").click()
    page.wait_for_url("**/registry/campaigns")
    _fits_phone(page)
    page.get_by_label("Nombre").fill("Ñuble 2026")
    page.get_by_label("Región").select_option("16")
    page.get_by_test_id("start-campaign").click()
    page.wait_for_url("**/registry/campaigns/*")
    assert page.get_by_test_id("campaign-progress").inner_text().startswith("0 de 1")
    _fits_phone(page)
    form = page.get_by_test_id(f"outcome-{first}")
    form.locator("select").select_option("not_operating")
    form.get_by_role("button").click()
    page.wait_for_url(f"**#coop-{first}")
    assert page.get_by_test_id("campaign-progress").inner_text().startswith("1 de 1")
    assert page.get_by_test_id("count-not_operating").inner_text() == "1"
    assert "ya no opera" in page.get_by_test_id(f"recorded-{first}").inner_text()
    page.goto(live_server.url + "/registry/verification")
    _fits_phone(page)
    assert page.get_by_test_id("verified-by-region").is_visible()


def test_audit_page_fits_a_phone(live_server: LiveServer, page: Any) -> None:
    page.set_viewport_size(PHONE)
    web = live_server.web
    with web.db.session() as session:
        from asocia.registry import editing
        from asocia.registry.store import Actor

        coop_id = editing.create_cooperative(
            session,
            {"legal_name": "Cooperativa de Trabajo Los Constructores de la Región de Ñuble",
             "tax_id": "65000012-9", "email": "contacto@constructores.cl"},
            actor=Actor(None, "analista"), comment="llamó al ministerio", may_edit_contacts=True,
        ).cooperative_id  # fmt: skip
    _log_in(page, live_server, web.create_user("admin", username="jefa"))
    page.goto(live_server.url + "/registry/audit?user=analista")
    audit = page.get_by_test_id("audit").inner_text()
    assert "llamó al ministerio" in audit
    _fits_phone(page)
    page.goto(f"{live_server.url}/registry/{coop_id}/changes")
    _fits_phone(page)
