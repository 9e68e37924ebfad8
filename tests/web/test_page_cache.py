"""Pages served from the per-worker cache (asocia.web.caching) stay exact: a change of the
registry shows at once, the layout names each visitor with their own CSRF token, and the
content follows the visitor's rights."""

from __future__ import annotations

import re

from sqlalchemy import select

from asocia.db.models import Cooperative
from asocia.db.models.programmes import Instrument
from asocia.programmes import catalogue
from asocia.web import caching
from asocia.web.registry import LIST_JSON, LIST_PAGES
from tests.conftest import Web


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match[1]


def test_registry_list_is_cached_until_the_registry_changes(web: Web) -> None:
    caching.clear()
    web.make_cooperative(legal_name="Cooperativa Alfa", name_key="alfa", region_code=13)
    client = web.login_as("analyst")
    first = client.get("/registry?region=13")
    assert first.status_code == 200 and "Cooperativa Alfa" in first.text
    misses = LIST_PAGES.misses
    again = client.get("/registry?region=13")
    assert again.text == first.text and LIST_PAGES.misses == misses  # from the cache

    # A new cooperative, then an edit: each shows on the next request.
    web.make_cooperative(legal_name="Cooperativa Beta", name_key="beta", region_code=13)
    added = client.get("/registry?region=13")
    assert "Cooperativa Beta" in added.text and LIST_PAGES.misses == misses + 1
    with web.db.session() as session:
        alfa = session.scalars(select(Cooperative).where(Cooperative.name_key == "alfa")).one()
        alfa.legal_name = "Cooperativa Alfa Renombrada"
    edited = client.get("/registry?region=13")
    assert "Cooperativa Alfa Renombrada" in edited.text

    # The JSON list and the home page's count follow too.
    api = client.get("/api/v1/registry/cooperatives?region=13")
    assert api.json()["count"] == 2
    assert client.get("/api/v1/registry/cooperatives?region=13").json() == api.json()
    json_misses = LIST_JSON.misses
    client.get("/api/v1/registry/cooperatives?region=13")
    assert LIST_JSON.misses == json_misses
    web.make_cooperative(legal_name="Cooperativa Gamma", name_key="gamma", region_code=13)
    assert client.get("/api/v1/registry/cooperatives?region=13").json()["count"] == 3
    assert 'data-testid="cooperative-count">3<' in client.get("/").text


def test_cached_pages_name_each_visitor_with_their_own_token(web: Web) -> None:
    caching.clear()
    web.make_cooperative(legal_name="Cooperativa Alfa", name_key="alfa")
    first, second = web.login_as("analyst"), web.login_as("analyst")
    names = []
    for client in (first, second):
        page = client.get("/registry")
        assert page.status_code == 200
        name = re.search(r'data-testid="account-link">([^ <]+)', page.text)
        assert name
        names.append(name[1])
        assert _token(page.text) == web.csrf(client)
    assert names[0] != names[1]
    # The second visitor's page came from the cache, with their name, not the first's.
    assert names[0] not in second.get("/registry").text
    assert names[1] not in first.get("/registry").text


def test_cached_list_follows_the_visitors_rights(web: Web) -> None:
    caching.clear()
    web.make_cooperative(legal_name="Cooperativa Alfa", name_key="alfa")
    field, analyst, admin = web.login_as("field"), web.login_as("analyst"), web.login_as("admin")
    for _ in range(2):  # the second time from the cache
        assert 'data-testid="import-link"' not in field.get("/registry").text
        assert 'data-testid="import-link"' in analyst.get("/registry").text
        assert "/registry/audit" not in analyst.get("/registry").text
        assert "/registry/audit" in admin.get("/registry").text
    # A coop user may not browse the registry at all.
    assert web.login_as("coop").get("/registry").status_code == 403


def test_recommendations_follow_the_catalogue(web: Web) -> None:
    coop = web.make_cooperative(
        legal_name="Cooperativa Alfa", name_key="alfa", legal_status="vigente", country="CL"
    )
    client = web.login_as("analyst")
    page = client.get(f"/registry/{coop}")
    shown = re.findall(r'href="/programmes/(\d+)"', page.text)
    assert shown, "the default catalogue recommends something to a vigente co-op"
    with web.db.session() as session:
        instrument = session.get(Instrument, int(shown[0]))
        assert instrument is not None
        catalogue.set_status(session, instrument, "retired", "test")
    after = re.findall(r'href="/programmes/(\d+)"', client.get(f"/registry/{coop}").text)
    assert shown[0] not in after
