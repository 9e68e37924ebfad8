"""The default catalogue from seed 003's service map, the series, the matrix, edits and history."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asocia.db import Database
from asocia.programmes import catalogue, matrix
from asocia.programmes.series import series_of

# The project's source documents sit beside the checkout (../shared/seeds), as on every
# developer's and CI's machine; the test that reads them is skipped where they are not.
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds"

# Every instrument named on seed 003's service map (§2.4), with its agency.
SERVICE_MAP = [
    ("Programa Asociatividad Económica", "INDAP"),
    ("Gestor Comercial", "INDAP"),
    ("Alianzas Productivas", "INDAP"),
    ("Programa Desarrollo Inversiones", "INDAP"),
    ("Yo Emprendo Grupal", "FOSIS"),
    ("Juntos", "SERCOTEC"),
    ("Promoción y Canales de Comercialización", "SERCOTEC"),
    ("Mejora Negocios", "SERCOTEC"),
    ("Crece", "SERCOTEC"),
    ("Fortalecimiento Gremial y Cooperativo", "SERCOTEC"),
    ("Red de oportunidades de negocios", "SERCOTEC"),
    ("Red Asociativa", "CORFO"),
    ("Red Proveedores", "CORFO"),
    ("Red de Mercados", "CORFO"),
    ("Fondo de Promoción de Exportaciones Silvoagropecuarias", "PROCHILE"),
    ("Programa Agricultura Familiar Campesina", "PROCHILE"),
    ("Ferias Internacionales", "PROCHILE"),
    ("Financiamiento Crediticio", "BANCOESTADO"),
    ("Financiamiento Crediticio", "INDAP"),
    ("Diplomado on line de Cooperativas", "DAES"),
    ("Plan Difusión Cooperativismo", "FIA"),
    ("Curso Convirtiéndome en Cooperativa", "FIA"),
    ("Diplomado Cooperativismo en agronegocio", "FIA"),
    (
        "Curso Fortalecimiento de Competencias en Contabilidad para Contadores y Socios de "
        "Cooperativas",
        "FIA",
    ),
    ("Planes de Negocios", "FIA"),
    ("PROGYSO", "INDAP"),
    ("Federaciones y Confederaciones", "SERCOTEC"),
    ("Gremios Nacionales", "SERCOTEC"),
    ("Curso on line Asociaciones Gremiales", "DAES"),
    ("Red Transferencia Tecnológica GTT+", "CORFO"),
    ("Programa de Transferencia Tecnológica y Extensión - GTT", "INIA"),
    ("Ley de Fomento - Sección OUA", "CNR"),
    ("Programa de Fortalecimiento de OUA", "CNR"),
    ("Fondo Concursable para OUA", "CNR"),
    ("Programa Riego Asociativo", "INDAP"),
]


def test_every_instrument_of_the_service_map_is_shipped(db: Database) -> None:
    with db.session() as session:
        assert catalogue.ensure_defaults(session) == len(SERVICE_MAP)
        shipped = {(i.name, i.agency) for i in catalogue.list_instruments(session)}
    assert set(SERVICE_MAP) == shipped
    agencies = {a for _, a in SERVICE_MAP}
    for agency in (
        "INDAP",
        "FOSIS",
        "SERCOTEC",
        "CORFO",
        "PROCHILE",
        "BANCOESTADO",
        "DAES",
        "FIA",
        "INIA",
        "CNR",
    ):
        assert agency in agencies


@pytest.mark.skipif(not SEED.exists(), reason="the seeds are not on this machine")
def test_names_are_those_of_the_seed() -> None:
    text = next(SEED.glob("003_*.txt")).read_text(encoding="utf-8")
    flat = re.sub(r"\s+", " ", text)
    for name, _ in SERVICE_MAP:
        # The seed writes "Convirtiendome" without the accent.
        assert name.replace("Convirtiéndome", "Convirtiendome") in flat, name


def test_every_row_has_provenance_and_a_stage(db: Database) -> None:
    with db.session() as session:
        for instrument in catalogue.list_instruments(session):
            assert instrument.provenance and "seed 003" in instrument.provenance
            assert instrument.stages
            once = "appears once" in instrument.provenance
            assert (
                not once
                or "ambiguous" in instrument.provenance
                or "taken as" in instrument.provenance
            )


def test_stages_as_the_slide_shows_them(db: Database) -> None:
    with db.session() as session:
        pae = catalogue.find(session, "Programa Asociatividad Económica")
        assert pae is not None and pae.agency == "INDAP"
        assert pae.stages == ["pre_associative", "associative"]
        credit = [
            i for i in catalogue.list_instruments(session) if i.name == "Financiamiento Crediticio"
        ]
        assert {i.agency for i in credit} == {"BANCOESTADO", "INDAP"}
        assert all(i.stages == ["individual", "pre_associative", "associative"] for i in credit)
        both = catalogue.find(session, "sercotec-fortalecimiento-gremial-cooperativo")
        assert both is not None and set(both.purposes) == {"agribusiness", "representation"}


def test_series_of_the_economic_associativity_programme(db: Database) -> None:
    with db.session() as session:
        pae = catalogue.find(session, "indap-pae")
        assert pae is not None
        data = series_of(pae)
    assert data["years"] == [2017, 2018, 2019, 2020, 2021]
    assert data["budget_clp"] == [1_097e6, 1_252e6, 1_529e6, 1_685e6, 1_980e6]
    assert data["beneficiaries"] == [141, 166, 188, 208, 220]
    assert data["estimated"] == [False, False, False, False, True]
    assert round(data["budget_growth"], 2) == 0.80
    assert round(data["beneficiaries_growth"], 2) == 0.56
    assert data["budget_cagr"] == pytest.approx((1980 / 1097) ** 0.25 - 1)
    assert data["beneficiaries_cagr"] == pytest.approx((220 / 141) ** 0.25 - 1)


def test_matrix_on_the_seed(db: Database) -> None:
    with db.session() as session:
        result = matrix.build(catalogue.list_instruments(session))
    cells = {(c["stage"], c["purpose"]): c for c in result["cells"]}
    for stage in ("pre_associative", "associative"):
        assert "indap-pae" in [i["code"] for i in cells[(stage, "agribusiness")]["instruments"]]
    assert "indap-pae" not in [
        i["code"] for i in cells[("individual", "agribusiness")]["instruments"]
    ]
    # Financing at all three stages (credit of BancoEstado and INDAP): an overlap at each.
    for stage in ("individual", "pre_associative", "associative"):
        assert {"BANCOESTADO", "INDAP"} <= set(
            cells[(stage, "agribusiness")]["overlaps"]["financing"]
        )
    gaps = {(g["stage"], g["purpose"]) for g in result["gaps"]}
    assert ("individual", "natural_resources") in gaps
    assert ("individual", "extension") in gaps
    assert ("associative", "natural_resources") not in gaps
    assert all(not cells[g]["instruments"] for g in gaps)
    by_type = matrix.build([], "support_type")
    assert len(by_type["gaps"]) == 3 * 4 * 6
    table = matrix.rows(result)
    assert table[0][:2] == ["stage", "purpose"] and len(table) == 1 + 12


def test_edit_retire_restore_keep_history(db: Database) -> None:
    with db.session() as session:
        pae = catalogue.find(session, "indap-pae")
        assert pae is not None
        record = catalogue.to_dict(pae) | {"period_open": "marzo a mayo"}
        catalogue.edit(session, record, username="ana")
        catalogue.set_status(session, pae, "retired", "ana")
        assert catalogue.find(session, "indap-pae") is not None
        assert "indap-pae" not in [i.code for i in catalogue.list_instruments(session)]
        catalogue.set_status(session, pae, "active", "ana")
        actions = [h.action for h in catalogue.history(session, pae.id)]
        assert actions == ["restored", "retired", "updated", "created"]
        updated = catalogue.history(session, pae.id)[2]
        assert updated.changes == {"period_open": [None, "marzo a mayo"]}
        assert updated.username == "ana"


def test_a_bad_edit_says_where_and_writes_nothing(db: Database) -> None:
    with db.session() as session:
        with pytest.raises(catalogue.CatalogueError) as raised:
            catalogue.edit(
                session,
                {
                    "code": "x",
                    "name": "X",
                    "agency": "FIA",
                    "stages": ["everyone"],
                    "eligibility": {"==": [{"var": "shoe_size"}, 3]},
                },
                username="ana",
            )
        fields = {p.field for p in raised.value.problems}
        assert fields == {"stages", "eligibility"}
        assert catalogue.find(session, "x") is None
