"""Security headers and cookies: CSP without inline script, HSTS over HTTPS, no-store for
logged-in pages, the CSRF cookie rotated at login, the session cookie's lifetime the server's."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from asocia.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import TEST_PASSWORD, Web

TEMPLATES = Path(__file__).parents[2] / "src" / "asocia" / "web" / "templates"


def test_csp_on_every_page_without_inline_script(web: Web) -> None:
    for path in ("/", "/login", "/stats", "/api/v1/docs", "/api/v1/openapi.json"):
        response = web.client.get(path)
        policy = response.headers["content-security-policy"]
        script = re.search(r"script-src ([^;]*)", policy)
        assert script and script.group(1).strip() == "'self'", policy
        assert "frame-ancestors 'none'" in policy
        assert "<script>" not in response.text


def test_templates_hold_no_inline_script_or_handler() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text("utf-8")
        for match in re.finditer(r"<script\b([^>]*)>", text):
            assert "src=" in match.group(1), f"{template.name}: inline <script>"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name}: inline event handler"
        assert "javascript:" not in text, template.name


def test_hsts_only_over_https(web: Web) -> None:
    assert "strict-transport-security" not in web.client.get("/").headers
    with TestClient(web.app, base_url="https://testserver") as secure:
        assert "max-age=" in secure.get("/").headers["strict-transport-security"]


def test_no_store_for_logged_in_pages(web: Web) -> None:
    assert "no-store" not in web.client.get("/").headers.get("cache-control", "")
    analyst = web.login_as("analyst")
    for path in ("/", "/registry", "/api/v1/me", "/account"):
        assert analyst.get(path).headers["cache-control"] == "no-store", path


def test_csrf_cookie_rotates_at_login(web: Web) -> None:
    web.create_user("field", username="rotada")
    client = web.new_client()
    token = web.csrf(client)
    before = client.cookies[CSRF_COOKIE]
    response = client.post(
        "/login", data={"username": "rotada", "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    after = client.cookies[CSRF_COOKIE]
    assert after != before
    # The pre-login token no longer works; the new one does.
    stale = client.post("/account/tokens", data={"name": "x", "csrf_token": token})
    assert stale.status_code == 403
    fresh = client.post("/account/tokens", data={"name": "x", "csrf_token": web.csrf(client)})
    assert fresh.status_code == 200


def test_session_cookie_lifetime_follows_the_server(web: Web) -> None:
    analyst = web.login_as("analyst")
    hours = web.app.state.settings.session_hours
    response = analyst.get("/registry")
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    assert cookies and f"Max-Age={hours * 3600}" in cookies[0]
    logout = analyst.post("/logout", data={"csrf_token": web.csrf(analyst)})
    gone = [c for c in logout.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    assert len(gone) == 1 and ("Max-Age=0" in gone[0] or 'asocia_session=""' in gone[0])
