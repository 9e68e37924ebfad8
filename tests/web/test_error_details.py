"""Errors that name the value a person gave read in the page's language, while the API keeps
its English ``detail``."""

from __future__ import annotations

from tests.conftest import Web
from tests.web.test_spanish import english_words


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_error_pages_name_the_value_in_spanish(web: Web) -> None:
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    cases = [
        (analyst.get("/monitoring/objectives/ZZ9"), 404, "el objetivo ZZ9 no existe"),
        (analyst.get("/registry/export?format=pdf"), 400, "el formato debe ser uno de"),
        (
            analyst.post("/language", data={"lang": "fr", "csrf_token": token}),
            400,
            "idioma no disponible: &#39;fr&#39;",
        ),
    ]
    for response, status, expected in cases:
        assert response.status_code == status, (response.url, response.status_code)
        main = _main(response.text)
        assert expected in main, (response.url, main[:600])
        assert not english_words(main), (response.url, english_words(main))


def test_the_api_keeps_english_details(web: Web) -> None:
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    held = analyst.post(
        "/monitoring/sessions",
        data={"held_on": "2026-01-05", "title": "Enero", "csrf_token": token},
    )
    council = held.headers["location"].rsplit("/", 1)[1]
    page = analyst.get(f"/monitoring/sessions/{council}/briefing.xls")
    assert page.status_code == 404
    assert "el formato xls no es uno de" in _main(page.text)
    api = analyst.get(f"/api/v1/sessions/{council}/briefing?format=xls")
    assert api.status_code == 404
    assert api.json()["detail"].startswith("format xls is not one of")
