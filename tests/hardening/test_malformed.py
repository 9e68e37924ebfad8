"""Malformed input answers 4xx with a clear message, never 500 (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import TEST_PASSWORD, Web


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "path",
    ["/registry/1e20", "/registry/99999999999999999999", "/registry/99999999999"],
)
def test_out_of_range_ids_are_404_or_422(web: Web, path: str) -> None:
    analyst = web.login_as("analyst")
    response = analyst.get(path)
    assert response.status_code in (400, 404, 422), response.text
    api = analyst.get("/api/v1/registry/cooperatives/99999999999")
    assert api.status_code in (400, 404, 422), api.text


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor([1, "x"]),
        _cursor([None, None]),
        _cursor(["a", 10**30]),
        _cursor(["a", True]),
        _cursor({"a": 1}),
        "%%%",
        "bm90IGpzb24",
    ],
)
def test_bad_cursor_is_400(web: Web, cursor: str) -> None:
    analyst = web.login_as("analyst")
    response = analyst.get("/api/v1/registry/cooperatives", params={"after": cursor})
    assert response.status_code == 400, response.text
    assert "cursor" in response.json()["detail"]


@pytest.mark.parametrize("params", [{"limit": -1}, {"offset": -1}, {"limit": 10**12}])
def test_negative_limit_and_offset_are_422(web: Web, params: dict[str, int]) -> None:
    analyst = web.login_as("analyst")
    response = analyst.get("/api/v1/diagnoses", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"][-1] in params


def test_nul_byte_in_login_username_is_400(web: Web) -> None:
    client = web.new_client()
    response = client.post(
        "/login",
        data={"username": "admin\x00", "password": TEST_PASSWORD, "csrf_token": web.csrf(client)},
    )
    assert response.status_code == 400, response.text
    assert "Usuario o contraseña incorrectos" in response.text or "Wrong" in response.text


def test_nul_byte_in_a_query_is_not_500(web: Web) -> None:
    analyst = web.login_as("analyst")
    response = analyst.get("/api/v1/registry/cooperatives", params={"q": "coop\x00x"})
    assert response.status_code < 500, response.text


def test_non_utf8_csv_to_diagnosis_import_is_read(web: Web) -> None:
    analyst = web.login_as("analyst")
    data = "cooperativa;fecha\nCooperativa Ñandú;2024-01-01\n".encode("cp1252")
    response = analyst.post(
        "/api/v1/diagnoses/import",
        files={"file": ("export.csv", data, "text/csv")},
        headers={"X-CSRF-Token": web.csrf(analyst)},
    )
    assert response.status_code in (200, 422), response.text
    page = analyst.post(
        "/diagnosis/import",
        files={"file": ("export.csv", b"\xff\xfe\x00garbage\x81\n\x9d", "text/csv")},
        data={"csrf_token": web.csrf(analyst)},
    )
    assert page.status_code in (200, 422), page.text


def test_lone_carriage_return_in_a_diagnosis_csv_is_4xx(web: Web) -> None:
    """Found by the fuzzer: a CSV with a lone CR in a field raised csv.Error (500)."""
    analyst = web.login_as("analyst")
    response = analyst.post(
        "/api/v1/diagnoses/import",
        files={"file": ("export.csv", b"a,b\r\x00\nc\rd,e\n", "text/csv")},
        headers={"X-CSRF-Token": web.csrf(analyst)},
    )
    assert 400 <= response.status_code < 500, response.text
