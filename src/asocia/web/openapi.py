"""The OpenAPI document: the JSON API only (``/api/v1``), with bearer-token authentication
declared so that Swagger UI's "Authorize" button sends ``Authorization: Bearer <token>``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

SCHEME = "bearerAuth"


def document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema of ``app``'s API routes, built once and kept."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    schema["paths"] = {p: v for p, v in schema.get("paths", {}).items() if p.startswith("/api/v1/")}
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "API token from /account (Authorization: Bearer <token>).",
    }
    # A token is optional on public endpoints, so both "token" and "no token" are allowed.
    schema["security"] = [{SCHEME: []}, {}]
    app.openapi_schema = schema
    return schema


def install(app: FastAPI) -> None:
    """Serve :func:`document` as the app's OpenAPI schema."""
    app.openapi = lambda: document(app)  # type: ignore[method-assign]
