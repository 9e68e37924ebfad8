"""Authorization cases of the programmes routes."""

from __future__ import annotations

from typing import Any

from asocia.programmes import feasibility
from tests.authz import EVERYONE, STAFF, MatrixContext, RouteCase

REGISTRY_READERS = frozenset({"admin", "analyst", "field"})
CATALOGUE_YAML = b"""instruments:
- {code: matrix-test, name: Instrumento de prueba, agency: INDAP, stages: [associative]}
"""
UPTAKE_CSV = b"rut;agencia;fecha;monto\n76.086.428-5;INDAP;15-03-2021;1.000.000\n"


def _saved(ctx: MatrixContext) -> dict[str, Any]:
    with ctx.web.db.session() as session:
        result = feasibility.save(
            session, {"need_shared": "2"}, lang="es", group_name=None, comuna_code=None
        )
        return {"token": result.token}


CASES = [
    RouteCase("GET", "/programmes", EVERYONE),
    RouteCase("GET", "/programmes/matrix", EVERYONE),
    RouteCase("GET", "/programmes/coverage", EVERYONE),
    RouteCase("GET", "/programmes/export?format=csv", EVERYONE, route="/programmes/export"),
    RouteCase("GET", "/programmes/groups", REGISTRY_READERS),
    RouteCase("GET", "/programmes/indap-pae", EVERYONE, route="/programmes/{key}"),
    RouteCase(
        "POST",
        "/programmes/indap-pae/status",
        STAFF,
        data={"status": "retired"},
        route="/programmes/{key}/status",
    ),
    RouteCase(
        "POST",
        "/programmes/import",
        STAFF,
        files={"file": ("catalogo.yaml", CATALOGUE_YAML, "application/yaml")},
    ),
    RouteCase("GET", "/asociarse", EVERYONE),
    RouteCase("POST", "/asociarse", EVERYONE, data={"need_shared": "2"}),
    RouteCase("POST", "/asociarse/pdf", EVERYONE, data={"need_shared": "2"}),
    RouteCase("POST", "/asociarse/save", EVERYONE, data={"need_shared": "2"}),
    RouteCase("GET", "/asociarse/r/{token}", EVERYONE, setup=_saved, route="/asociarse/r/{token}"),
    RouteCase("GET", "/api/v1/programmes", EVERYONE),
    RouteCase("GET", "/api/v1/programmes/matrix", EVERYONE),
    RouteCase("GET", "/api/v1/programmes/coverage", EVERYONE),
    RouteCase(
        "GET",
        "/api/v1/programmes/recommend/{coop}",
        REGISTRY_READERS,
        route="/api/v1/programmes/recommend/{key}",
    ),
    RouteCase(
        "POST",
        "/api/v1/programmes/import",
        STAFF,
        files={"file": ("catalogo.yaml", CATALOGUE_YAML, "application/yaml")},
    ),
    RouteCase(
        "POST",
        "/api/v1/programmes/uptake/import",
        STAFF,
        data={"dry_run": "true"},
        files={"file": ("transferencias.csv", UPTAKE_CSV, "text/csv")},
    ),
    RouteCase(
        "GET",
        "/api/v1/programmes/indap-pae/series",
        EVERYONE,
        route="/api/v1/programmes/{key}/series",
    ),
    RouteCase("GET", "/api/v1/programmes/indap-pae", EVERYONE, route="/api/v1/programmes/{key}"),
    RouteCase(
        "PUT",
        "/api/v1/programmes/matrix-put",
        STAFF,
        json={"name": "Prueba", "agency": "FIA", "stages": ["individual"]},
        route="/api/v1/programmes/{key}",
    ),
    RouteCase("GET", "/api/v1/feasibility", EVERYONE),
    RouteCase("POST", "/api/v1/feasibility", EVERYONE, json={"need_shared": "2"}),
]

CASES += [
    RouteCase("GET", "/programmes/new", STAFF),
    RouteCase("GET", "/programmes/indap-pae/edit", STAFF, route="/programmes/{key}/edit"),
    RouteCase(
        "POST",
        "/programmes/save",
        STAFF,
        data={"code": "matrix-form", "name": "Forma", "agency": "FIA", "stages": "individual"},
    ),
    RouteCase("GET", "/programmes/uptake", STAFF),
    RouteCase(
        "GET", "/api/v1/programmes/export?format=hsds", EVERYONE, route="/api/v1/programmes/export"
    ),
    RouteCase(
        "POST",
        "/programmes/uptake",
        STAFF,
        data={"dry_run": "true"},
        files={"file": ("transferencias.csv", UPTAKE_CSV, "text/csv")},
    ),
]
