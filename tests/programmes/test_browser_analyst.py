"""An analyst goes from the home page to the catalogue, opens the Programa Asociatividad
Económica, reads its series (+80 % budget, +56 % groups) and opens the matrix; on a 390 px phone
the page never scrolls sideways (wide tables scroll in their own container)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import TEST_PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def _text(locator: Any) -> str:
    return re.sub(r"[\u00a0\u202f\s]+", " ", locator.inner_text())


def test_analyst_reads_catalogue_instrument_series_and_matrix(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    username = live_server.web.create_user("analyst", username="analista")
    page.goto(live_server.url + "/login")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(live_server.url + "/")
    assert _fits(page)
    page.get_by_test_id("home-programmes").click()
    page.wait_for_url("**/programmes")
    assert _fits(page)
    instruments = page.get_by_test_id("instruments")
    assert instruments.locator("tbody tr").count() == 35
    assert page.get_by_test_id("new-instrument").is_visible()  # analysts edit the catalogue
    instruments.get_by_role("link", name="Programa Asociatividad Económica").first.click()
    page.wait_for_url(re.compile(r".*/programmes/\d+$"))
    assert _text(page.get_by_test_id("instrument-name")) == "Programa Asociatividad Económica"
    assert _text(page.get_by_test_id("stages")) == "Pre-asociativo, Asociativo"
    series = page.get_by_test_id("series")
    assert series.locator("tbody tr").count() == 5
    assert "2017" in _text(series) and "2021" in _text(series)
    growth = _text(page.get_by_test_id("growth"))
    assert re.search(r"presupuesto \+80 %", growth), growth
    assert re.search(r"beneficiarios \+56 %", growth), growth
    assert page.get_by_test_id("edit-instrument").is_visible()
    assert _fits(page)
    page.get_by_role("link", name="Programas de apoyo").first.click()
    page.wait_for_url("**/programmes")
    page.get_by_role("link", name="Matriz de traslapes y brechas").click()
    page.wait_for_url("**/programmes/matrix")
    assert page.get_by_test_id("matrix").is_visible()
    assert page.get_by_test_id("overlaps").locator("li").count() > 0
    assert page.get_by_test_id("gaps").locator("li").count() > 0
    assert _fits(page)
