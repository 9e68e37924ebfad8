"""Shipped strategy data (seed 003) and plan actions with their history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from asocia.db import Database
from asocia.monitoring import strategy
from asocia.monitoring.defaults import ensure_defaults


def test_seed_003_is_loaded_once_with_provenance(db: Database) -> None:
    with db.session() as session:
        view = strategy.strategy_view(session)
        assert ensure_defaults(session) is False  # a second load does nothing
    assert view["name"].endswith("al 2030")
    assert view["values"] == ["Compromiso", "Confianza", "Participación", "Transparencia",
                              "Honestidad"]  # fmt: skip
    assert [o["code"] for o in view["objectives"]] == ["OE1", "OE2", "OE3", "OE4"]
    assert view["objectives"][2]["name"].startswith("Generar capacidades")
    assert "motor para el desarrollo sustentable" in view["vision"]
    assert [(c["name"], c["objective"]) for c in view["committees"]] == [
        ("Comité Cultura Asociativa", "OE1"),
        ("Comité de Fomento", "OE2"),
        ("Comité Capacitación", "OE3"),
    ]
    plan = view["plans"][0]
    assert plan["name"] == "Primer Plan Bienal 2022-23"
    assert plan["secretariat"] == "ODEPA" and plan["review_every_years"] == 2
    assert "hoja de ruta" in plan["purpose"]
    timeline = [(t["on"], t["title"][:20]) for t in view["timeline"]]
    assert timeline[0][0] == date(2019, 12, 1) and timeline[-2][0] == date(2021, 5, 1)
    assert date(2021, 1, 29) in [t[0] for t in timeline]
    for item in [view, *view["objectives"], *view["committees"], plan, *view["timeline"]]:
        assert item["provenance"].startswith("seed 003"), item


def test_action_changes_are_kept_as_history(db: Database) -> None:
    with db.session() as session:
        action = strategy.create_action(
            session, "PB-2022-23", "A1",
            {"title": "Campaña de difusión", "objective": "OE1", "committee": "cultura",
             "due_on": "2022-12-31"},
            "ana",
        )  # fmt: skip
        strategy.update_action(session, action.id, {"status": "en_curso", "progress": "40"}, "ana")
        strategy.update_action(session, action.id, {"status": "en_curso"}, "ana")  # no change
        strategy.update_action(
            session, action.id, {"status": "realizado", "evidence": "https://x.cl/acta.pdf"}, "luis"
        )
        history = strategy.action_history(session, action.id)
        rows = strategy.list_actions(session)
        by_objective = strategy.progress_by(session, "objective")
    assert [(h["field"], h["old"], h["new"], h["changed_by"]) for h in history] == [
        ("created", None, None, "ana"),
        ("status", "pendiente", "en_curso", "ana"),
        ("progress", "0", "40", "ana"),
        ("status", "en_curso", "realizado", "luis"),
        ("evidence", "", "https://x.cl/acta.pdf", "luis"),
    ]
    assert rows[0]["status"] == "realizado" and rows[0]["committee"] == "cultura"
    oe1 = next(g for g in by_objective if g["code"] == "OE1")
    assert (oe1["actions"], oe1["done"], oe1["progress"]) == (1, 1, 100)


def test_an_open_action_past_due_is_late(db: Database) -> None:
    with db.session() as session:
        action = strategy.create_action(
            session, "PB-2022-23", "A2",
            {"title": "Tarea", "due_on": date.today() - timedelta(days=1)}, None,
        )  # fmt: skip
        assert strategy.effective_status(action) == "atrasado"
        assert strategy.list_actions(session)[0]["recorded_status"] == "pendiente"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"status": "hecho"}, "status: 'hecho' is not one of"),
        ({"progress": "120"}, "progress: 120 is not between 0 and 100"),
        ({"due_on": "31/12/2022"}, "due_on: '31/12/2022' is not a date"),
        ({"objective": "OE9"}, "objective: unknown code 'OE9'"),
    ],
)
def test_bad_action_input_is_refused_with_the_field(
    db: Database, values: dict[str, str], message: str
) -> None:
    with db.session() as session:
        action = strategy.create_action(session, "PB-2022-23", "A3", {"title": "T"}, None)
        with pytest.raises(strategy.MonitoringError, match=message):
            strategy.update_action(session, action.id, values, None)
