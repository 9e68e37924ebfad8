"""Authorization cases of the diagnosis routes."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.authz import EVERYONE, STAFF, RouteCase

VIEWERS = frozenset({"admin", "analyst", "field", "coop"})
ENTER = frozenset({"admin", "analyst", "field"})
EXPORT = b"a,b\n1,2\n"


def _diagnoses(ctx: Any) -> dict[str, Any]:
    """A submitted diagnosis (with an action plan) of each cooperative."""
    from asocia.diagnosis import store
    from asocia.diagnosis.loader import get_instrument
    from asocia.diagnosis.sample import extreme_answers

    instrument = get_instrument("diagnostico-rapido", "1")
    answers = {
        k: sorted(v) if isinstance(v, frozenset) else v
        for k, v in extreme_answers(instrument, best=False).items()
    }
    ids: dict[str, Any] = {"category": "gestion_financiera"}
    with ctx.web.db.session() as session:
        for name, coop in (("own", ctx.own_cooperative), ("other", ctx.other_cooperative)):
            d = store.create_diagnosis(
                session,
                cooperative_id=coop,
                instrument=instrument,
                diagnosed_on=date(2026, 3, 1),
                diagnostician="x",
                actor=store.Actor(),
            )
            store.save_answers(session, d, instrument, answers, submit=True)
            ids[f"{name}_diag"] = d.id
            ids[f"{name}_action"] = d.actions[0].id
    return ids


D = "/diagnosis/{diagnosis_id}"
A = "/api/v1/diagnoses/{diagnosis_id}"
NEW = {"cooperative_id": "1", "instrument": "diagnostico-rapido@1", "diagnosed_on": "2026-01-01"}
ACTION = {"action": "Hacer algo", "owner": "", "due_on": "", "status": "pending"}


def _both(
    method: str, path: str, route: str, own: frozenset[str], other: frozenset[str], **kw: Any
) -> list[RouteCase]:
    return [
        RouteCase(method, path.format(which="own"), own, setup=_diagnoses, route=route, **kw),
        RouteCase(method, path.format(which="other"), other, setup=_diagnoses, route=route, **kw),
    ]


CASES = [
    RouteCase("GET", "/diagnosis", VIEWERS),
    RouteCase("GET", "/diagnosis/new", ENTER),
    RouteCase("POST", "/diagnosis/new", ENTER, data=NEW),
    RouteCase("GET", "/diagnosis/portfolio", STAFF),
    RouteCase("GET", "/diagnosis/portfolio.csv", STAFF),
    RouteCase("GET", "/diagnosis/portfolio.xlsx", STAFF),
    RouteCase(
        "GET", "/diagnosis/xlsform?instrument=diagnostico-rapido", ENTER, route="/diagnosis/xlsform"
    ),
    RouteCase("GET", "/diagnosis/import", STAFF),
    RouteCase("POST", "/diagnosis/import", STAFF, files={"file": ("x.csv", EXPORT, "text/csv")}),
    *_both("GET", "/diagnosis/{{{which}_diag}}", D, VIEWERS, ENTER),
    *_both("GET", "/diagnosis/{{{which}_diag}}/report.pdf", D + "/report.pdf", VIEWERS, ENTER),
    RouteCase(
        "GET",
        "/diagnosis/{own_diag}/edit/{category}",
        ENTER,
        setup=_diagnoses,
        route=D + "/edit/{category_id}",
    ),
    RouteCase(
        "POST",
        "/diagnosis/{own_diag}/edit/{category}",
        ENTER,
        setup=_diagnoses,
        route=D + "/edit/{category_id}",
        data={"intent": "save"},
    ),
    RouteCase(
        "POST",
        "/diagnosis/{own_diag}/actions",
        ENTER,
        setup=_diagnoses,
        route=D + "/actions",
        data={"action": "Visitar la federación"},
    ),
    RouteCase(
        "POST",
        "/diagnosis/{own_diag}/actions/{own_action}",
        ENTER,
        setup=_diagnoses,
        route=D + "/actions/{action_id}",
        data=ACTION,
    ),
    RouteCase("GET", "/api/v1/diagnosis/instruments", EVERYONE),
    RouteCase("GET", "/api/v1/diagnoses", VIEWERS),
    RouteCase(
        "POST",
        "/api/v1/diagnoses",
        ENTER,
        json={
            "cooperative_id": 1,
            "instrument": "diagnostico-rapido",
            "diagnosed_on": "2026-01-01",
        },
    ),
    *_both("GET", "/api/v1/diagnoses/{{{which}_diag}}", A, VIEWERS, ENTER),
    RouteCase(
        "PATCH",
        "/api/v1/diagnoses/{own_diag}",
        ENTER,
        setup=_diagnoses,
        route=A,
        json={"answers": {"fin_presupuesto": "yes"}},
    ),
    RouteCase(
        "PATCH",
        "/api/v1/diagnoses/{own_diag}/actions/{own_action}",
        ENTER,
        setup=_diagnoses,
        route=A + "/actions/{action_id}",
        json={"status": "done"},
    ),
    RouteCase(
        "POST", "/api/v1/diagnoses/import", STAFF, files={"file": ("x.csv", EXPORT, "text/csv")}
    ),
    RouteCase("GET", "/api/v1/diagnosis/portfolio", STAFF),
]
