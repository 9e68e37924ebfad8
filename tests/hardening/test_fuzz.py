"""Property-based fuzzing of every route of the app's OpenAPI document (in-process).

Each operation gets generated path and query parameters — the declared ones and the filters
routes read themselves — and, for writes, generated JSON or form bodies; whatever the values
(huge or negative integers, exponents, NUL bytes, junk cursors), the answer is never a 5xx.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asocia.settings import Settings
from asocia.web import create_app
from tests.conftest import Web

HOSTILE = st.sampled_from(
    [
        "1e20",
        "-1",
        "0",
        "99999999999",
        "9223372036854775808",
        "-9223372036854775809",
        "NaN",
        "inf",
        "\x00",
        "a\x00b",
        "%",
        "' OR 1=1 --",
        "=HYPERLINK(1)",
        base64.urlsafe_b64encode(json.dumps([1, "x"]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["a", 10**40]).encode()).decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "ñandú",
        "",
    ]
)
VALUES = st.one_of(
    HOSTILE,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(str),
    st.text(max_size=20),
)
# Parameters that routes read from the query string themselves (filters, pages, cursors).
EXTRA = [
    "q",
    "region",
    "comuna",
    "limit",
    "offset",
    "page",
    "after",
    "sort",
    "legal_class",
    "rural_class",
    "ilo_type",
    "status",
    "size_band",
    "country",
    "activity",
    "year",
    "rows",
    "columns",
    "measure",
    "public",
    "format",
    "instrument",
    "sheet",
]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | VALUES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
SKIP = {("POST", "/logout")}


SPEC: dict[str, Any] = {}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    settings_ = Settings(database_url="sqlite://", secret_key="f" * 40)
    from asocia.db import Database
    from asocia.db.migrate import upgrade

    database = Database("sqlite://")
    upgrade(database)
    spec = create_app(settings_, database=database).openapi()
    SPEC.update(spec)
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if (method.upper(), path) not in SKIP:
                found.append((method.upper(), path, operation))
    return found


OPERATIONS = _operations()


def _form_fields(operation: dict[str, Any]) -> tuple[str | None, list[str]]:
    content = operation.get("requestBody", {}).get("content", {})
    for kind in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data"):
        if kind in content:
            schema = content[kind].get("schema", {})
            if "$ref" in schema:
                schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            return kind, list(schema.get("properties", {}))
    return None, []


@pytest.fixture
def fuzz_app(web: Web) -> Web:
    return web


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_route_answers_5xx(
    fuzz_app: Web, method: str, path: str, operation: dict[str, Any], data: st.DataObject
) -> None:
    web = fuzz_app
    client = getattr(web, "_fuzz_client", None)
    if client is None:
        client = web.login_as("admin")
        web._fuzz_client = client  # type: ignore[attr-defined]
    url = path
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            value = data.draw(VALUES, label=parameter["name"])
            url = url.replace("{" + parameter["name"] + "}", quote(value, safe="") or "x")
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    names += data.draw(st.lists(st.sampled_from(EXTRA), max_size=4, unique=True), label="extra")
    query = {name: data.draw(VALUES, label=name) for name in names}
    headers = {"X-CSRF-Token": web.csrf(client)}
    kind, fields = _form_fields(operation)
    kwargs: dict[str, Any] = {"params": query, "headers": headers}
    if kind == "application/json":
        kwargs["json"] = data.draw(
            st.one_of(JSON, st.fixed_dictionaries({f: JSON for f in fields})), label="body"
        )
    elif kind is not None:
        form = {f: data.draw(VALUES, label=f) for f in fields if f not in ("file", "csrf_token")}
        form["csrf_token"] = headers["X-CSRF-Token"]
        kwargs["data"] = form
        if "file" in fields:
            content = data.draw(st.binary(max_size=200), label="file")
            name = data.draw(st.sampled_from(["x.csv", "x.xlsx", "x.jsonl", "x.txt"]))
            kwargs["files"] = {"file": (name, content)}
    response = client.request(method, url, **kwargs)
    assert response.status_code < 500, (method, url, query, response.text[:500])
