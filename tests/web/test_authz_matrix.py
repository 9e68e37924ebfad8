"""Every route × every role (and anonymous) against the expected allow/deny."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from starlette.routing import Mount, Route

import tests
from asocia import jobs
from asocia.auth import accounts
from asocia.db.models import User
from tests.authz import ROLES, MatrixContext, RouteCase, iter_routes
from tests.conftest import Web


def all_cases() -> list[RouteCase]:
    cases: list[RouteCase] = []
    for module in pkgutil.iter_modules(tests.__path__):
        try:
            authz = importlib.import_module(f"tests.{module.name}.authz")
        except ModuleNotFoundError:
            continue
        cases.extend(authz.CASES)
    return cases


CASES = all_cases()


def app_routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for path, route in iter_routes(app.routes):
        if isinstance(route, Mount):
            continue  # static files
        if isinstance(route, Route | APIRoute):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((method, path))
    return found


def permission_of(route: APIRoute) -> Any:
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        permission = getattr(dependency.call, "permission", None)
        if permission is not None:
            return permission
        stack.extend(dependency.dependencies)
    return None


def test_every_route_has_a_case_and_a_permission(web: Web) -> None:
    covered = {(c.method, c.route or c.path) for c in CASES}
    routes = app_routes(web.app)
    assert len(routes) > 60, "the walk must reach the capability routers' routes"
    missing = sorted(routes - covered)
    assert not missing, f"routes with no authorization case: {missing}"
    unguarded = [
        path
        for path, route in iter_routes(web.app.routes)
        if isinstance(route, APIRoute) and permission_of(route) is None
    ]
    assert not unguarded, f"routes that do not depend on require(): {unguarded}"
    # Routes FastAPI adds itself (the OpenAPI document) are plain Routes; keep that list known.
    plain = sorted(
        path
        for path, route in iter_routes(web.app.routes)
        if isinstance(route, Route) and not isinstance(route, APIRoute)
    )
    assert plain == ["/api/v1/openapi.json"]


def _placeholders(ctx: MatrixContext, case: RouteCase) -> dict[str, Any]:
    web = ctx.web
    target = web.create_user("field") if "{username}" in case.path else None
    with web.db.session() as session:
        owner = session.get(User, ctx.user_id) if ctx.user_id else None
        if owner is None:
            owner = session.scalar(select(User).where(User.role == "admin"))
        token = accounts.create_token(session, owner, "matrix")
        job = jobs.create_job(session, kind="matrix", params=None, user_id=owner.id)
    values = {
        "coop": ctx.other_cooperative,
        "own": ctx.own_cooperative,
        "token": token.id,
        "job": job.id,
        "username": target,
    }
    if case.setup is not None:
        values.update(case.setup(ctx))
    return values


def _allowed(response: Any) -> bool:
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.text[:500]}")
    if response.status_code in (401, 403, 404):
        return False
    location = response.headers.get("location", "")
    return not (response.status_code in (302, 303, 307) and location.startswith("/login"))


@pytest.mark.parametrize("role", ROLES)
def test_matrix(web: Web, role: str) -> None:
    own = web.make_cooperative(legal_name="Cooperativa Propia", region_code=13)
    other = web.make_cooperative(legal_name="Cooperativa Ajena", region_code=13)
    web.create_user("admin", username="matrix-admin")

    def log_in() -> Any:
        if role == "anonymous":
            return web.new_client()
        return web.login_as(role, cooperative_id=own if role == "coop" else None)

    client = log_in()
    wrong = []
    for case in CASES:
        ctx = MatrixContext(
            web=web,
            role=role,
            user_id=getattr(client, "user_id", None),
            own_cooperative=own,
            other_cooperative=other,
        )
        path = case.path.format(**_placeholders(ctx, case))
        kwargs: dict[str, Any] = {}
        if case.method != "GET":
            kwargs["headers"] = {"X-CSRF-Token": web.csrf(client)}
        if case.data is not None:
            kwargs["data"] = case.data
        if case.json is not None:
            kwargs["json"] = case.json
        if case.files is not None:
            kwargs["files"] = case.files
        response = client.request(case.method, path, **kwargs)
        expected = role in case.allowed
        if _allowed(response) != expected:
            wrong.append(
                f"{case.id} as {role}: got {response.status_code}, expected "
                f"{'allowed' if expected else 'denied'}"
            )
        if case.path == "/logout":
            client = log_in()
    assert not wrong, "\n".join(wrong)
