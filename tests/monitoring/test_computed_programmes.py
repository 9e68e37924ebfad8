"""Computed indicators over the diagnosis lights and the programmes' coverage: they follow the
data (a new diagnosis, a new uptake record); the public sees them through the cell key method
(perturbed within its bound, the same every time, withheld below k)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from asocia.db import Database
from asocia.monitoring import indicators as ind
from asocia.monitoring.computed import ComputedError, evaluate
from asocia.programmes import catalogue, uptake
from asocia.stats.cellkey import Perturbation
from tests.conftest import Web
from tests.programmes.helpers import add_coop, add_diagnosis, rut

YEAR = str(date.today().year)


CONTROL = Perturbation(k=3, max_noise=2, variance=1.0, magnitude=0.1)


def _actual(db: Database, code: str, control: Perturbation | None = None) -> dict[str, Any]:
    with db.session() as session:
        return ind.indicator_status(
            session, ind.get_indicator(session, code), YEAR, control=control
        )


def _near(value: Any, exact: int) -> bool:
    """A public count: withheld, or within the perturbation's bound of the exact one."""
    return value is None or abs(value - exact) <= CONTROL.max_noise


def _import(db: Database, tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / f"u{len(list(tmp_path.iterdir()))}.csv"
    path.write_text("\n".join(["rut;instrumento;año;monto", *lines]) + "\n", encoding="utf-8")
    with db.session() as session:
        catalogue.ensure_defaults(session)
        assert uptake.import_file(session, path).created == len(lines)


def test_share_with_green_governance_follows_the_diagnoses(db: Database) -> None:
    assert _actual(db, "COOP_GOBERNANZA_VERDE")["actual"] is None  # nobody diagnosed
    coops = [add_coop(db, 76_410_000 + i, region_code=7) for i in range(4)]
    for coop in coops[:3]:
        add_diagnosis(db, coop, ("fin_",))  # governance green, finance red
    add_diagnosis(db, coops[3], ("gob_",))  # governance red
    status = _actual(db, "COOP_GOBERNANZA_VERDE")
    assert (status["numerator"], status["denominator"]) == (3, 4)
    assert status["actual"] == pytest.approx(0.75)
    # A newer diagnosis of one of the green ones turns its governance red: 2 of 4.
    add_diagnosis(db, coops[0], ("gob_",))
    status = _actual(db, "COOP_GOBERNANZA_VERDE")
    assert (status["numerator"], status["denominator"]) == (2, 4)
    # Public: the counts are perturbed by their cell keys, the same on every request; a count
    # published below k = 3 withholds the share, which is then not reported.
    public = _actual(db, "COOP_GOBERNANZA_VERDE", CONTROL)
    assert public == _actual(db, "COOP_GOBERNANZA_VERDE", CONTROL)
    if public["actual"] is None:
        assert public["suppressed"] and public["status"] == "not_reported"
    else:
        assert _near(public["numerator"], 2) and _near(public["denominator"], 4)
        assert public["numerator"] >= 3 and public["denominator"] >= 3


def test_coops_reached_and_targeting_gap_follow_the_uptake(db: Database, tmp_path: Path) -> None:
    coops = [add_coop(db, 76_420_000 + i, region_code=7, members_total=10) for i in range(5)]
    for coop in coops[:4]:
        add_diagnosis(db, coop, ("fin_",))  # red in financial management
    assert _actual(db, "PROG_COOP_ALCANZADAS")["actual"] == 0
    assert _actual(db, "PROG_BRECHA_FOCALIZACION")["actual"] == 4
    # Two reached: one by an accounting instrument (answers finance), one by irrigation.
    _import(
        db,
        tmp_path,
        [
            f"{rut(76_420_000)};fia-curso-contabilidad-cooperativas;2023;1000000",
            f"{rut(76_420_001)};indap-riego-asociativo;2023;2000000",
        ],
    )
    assert _actual(db, "PROG_COOP_ALCANZADAS")["actual"] == 2
    assert _actual(db, "PROG_BRECHA_FOCALIZACION")["actual"] == 3
    # Public figures go through the cell key method: bounded, deterministic, "< k" withheld.
    reached = _actual(db, "PROG_COOP_ALCANZADAS", CONTROL)
    assert _near(reached["actual"], 2) and (reached["actual"] is None or reached["actual"] >= 3)
    assert _near(_actual(db, "PROG_BRECHA_FOCALIZACION", CONTROL)["actual"], 3)
    _import(db, tmp_path, [f"{rut(76_420_004)};indap-riego-asociativo;2023;500000"])
    assert _near(_actual(db, "PROG_COOP_ALCANZADAS", CONTROL)["actual"], 3)
    assert _actual(db, "PROG_COOP_ALCANZADAS")["actual"] == 3  # analysts: exact
    with db.session() as session:
        one = evaluate(
            session,
            {"from": "programme_coverage", "measure": "targeting_gap", "category": "gobernanza"},
        )
    assert one["CL"]["value"] == 0  # nobody is red in governance


def test_derived_definitions_are_checked(db: Database) -> None:
    with db.session() as session:
        with pytest.raises(ComputedError, match="measure"):
            evaluate(session, {"from": "programme_coverage", "measure": "budget"})
        with pytest.raises(ComputedError, match="category"):
            evaluate(session, {"from": "diagnosis_lights"})
        with pytest.raises(ComputedError, match="not one of"):
            evaluate(session, {"from": "people", "count": True})


def test_indicators_shipped_later_reach_an_existing_database(db: Database) -> None:
    from sqlalchemy import delete, select

    from asocia.db.models.monitoring import Indicator
    from asocia.monitoring.defaults import ensure_defaults

    with db.session() as session:
        ensure_defaults(session)
        # A database loaded before the programme indicators existed, with an edited name.
        session.execute(delete(Indicator).where(Indicator.code == "PROG_BRECHA_FOCALIZACION"))
        kept = ind.get_indicator(session, "COOP_VIGENTES")
        kept.name_es = "Cooperativas vigentes (editado)"
        session.flush()
    with db.session() as session:
        assert ensure_defaults(session) is False
        codes = set(session.scalars(select(Indicator.code)))
        assert "PROG_BRECHA_FOCALIZACION" in codes
        assert ind.get_indicator(session, "COOP_VIGENTES").name_es.endswith("(editado)")
        assert ind.get_indicator(session, "PROG_BRECHA_FOCALIZACION").objective is not None


def test_public_panel_withholds_small_computed_figures(web: Web) -> None:
    # Two diagnosed, neither green in governance: the public count of green co-ops is an empty
    # cell, always "< k" under the cell key method, so the share is withheld whatever the keys.
    for i in range(2):
        coop = add_coop(web.db, 76_430_000 + i, region_code=7)
        add_diagnosis(web.db, coop, ("gob_",))
    anonymous = web.client.get("/monitoring/indicators").text
    assert 'data-testid="withheld-COOP_GOBERNANZA_VERDE"' in anonymous
    assert "reservado: menos cooperativas de las que se pueden publicar" in anonymous
    api = web.client.get("/api/v1/indicators/status").json()
    row = next(r for r in api if r["code"] == "COOP_GOBERNANZA_VERDE")
    assert row["suppressed"] and row["actual"] is None
    analyst = web.login_as("analyst")  # full statistics: 0 of 2 green
    assert (
        'data-testid="withheld-COOP_GOBERNANZA_VERDE"'
        not in analyst.get("/monitoring/indicators").text
    )
    full = analyst.get("/api/v1/indicators/status").json()
    row = next(r for r in full if r["code"] == "COOP_GOBERNANZA_VERDE")
    assert row["actual"] == 0.0 and not row["suppressed"]
