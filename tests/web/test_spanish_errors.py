"""The domain errors of monitoring, partnerships and programmes read in Spanish on Spanish pages
(form redirects, error pages and upload pages), while the API's ``detail`` stays English."""

from __future__ import annotations

from typing import Any

from tests.conftest import Web
from tests.web.test_spanish import english_words

BAD_IATI = ("a.xml", b"<iati-activities>")
NO_RUT = ("t.csv", "servicio,año\nINDAP,2023\n".encode())
UNKNOWN_RUT = ("u.csv", "rut,servicio,año\n76.300.001-K,INDAP,2023\n".encode())
BAD_CATALOGUE = ("c.csv", b"code,name,agency,stages\nX1,Uno,INDAP,\n")


def _spanish(response: Any) -> tuple[str, list[str]]:
    """The error shown on ``response``'s page and the English words on the page."""
    assert "text/html" in response.headers["content-type"], response.headers
    return response.text, english_words(response.text)


def test_domain_errors_read_in_spanish_on_pages(web: Web) -> None:
    admin = web.login_as("admin")
    token = web.csrf(admin)
    project = admin.get("/api/v1/partnerships/projects").json()[0]["id"]
    held = admin.post(
        "/monitoring/sessions",
        data={"held_on": "2026-01-05", "title": "Enero", "csrf_token": token},
    )
    council = held.headers["location"].rsplit("/", 1)[1]
    posts: list[tuple[str, dict[str, str], str]] = [
        (
            f"/monitoring/sessions/{council}/agreements",
            {"text": "Enviar el informe", "due_on": "mañana"},
            "plazo: &#39;mañana&#39; no es una fecha (AAAA-MM-DD)",
        ),
        ("/monitoring/actions", {"code": " ", "title": "Nueva"}, "código: vacío"),
        (
            "/monitoring/actions",
            {"code": "X9", "title": "Nueva", "due_on": "mañana"},
            "plazo: &#39;mañana&#39; no es una fecha (AAAA-MM-DD)",
        ),
        ("/monitoring/sessions", {"title": " ", "held_on": "2026-01-05"}, "título: vacío"),
        (
            "/monitoring/indicators/PAE_PRESUPUESTO/values",
            {"period": "2021-13", "kind": "actual", "value": "5"},
            "período: &#39;2021-13&#39;: el mes 13 no existe",
        ),
        (
            "/monitoring/indicators/PAE_PRESUPUESTO/values",
            {"period": "2021", "kind": "actual", "value": "mucho"},
            "valor: &#39;mucho&#39; no es un número",
        ),
        (
            "/monitoring/agreements/99999",
            {"status": "hecho", "back": "1"},
            "estado: &#39;hecho&#39; no es uno de",
        ),
        (
            f"/partnerships/projects/{project}/cooperatives",
            {"cooperative_id": "99999"},
            "la cooperativa 99999 no existe",
        ),
    ]
    found = []
    for path, data, expected in posts:
        response = admin.post(path, data={**data, "csrf_token": token}, follow_redirects=True)
        page, words = _spanish(response)
        assert expected in page, (path, expected)
        if words:
            found.append(f"POST {path}: {words}")
    uploads = [
        ("/partnerships/import", BAD_IATI, "línea 1, columna 18: XML mal formado"),
        ("/programmes/uptake", NO_RUT, "t.csv: no hay columna de RUT"),
        ("/programmes/uptake", UNKNOWN_RUT, "ninguna cooperativa del registro tiene este RUT"),
        ("/programmes/import", BAD_CATALOGUE, "fila 2, campo stages: se requiere al menos una"),
    ]
    for path, file, expected in uploads:
        response = admin.post(path, data={"csrf_token": token}, files={"file": file})
        assert response.status_code in (400, 422), (path, response.status_code)
        page, words = _spanish(response)
        assert expected in page, (path, expected)
        if words:
            found.append(f"POST {path}: {words}")
    response = admin.get("/monitoring/indicators?period=2021-7")
    assert response.status_code == 400
    page, words = _spanish(response)
    assert "no es un período" in page
    if words:
        found.append(f"GET /monitoring/indicators?period=2021-7: {words}")
    assert not found, "English in Spanish domain errors:\n" + "\n".join(found)


def test_english_pages_and_the_api_keep_english(web: Web) -> None:
    admin = web.login_as("admin")
    token = web.csrf(admin)
    admin.post("/language", data={"lang": "en", "csrf_token": token})
    response = admin.post(
        "/monitoring/actions",
        data={"code": " ", "title": "New", "csrf_token": web.csrf(admin)},
        follow_redirects=True,
    )
    assert "code: empty" in response.text
    bad = admin.post(
        "/api/v1/partnerships/import-iati",
        files={"file": BAD_IATI},
        headers={"X-CSRF-Token": token},
    )
    assert bad.status_code == 422 and "not well-formed XML" in bad.json()["detail"]
