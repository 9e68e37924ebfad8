"""A person enters an actual value, approves it and sees the status change; every monitoring
page fits a 390 px phone."""

from __future__ import annotations

from typing import Any

import pytest

from asocia.monitoring import indicators, sessions
from asocia.monitoring.defaults import ensure_defaults
from tests.conftest import TEST_PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def _prepare(live_server: LiveServer) -> int:
    with live_server.db.session() as session:
        ensure_defaults(session)
        for kind, period, value in [("baseline", "2017", 141), ("target", "2023", 300)]:
            row = indicators.enter_value(session, "PAE_GRUPOS", period, kind, value=value)
            indicators.transition(session, row.id, "submit", "seed")
            indicators.transition(session, row.id, "approve", "seed")
        return int(sessions.list_sessions(session)[0]["id"])


def _login(live_server: LiveServer, page: Any) -> None:
    username = live_server.web.create_user("analyst", username="analista")
    page.goto(live_server.url + "/login")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(live_server.url + "/")


def test_enter_approve_and_see_the_status_change(live_server: LiveServer, page: Any) -> None:
    _prepare(live_server)
    _login(live_server, page)
    page.goto(live_server.url + "/monitoring/indicators/PAE_GRUPOS")
    status = page.get_by_test_id("status-PAE_GRUPOS").locator("[data-status]")
    assert status.get_attribute("data-status") == "at_risk"
    assert status.inner_text() == "En riesgo"
    form = page.get_by_test_id("value-form")
    form.get_by_label("Período").fill("2023")
    form.get_by_label("Tipo").select_option("actual")
    form.get_by_label("Valor", exact=True).fill("300")
    page.get_by_test_id("save-value").click()
    page.wait_for_load_state()
    # a draft does not count yet
    assert status.get_attribute("data-status") == "at_risk"
    page.get_by_role("button", name="Enviar").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Aprobar").click()
    page.wait_for_load_state()
    assert status.get_attribute("data-status") == "on_track"
    assert status.inner_text() == "En curso normal"
    page.goto(live_server.url + "/monitoring/objectives/OE2")
    assert page.get_by_test_id("status-PAE_GRUPOS").inner_text() == "En curso normal"


def test_pages_fit_a_phone(live_server: LiveServer, page: Any) -> None:
    session_id = _prepare(live_server)
    _login(live_server, page)
    page.set_viewport_size({"width": 390, "height": 800})
    for path in [
        "/monitoring",
        "/monitoring/objectives/OE1",
        "/monitoring/actions",
        "/monitoring/indicators",
        "/monitoring/indicators/PAE_PRESUPUESTO",
        "/monitoring/sessions",
        f"/monitoring/sessions/{session_id}",
        f"/monitoring/sessions/{session_id}/briefing",
    ]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
