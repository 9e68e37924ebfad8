"""No English on a Spanish page: every page (from the app's routes) as every role, and the
errors of every form, are crawled and their visible text checked for English words."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from asocia.web.security import SESSION_COOKIE
from tests.conftest import Web
from tests.web.site_map import ROLES, DemoSite

# Words that are English and not Spanish; a Spanish page shows none of them.
_WORDS = """the and with of is are was were not this that these your you missing expected required
    invalid such page pages next previous download search filter filters import imported
    rejected flagged members cooperative cooperatives diagnosis diagnoses draft submitted pending
    error unknown back home save show open users role created name value reason line column file
    sheet number yes done dropped better worse same statistics registry status date instrument
    account login logout than from for be has have will can cannot must should
    there their what which when where who how why answer answers choices nothing saved found
    below above whole empty header text expected denied permission access something went wrong
    request address exist exists menu users password username"""
ENGLISH = set(_WORDS.split())
# Parts of a page that are not interface text: code, data for charts, the other language's
# switch, and values people typed or imported (names of cooperatives, files, tokens).
SKIP = re.compile(
    r"<(script|style|code|option|textarea|svg)\b.*?</\1>|<[^>]*\blang=\"en\"[^>]*>.*?</[a-z]+>",
    re.S | re.I,
)
TAG = re.compile(r"<[^>]+>")
# Proper nouns written the same in both languages: the official names of two DAES programmes
# in the shipped catalogue ("on line" is how DAES spells them).
PROPER_NOUNS = re.compile(r"\b(?:Diplomado on line de Cooperativas|Curso on line Asociaciones)\b")
WORD = re.compile(r"[A-Za-zÁÉÍÓÚÑáéíóúñü]+")


def english_words(page: str) -> list[str]:
    """English words in the visible text of ``page``'s main content and header."""
    text = SKIP.sub(" ", page)
    if 'data-testid="mapping-form"' in text:  # the first rows of the person's file: their data
        text = re.sub(r"<td>(?:(?!<select).)*?</td>", " ", text, flags=re.S)
    text = PROPER_NOUNS.sub(" ", html.unescape(TAG.sub(" ", text)))
    return sorted({w for w in WORD.findall(text) if w.lower() in ENGLISH})


@pytest.fixture
def site(web: Web, tmp_path: Path) -> DemoSite:
    return DemoSite.build(web.db, web.app.state.settings.upload_dir, cooperatives=60)


def _client(web: Web, site: DemoSite, role: str) -> TestClient:
    client = web.new_client()
    if role != "anonymous":
        client.cookies.set(SESSION_COOKIE, site.session_cookie(role))
    return client


def _pages(web: Web, site: DemoSite) -> Iterator[tuple[str, str, Any]]:
    for role in ROLES:
        client = _client(web, site, role)
        for path in site.pages_for(web.app, role):
            yield role, path, client.get(path, follow_redirects=True)


def test_every_page_is_spanish_for_every_role(web: Web, site: DemoSite) -> None:
    found = []
    pages = 0
    for role, path, response in _pages(web, site):
        assert response.status_code < 500, (role, path)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        pages += 1
        words = english_words(response.text)
        if words:
            found.append(f"{role} {path}: {words}")
    assert pages >= 80
    assert not found, "English on Spanish pages:\n" + "\n".join(found)


def test_form_errors_and_error_pages_are_spanish(web: Web, site: DemoSite) -> None:
    admin = _client(web, site, "admin")
    field = _client(web, site, "field")
    token = web.csrf(admin)
    diagnosis = site.diagnosis_id
    new = {"instrument": "diagnostico-cooperativo"}
    finance = f"/diagnosis/{diagnosis}/edit/gestion_financiera"
    governance = f"/diagnosis/{diagnosis}/edit/gobernanza"
    answers: list[tuple[Any, str, dict[str, Any]]] = [
        (web.new_client(), "/login", {"username": "nadie", "password": "incorrecta"}),
        (admin, "/admin/users", {"username": "", "password": "corta", "role": "analyst"}),
        (admin, "/admin/users", {"username": "x", "password": "larga de verdad", "role": "jefe"}),
        (admin, "/diagnosis/new", {**new, "cooperative_id": "99999", "diagnosed_on": "2026-01-01"}),
        (admin, "/diagnosis/new", {**new, "cooperative_id": "1", "diagnosed_on": "ayer"}),
        (field, finance, {"fin_activo_corriente": "mucho", "fin_contabilidad_al_dia": "quizas"}),
        (field, governance, {"gob_socios": "-5", "intent": "submit"}),
        (admin, "/registry/import", {}),
    ]
    found = []
    for client, path, data in answers:
        data = {**data, "csrf_token": web.csrf(client)}
        response = client.post(path, data=data)
        assert response.status_code in (400, 401, 404, 422), (path, response.status_code)
        words = english_words(response.text)
        if words:
            found.append(f"POST {path}: {words}")
    upload = admin.post(
        "/registry/import", files={"file": ("vacio.csv", b"")}, data={"csrf_token": token}
    )
    for response in (
        admin.get(upload.headers["location"]),
        admin.get("/registry/abc"),
        admin.get("/registry/999999"),
        admin.get("/no/existe"),
        field.get("/admin/users"),
        admin.get("/jobs/999999"),
        admin.post("/registry/import", data={"csrf_token": "falso"}),
    ):
        assert response.status_code >= 400 and "text/html" in response.headers["content-type"]
        words = english_words(response.text)
        if words:
            found.append(f"{response.request.method} {response.request.url.path}: {words}")
    assert not found, "English in Spanish form errors:\n" + "\n".join(found)


def test_the_english_detector_finds_english() -> None:
    assert english_words("<main><p>required answer missing</p></main>") == [
        "answer",
        "missing",
        "required",
    ]
    assert english_words("<p>falta una respuesta obligatoria</p><code>the</code>") == []
