"""A person logs in, switches to English and back, and logs out, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def test_login_switch_language_logout(live_server: LiveServer, page: Any) -> None:
    username = live_server.web.create_user("analyst", username="analista")
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_test_id("login-link").click()
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_test_id("account-link").inner_text().startswith("analista")

    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Observatory of cooperatives"
    page.goto(live_server.url + "/account")
    assert page.get_by_role("heading", level=1).inner_text() == "My account"  # remembered

    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Mi cuenta"

    page.get_by_test_id("logout").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_test_id("login-link").is_visible()
    page.goto(live_server.url + "/account")
    assert "/login" in page.url


def test_wrong_password_shows_an_error(live_server: LiveServer, page: Any) -> None:
    live_server.web.create_user("field", username="terreno")
    page.goto(live_server.url + "/login")
    page.get_by_label("Usuario").fill("terreno")
    page.get_by_label("Contraseña").fill("not the password")
    page.get_by_role("button", name="Iniciar sesión").click()
    assert page.get_by_role("alert").inner_text() == "Usuario o contraseña incorrectos."
