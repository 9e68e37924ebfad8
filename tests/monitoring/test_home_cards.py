"""The home page links to programmes and monitoring (no more "coming soon"), in both languages."""

from __future__ import annotations

from tests.conftest import Web


def test_home_cards_link_to_programmes_and_monitoring(web: Web) -> None:
    client = web.client
    html = client.get("/").text
    assert "Próximamente" not in html and "Coming soon" not in html
    assert 'href="/programmes"' in html and 'href="/monitoring"' in html
    assert "Ver los programas" in html and "Ver el seguimiento" in html
    assert "una autoevaluación para grupos que piensan formar una cooperativa" in html
    assert "La estrategia al 2030" in html
    for path in ("/programmes", "/monitoring"):  # the links lead to public pages
        assert client.get(path).status_code == 200
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": web.csrf(client)})
    english = client.get("/").text
    assert "Open the programmes" in english and "Open monitoring" in english
    assert "The 2030 strategy" in english and "Coming soon" not in english
