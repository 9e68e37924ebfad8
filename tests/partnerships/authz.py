"""Authorization cases of the partnership routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asocia.partnerships import store
from tests.authz import EVERYONE, STAFF, MatrixContext, RouteCase

SAMPLE = (Path(__file__).parent / "data" / "activities.xml").read_bytes()


def _project(ctx: MatrixContext) -> dict[str, Any]:
    with ctx.web.db.session() as session:
        return {"project": store.list_projects(session)[0]["id"]}


CASES = [
    RouteCase("GET", "/partnerships", EVERYONE),
    RouteCase("GET", "/partnerships/projects/{project}", EVERYONE, setup=_project,
              route="/partnerships/projects/{project_id}"),
    RouteCase("POST", "/partnerships/projects/{project}/cooperatives", STAFF, setup=_project,
              data={"cooperative_id": "{coop}"},
              route="/partnerships/projects/{project_id}/cooperatives"),
    RouteCase("POST", "/partnerships/projects/{project}/instruments", STAFF, setup=_project,
              data={"instruments": "Programa Asociatividad Económica"},
              route="/partnerships/projects/{project_id}/instruments"),
    RouteCase("GET", "/partnerships/import", STAFF),
    RouteCase("POST", "/partnerships/import", STAFF, files={"file": ("a.xml", SAMPLE)}),
    RouteCase("GET", "/partnerships/export.csv", EVERYONE, route="/partnerships/export.{fmt}"),
    RouteCase("GET", "/api/v1/partnerships/projects", EVERYONE),
    RouteCase("GET", "/api/v1/partnerships/where", EVERYONE),
    RouteCase("POST", "/api/v1/partnerships/import-iati?country=BO", STAFF,
              files={"file": ("a.xml", SAMPLE)}, route="/api/v1/partnerships/import-iati"),
]  # fmt: skip
