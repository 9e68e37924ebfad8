"""The web shell: language, login, logout, CSRF, rate limiting, tokens, errors."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from asocia import jobs
from asocia.auth import accounts
from asocia.db.models import User
from asocia.db.session import Database
from asocia.web.security import LANGUAGE_COOKIE, SESSION_COOKIE
from tests.authz import iter_routes
from tests.conftest import TEST_PASSWORD, Web


def test_home_is_spanish_by_default(web: Web) -> None:
    page = web.client.get("/")
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    assert "Iniciar sesión" in page.text
    assert "Observatorio de cooperativas" in page.text
    assert "Log in" not in page.text


def test_language_switch_is_remembered(web: Web) -> None:
    client = web.client
    response = client.post(
        "/language", data={"lang": "en", "next": "/login", "csrf_token": web.csrf(client)}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert client.cookies[LANGUAGE_COOKIE] == "en"
    page = client.get("/login")
    assert '<html lang="en">' in page.text
    assert "Username" in page.text
    client.post("/language", data={"lang": "es", "next": "/", "csrf_token": web.csrf(client)})
    assert "Usuario" in client.get("/login").text


def test_language_switch_rejects_other_languages_and_foreign_redirects(web: Web) -> None:
    client = web.client
    token = web.csrf(client)
    bad = client.post("/language", data={"lang": "fr", "csrf_token": token})
    assert bad.status_code == 400
    away = client.post(
        "/language", data={"lang": "en", "next": "https://evil.example/", "csrf_token": token}
    )
    assert away.headers["location"] == "/"


def test_form_post_without_csrf_token_is_refused(web: Web) -> None:
    username = web.create_user("analyst")
    client = web.client
    client.get("/login")
    response = client.post("/login", data={"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies
    forged = client.post(
        "/login", data={"username": username, "password": TEST_PASSWORD, "csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    # A token made for another visitor's cookie does not work either.
    other = web.new_client()
    stolen = web.csrf(other)
    assert client.post("/language", data={"lang": "en", "csrf_token": stolen}).status_code == 403


def test_htmx_style_header_token_is_accepted(web: Web) -> None:
    client = web.login_as("analyst")
    response = client.post(
        "/account/tokens", data={"name": "x"}, headers={"X-CSRF-Token": web.csrf(client)}
    )
    assert response.status_code == 200


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(web: Web) -> None:
    username = web.create_user("analyst")
    client = web.new_client()
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": TEST_PASSWORD,
            "next": "/account",
            "csrf_token": web.csrf(client),
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert username in client.get("/account").text
    client.post("/logout", data={"csrf_token": web.csrf(client)})
    after = client.get("/account")
    assert after.status_code == 303
    assert after.headers["location"] == "/login?next=%2Faccount"


def test_cookie_is_secure_behind_https(web: Web) -> None:
    username = web.create_user("field")
    client = TestClient(web.app, base_url="https://testserver", follow_redirects=False)
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": TEST_PASSWORD, "csrf_token": web.csrf(client)},
    )
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


def test_wrong_password_and_rate_limit(web: Web) -> None:
    username = web.create_user("field")
    client = web.new_client()
    token = web.csrf(client)
    for _ in range(5):
        wrong = client.post(
            "/login", data={"username": username, "password": "nope-nope-nope", "csrf_token": token}
        )
        assert wrong.status_code == 400
        assert "Usuario o contraseña incorrectos" in wrong.text
    blocked = client.post(
        "/login", data={"username": username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert SESSION_COOKIE not in client.cookies


def test_anonymous_is_sent_to_login_and_api_gets_401(web: Web) -> None:
    page = web.client.get("/admin/users")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    api = web.client.get("/api/v1/tokens")
    assert api.status_code == 401
    assert api.json() == {"detail": "authentication required"}


def test_forbidden_page_is_translated(web: Web) -> None:
    client = web.login_as("field")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Acceso denegado" in response.text


def test_unknown_page_is_a_404_page(web: Web) -> None:
    response = web.client.get("/no-such-page")
    assert response.status_code == 404
    assert "Página no encontrada" in response.text


def test_api_tokens_for_scripts(web: Web) -> None:
    client = web.login_as("analyst")
    created = client.post(
        "/api/v1/tokens", json={"name": "nightly"}, headers={"X-CSRF-Token": web.csrf(client)}
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    script = web.new_client()
    headers = {"Authorization": f"Bearer {secret}"}
    me = script.get("/api/v1/me", headers=headers).json()
    assert me["authenticated"] and me["role"] == "analyst"
    assert "export_data" in me["permissions"] and "manage_users" not in me["permissions"]
    # A token-authenticated request needs no CSRF token: no cookie is involved.
    second = script.post("/api/v1/tokens", json={"name": "other"}, headers=headers)
    assert second.status_code == 201
    listed = script.get("/api/v1/tokens", headers=headers).json()
    assert {t["name"] for t in listed} == {"nightly", "other"}
    assert all("token" not in t for t in listed)
    revoked = script.delete(f"/api/v1/tokens/{created.json()['id']}", headers=headers)
    assert revoked.status_code == 204
    assert script.get("/api/v1/me", headers=headers).status_code == 401


def test_role_change_closes_open_sessions(web: Web) -> None:
    client = web.login_as("analyst")
    assert client.get("/account").status_code == 200
    with web.db.session() as session:
        user = session.get(User, client.user_id)
        assert user is not None
        accounts.set_role(session, user.username, "field")
    assert client.get("/account").status_code == 303


def test_admin_creates_users_and_changes_roles(web: Web) -> None:
    admin = web.login_as("admin")
    token = web.csrf(admin)
    created = admin.post(
        "/admin/users",
        data={
            "username": "ana",
            "password": "a-long-password",
            "role": "field",
            "csrf_token": token,
        },
    )
    assert created.status_code == 303
    weak = admin.post(
        "/admin/users",
        data={"username": "bob", "password": "short", "role": "field", "csrf_token": token},
    )
    assert weak.status_code == 400
    changed = admin.post("/admin/users/ana/role", data={"role": "analyst", "csrf_token": token})
    assert changed.status_code == 303
    assert "ana" in admin.get("/admin/users").text


def test_api_docs_are_served_offline(web: Web) -> None:
    docs = web.client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    starter = web.client.get("/static/js/api-docs.js").text
    assert "validatorUrl: null" in starter  # no call to validator.swagger.io
    assert web.client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = web.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in spec["paths"]


def test_job_progress_is_read_from_the_database(web: Web) -> None:
    client = web.login_as("analyst")

    def work(database: Database, job_id: int, progress: Any) -> dict[str, Any]:
        progress(5, 10, "half way")
        return {"rows": 10}

    job_id = jobs.start_job(web.db, kind="test", params=None, user_id=client.user_id, work=work)
    for _ in range(100):
        status = client.get(f"/api/v1/jobs/{job_id}").json()
        if status["status"] == "done":
            break
        time.sleep(0.05)
    assert status["status"] == "done"
    assert status["result"] == {"rows": 10}
    assert status["done"] == 5 and status["total"] == 10
    # Another person's job is not visible.
    assert web.login_as("analyst").get(f"/api/v1/jobs/{job_id}").status_code == 404


def test_a_cooperative_representative_is_led_to_its_own_cooperative(web: Web) -> None:
    own = web.make_cooperative(legal_name="Cooperativa Propia")
    client = web.login_as("coop", cooperative_id=own)
    home = client.get("/").text
    assert f'href="/registry/{own}"' in home
    assert "Mi cooperativa" in home
    assert 'href="/registry"' not in home
    analyst_home = web.login_as("analyst").get("/").text
    assert 'href="/registry"' in analyst_home and "Mi cooperativa" not in analyst_home
    page = client.get(f"/registry/{own}").text
    assert 'href="/registry"' not in page  # no way back to a list it may not browse
    assert f'href="/diagnosis?cooperative={own}"' in page


def test_every_route_commits_before_it_answers(web: Web) -> None:
    """A write must be committed before the response leaves (see ``deps.SESSION``)."""
    from fastapi.routing import APIRoute

    from asocia.web.deps import get_session

    late = []
    routes = [r for _path, r in iter_routes(web.app.routes) if isinstance(r, APIRoute)]
    assert len(routes) > 60
    for route in routes:
        stack = list(route.dependant.dependencies)
        while stack:
            dependency = stack.pop()
            if dependency.call is get_session and dependency.scope != "function":
                late.append(route.path)
            stack.extend(dependency.dependencies)
    assert not late, f"routes whose session commits after the response: {sorted(set(late))}"


def test_back_with_error_keeps_the_whole_message() -> None:
    """A form's error travels in the query string encoded: '&' and '#' in it would otherwise cut
    the message (or start a fragment) on the page it returns to."""
    from urllib.parse import parse_qs, urlsplit

    from asocia.web.deps import back_with_error

    response = back_with_error("/monitoring/actions/3", "código A&B #1 ya existe")
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/monitoring/actions/3" and not location.fragment
    assert parse_qs(location.query) == {"error": ["código A&B #1 ya existe"]}
