"""Authorization cases of the monitoring routes ("Seguimiento")."""

from __future__ import annotations

from typing import Any

from asocia.monitoring import indicators, sessions, strategy
from asocia.monitoring.defaults import ensure_defaults
from tests.authz import EVERYONE, STAFF, MatrixContext, RouteCase


def _data(ctx: MatrixContext) -> dict[str, Any]:
    with ctx.web.db.session() as session:
        ensure_defaults(session)
        count = len(strategy.list_actions(session))
        action = strategy.create_action(
            session, "PB-2022-23", f"M{count}", {"title": "Matriz"}, None
        )
        council = sessions.list_sessions(session)[0]["id"]
        agreement = sessions.add_agreement(session, council, "Acuerdo de la matriz")
        value = indicators.enter_value(session, "PAE_GRUPOS", "2030", "actual", value=count)
        return {"action": action.id, "session": council, "agreement": agreement.id,
                "value": value.id}  # fmt: skip


def _case(method: str, path: str, allowed: frozenset[str], route: str, **kw: Any) -> RouteCase:
    return RouteCase(method, path, allowed, setup=_data, route=route, **kw)


CSV = b"indicator,period,kind,value\nPAE_GRUPOS,2026,target,3\n"

CASES = [
    RouteCase("GET", "/monitoring", EVERYONE),
    RouteCase("GET", "/monitoring/objectives/OE1", EVERYONE, route="/monitoring/objectives/{code}"),
    RouteCase("GET", "/monitoring/actions", EVERYONE),
    RouteCase("POST", "/monitoring/actions", STAFF, data={"code": "X1", "title": "Matriz"}),
    _case("GET", "/monitoring/actions/{action}", EVERYONE, "/monitoring/actions/{action_id}"),
    _case("POST", "/monitoring/actions/{action}", STAFF, "/monitoring/actions/{action_id}",
          data={"status": "en_curso", "progress": "10"}),
    RouteCase("GET", "/monitoring/sessions", STAFF),
    RouteCase("POST", "/monitoring/sessions", STAFF,
              data={"held_on": "2021-06-01", "title": "Matriz"}),
    _case("GET", "/monitoring/sessions/{session}", STAFF, "/monitoring/sessions/{session_id}"),
    _case("POST", "/monitoring/sessions/{session}/agreements", STAFF,
          "/monitoring/sessions/{session_id}/agreements", data={"text": "Nuevo"}),
    _case("POST", "/monitoring/agreements/{agreement}", STAFF,
          "/monitoring/agreements/{agreement_id}", data={"status": "realizado", "back": "1"}),
    _case("GET", "/monitoring/sessions/{session}/briefing", STAFF,
          "/monitoring/sessions/{session_id}/briefing"),
    _case("GET", "/monitoring/sessions/{session}/briefing.docx", STAFF,
          "/monitoring/sessions/{session_id}/briefing.{fmt}"),
    RouteCase("GET", "/monitoring/indicators", EVERYONE),
    RouteCase("GET", "/monitoring/indicators/PAE_GRUPOS", EVERYONE,
              route="/monitoring/indicators/{code}"),
    RouteCase("POST", "/monitoring/indicators/PAE_GRUPOS/values", STAFF,
              data={"period": "2024", "kind": "actual", "value": "1"},
              route="/monitoring/indicators/{code}/values"),
    _case("POST", "/monitoring/values/{value}/submit", STAFF,
          "/monitoring/values/{value_id}/{action}"),
    # API
    RouteCase("GET", "/api/v1/strategy", EVERYONE),
    RouteCase("GET", "/api/v1/strategy/actions", EVERYONE),
    RouteCase("POST", "/api/v1/strategy/actions", STAFF, json={"code": "API1", "title": "T"}),
    _case("PATCH", "/api/v1/strategy/actions/{action}", STAFF,
          "/api/v1/strategy/actions/{action_id}", json={"progress": 5}),
    RouteCase("GET", "/api/v1/sessions", STAFF),
    _case("GET", "/api/v1/sessions/{session}", STAFF, "/api/v1/sessions/{session_id}"),
    _case("GET", "/api/v1/sessions/{session}/agenda", STAFF,
          "/api/v1/sessions/{session_id}/agenda"),
    _case("GET", "/api/v1/sessions/{session}/briefing?format=pdf", STAFF,
          "/api/v1/sessions/{session_id}/briefing"),
    RouteCase("GET", "/api/v1/indicators", EVERYONE),
    RouteCase("GET", "/api/v1/indicators/status", EVERYONE),
    RouteCase("POST", "/api/v1/indicators/values", STAFF,
              json={"indicator": "PAE_GRUPOS", "period": "2025", "kind": "target", "value": 1}),
    RouteCase("POST", "/api/v1/indicators/values/import", STAFF, files={"file": ("v.csv", CSV)}),
    _case("POST", "/api/v1/indicators/values/{value}/submit", STAFF,
          "/api/v1/indicators/values/{value_id}/{action}"),
]  # fmt: skip
