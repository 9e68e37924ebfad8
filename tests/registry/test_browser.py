"""A person imports an office's registry file through the wizard and finds a cooperative."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asocia.registry.synthetic_files import CSV_NAME, write_files
from tests.conftest import TEST_PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def test_import_wizard_and_list(live_server: LiveServer, page: Any, tmp_path: Path) -> None:
    manifest = write_files(200, tmp_path, seed=4, formats=["csv"], broken_share=0.05)
    username = live_server.web.create_user("analyst", username="analista")
    page.goto(live_server.url + "/login")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + "/registry")
    page.get_by_test_id("import-link").click()
    page.get_by_label("Archivo").set_input_files(str(tmp_path / CSV_NAME))
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url("**/registry/import/*")
    assert page.get_by_label("RUT").input_value() == "tax_id"
    assert page.get_by_label("Razón Social").input_value() == "legal_name"
    page.get_by_test_id("validate").click()
    summary = page.get_by_test_id("import-summary")
    expected = manifest["expected"]
    assert summary.locator('[data-key="rejected"]').inner_text() == str(expected["rejected"])
    assert summary.locator('[data-key="flagged"]').inner_text() == str(expected["flagged"])
    assert page.get_by_test_id("problems").is_visible()
    page.get_by_test_id("confirm").click()
    page.wait_for_url("**/jobs/*")
    page.get_by_role("link", name="Ver el resultado").click(timeout=20_000)
    page.wait_for_url("**/registry/imports/*")
    created = page.get_by_test_id("import-summary").locator('[data-key="created"]')
    assert created.inner_text() == str(expected["created"])

    page.goto(live_server.url + "/registry")
    page.get_by_label("Clase rural").select_option("rural")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url("**rural_class=rural**")
    rows = page.get_by_test_id("registry-list").locator("tbody tr")
    assert rows.count() > 0
    rows.first.locator("a").click()
    page.wait_for_url("**/registry/*")
    assert page.get_by_test_id("coop-name").inner_text().startswith("Cooperativa")
    assert page.get_by_test_id("coop-contact").is_visible()


def test_daes_panel_through_the_wizard_then_the_correction_queue_on_a_phone(
    live_server: LiveServer, page: Any, tmp_path: Path
) -> None:
    from tests.registry.real_files import daes_panel

    path = tmp_path / "cooperativas_vigentes.xlsx"
    panel = daes_panel(path, 60, banner=True)
    username = live_server.web.create_user("analyst", username="analista")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/login")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/registry/import")
    page.get_by_label("Archivo").set_input_files(str(path))
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url("**/registry/import/*")
    assert page.get_by_label("N° Registro").input_value() == "registry_number"
    assert page.get_by_label("Situación").input_value() == "activity"
    page.get_by_test_id("validate").click()
    summary = page.get_by_test_id("import-summary")
    assert summary.locator('[data-key="rejected"]').inner_text() == "0"
    assert summary.locator('[data-key="created"]').inner_text() == str(panel.rows)
    page.get_by_test_id("confirm").click()
    page.wait_for_url("**/jobs/*")
    page.get_by_role("link", name="Ver el resultado").click(timeout=20_000)
    page.wait_for_url("**/registry/imports/*")
    page.goto(live_server.url + "/registry/corrections")
    table = page.get_by_test_id("corrections")
    assert table.is_visible()
    assert "número de registro" in table.inner_text()
    # The page fits the phone: the wide table scrolls in its own container.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
