"""Recommendations for a cooperative from its stage, purpose and latest diagnosis, with why."""

from __future__ import annotations

from datetime import date

from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.programmes import recommend
from tests.programmes.helpers import add_coop, add_diagnosis, rut


def test_lights_of_the_latest_diagnosis(db: Database) -> None:
    coop = add_coop(db, 76_200_001, legal_class="campesina")
    add_diagnosis(db, coop)
    with db.session() as session:
        lights = recommend.diagnosis_lights(session, coop)
    assert lights["gestion_financiera"] == "red"
    assert lights["gobernanza"] == "green"


def test_red_finance_puts_accounting_and_finance_first(db: Database) -> None:
    coop_id = add_coop(
        db,
        76_200_002,
        legal_class="campesina",
        rural_class="rural",
        members_total=30,
        legal_status="vigente",
        constituted_on=date(2010, 1, 1),
        organisation_type="cooperativa",
        size_band="micro",
        region_code=7,
    )
    add_diagnosis(db, coop_id)
    with db.session() as session:
        coop = session.get(Cooperative, coop_id)
        assert coop is not None
        data = recommend.for_cooperative(session, coop)
    assert data["stage"] == "associative"
    assert data["purposes"] == ["agribusiness", "representation"]
    items = data["recommendations"]
    codes = [r["instrument"]["code"] for r in items]
    first = items[0]
    assert first["instrument"]["code"] in {
        "fia-curso-contabilidad-cooperativas",
        "indap-pae",
        "indap-financiamiento-crediticio",
        "bancoestado-financiamiento-crediticio",
        "fia-planes-negocios",
    }
    assert any(
        "Luz roja en gestión financiera → contabilidad y finanzas" in w for w in first["why"]["es"]
    )
    assert any("Red light in financial management" in w for w in first["why"]["en"])
    # Individual-only instruments and those the rule excludes are not recommended.
    assert "sercotec-crece" not in codes  # individual stage
    assert "cnr-fondo-concursable-oua" not in codes  # water users' organisations only
    assert "sercotec-gremios-nacionales" not in codes  # trade associations only
    assert all(r["eligibility"]["outcome"] != "not_eligible" for r in items)
    scores = [r["score"] for r in items]
    assert scores == sorted(scores, reverse=True)


def test_missing_data_is_recommended_with_a_caveat(db: Database) -> None:
    coop_id = add_coop(db, 76_200_003, legal_class="agricola")
    with db.session() as session:
        coop = session.get(Cooperative, coop_id)
        assert coop is not None
        data = recommend.for_cooperative(session, coop)
    by_code = {r["instrument"]["code"]: r for r in data["recommendations"]}
    juntos = by_code["corfo-red-asociativa"]
    assert juntos["eligibility"]["outcome"] == "unknown"
    assert any(
        w.startswith("Elegibilidad por confirmar. Falta el dato: número de socios")
        for w in juntos["why"]["es"]
    )
    assert data["lights"] == {}


def test_find_by_id_or_rut(db: Database) -> None:
    coop_id = add_coop(db, 76_200_004)
    with db.session() as session:
        for key in (str(coop_id), rut(76_200_004), "76.200.004-" + rut(76_200_004)[-1]):
            found = recommend.find_cooperative(session, key)
            assert found is not None and found.id == coop_id, key
        assert recommend.find_cooperative(session, "11.111.111-2") is None


def test_red_governance_points_to_organisational_strengthening(db: Database) -> None:
    coop_id = add_coop(db, 76_200_005, legal_class="trabajo", members_total=8)
    add_diagnosis(db, coop_id, weak_prefixes=("gob_",))
    with db.session() as session:
        coop = session.get(Cooperative, coop_id)
        assert coop is not None
        data = recommend.for_cooperative(session, coop)
    assert data["lights"]["gobernanza"] == "red" and data["lights"]["gestion_financiera"] == "green"
    first = data["recommendations"][0]
    assert any(
        "Luz roja en gobernanza → fortalecimiento organizacional" in w for w in first["why"]["es"]
    )
