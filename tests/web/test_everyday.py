"""Everyday use of the web app: error pages, API document, account page, uploads, caching."""

from __future__ import annotations

import gzip
from pathlib import Path

from fastapi import HTTPException

from asocia.web import caching
from tests.conftest import Web


def test_pages_answer_html_error_pages_in_spanish_and_the_api_json(web: Web) -> None:
    client = web.login_as("analyst")
    for path, status in (("/registry/abc", 404), ("/registry/999999", 404), ("/nothing", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "<html lang=\"es\"" in response.text and 'class="site-header"' in response.text
        assert "Página no encontrada" in response.text, path
    assert "La dirección nombra algo que no existe." in client.get("/registry/abc").text
    assert "no existe esa cooperativa" in client.get("/registry/999999").text

    api = client.get("/api/v1/registry/cooperatives/abc")
    assert api.status_code == 422 and api.json()["detail"] == "invalid request"
    missing = client.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}

    english = web.new_client()
    english.cookies.set("asocia_lang", "en")
    assert "Page not found" in english.get("/nothing").text


def test_an_unexpected_failure_is_a_500_page_in_the_layout(web: Web) -> None:
    def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    def refuse() -> None:
        raise HTTPException(409, "no such job")

    web.app.add_api_route("/boom", boom)
    web.app.add_api_route("/api/v1/boom", boom)
    web.app.add_api_route("/conflict", refuse)
    from fastapi.testclient import TestClient

    with TestClient(web.app, raise_server_exceptions=False) as client:
        page = client.get("/boom")
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert "Algo salió mal" in page.text or "salió mal" in page.text
        assert "internal detail" not in page.text
        api = client.get("/api/v1/boom")
        assert api.status_code == 500 and api.json() == {"detail": "internal error"}
        conflict = client.get("/conflict")
        assert conflict.status_code == 409 and "no existe ese trabajo" in conflict.text


def test_the_openapi_document_lists_only_the_api_with_bearer_auth(web: Web) -> None:
    document = web.client.get("/api/v1/openapi.json").json()
    paths = list(document["paths"])
    assert len(paths) > 15
    assert all(p.startswith("/api/v1/") for p in paths), [p for p in paths if "/api/" not in p]
    assert "/login" not in paths and "/registry" not in paths
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert {"bearerAuth": []} in document["security"]


def test_account_page_shows_the_bearer_placeholder_as_text(web: Web) -> None:
    page = web.login_as("field").get("/account").text
    assert "Authorization: Bearer &lt;token&gt;" in page
    assert "<token>" not in page


def test_uploads_go_to_a_temporary_folder_not_the_checkout(web: Web, tmp_path: Path) -> None:
    checkout_uploads = Path.cwd() / "asocia-uploads"
    before = set(checkout_uploads.rglob("*")) if checkout_uploads.exists() else set()
    client = web.login_as("analyst")
    response = client.post(
        "/registry/import",
        files={"file": ("empty.csv", b"razon_social,rut\nCooperativa A,76.086.428-5\n")},
        data={"csrf_token": web.csrf(client)},
    )
    assert response.status_code == 303
    folder = web.app.state.settings.upload_dir
    assert folder.is_relative_to(tmp_path)
    assert list((folder / "registry").glob("*.csv"))
    after = set(checkout_uploads.rglob("*")) if checkout_uploads.exists() else set()
    assert after == before


def test_dashboard_is_cached_by_data_version_with_etag_and_304(web: Web) -> None:
    caching.clear()
    for i in range(5):
        web.make_cooperative(legal_name=f"Cooperativa {i}", region_code=13, legal_status="vigente")
    client = web.login_as("analyst")
    first = client.get("/stats")
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    misses = caching.PAGES.misses
    second = client.get("/stats")
    assert second.status_code == 200 and caching.PAGES.misses == misses  # served from the cache
    assert second.headers["etag"] == etag
    assert client.get("/stats", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/stats", headers={"If-Modified-Since": modified}).status_code == 304
    # Another language, other filters and the public view are other entries.
    assert client.get("/stats?region=13").headers["etag"] != etag
    anonymous = web.new_client().get("/stats")
    assert anonymous.status_code == 200 and anonymous.headers["etag"] != etag
    # A change of the registry changes the data version: a new page, not the cached one.
    web.make_cooperative(legal_name="Cooperativa nueva", region_code=13, legal_status="vigente")
    third = client.get("/stats", headers={"If-None-Match": etag})
    assert third.status_code == 200 and third.headers["etag"] != etag
    assert caching.PAGES.misses == misses + 3

    api = client.get("/api/v1/stats/dashboard")
    assert api.status_code == 200 and api.json()["headline"]["cooperatives"] == 6
    again = client.get("/api/v1/stats/dashboard", headers={"If-None-Match": api.headers["etag"]})
    assert again.status_code == 304


def test_responses_are_compressed_for_clients_that_accept_gzip(web: Web) -> None:
    client = web.login_as("analyst")
    response = client.get("/stats", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    raw = client.get("/stats", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content) / 3
