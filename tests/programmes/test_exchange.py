"""Catalogue files: CSV/XLSX/YAML round trips, all-or-nothing imports, and HSDS 3.0 export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openpyxl import load_workbook

from asocia.db import Database
from asocia.programmes import catalogue, exchange
from asocia.programmes.hsds import to_hsds

SCHEMA = json.loads((Path(__file__).parent / "hsds_subset.schema.json").read_text())


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "yaml"])
def test_round_trip_changes_nothing(db: Database, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"catalogo.{fmt}"
    with db.session() as session:
        items = catalogue.list_instruments(session)
        exchange.export(session, items, fmt, out)
        result = exchange.import_file(session, out, username="ana")
    assert result["read"] == len(items) == 35
    assert result["unchanged"] == 35 and result["created"] == result["updated"] == 0


def test_xlsx_has_one_line_per_instrument(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    with db.session() as session:
        exchange.export(session, catalogue.list_instruments(session), "xlsx", out)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("code", "name", "name_en", "agency")
    pae = next(r for r in rows if r[0] == "indap-pae")
    assert pae[list(catalogue.FIELDS).index("stages")] == "pre_associative|associative"


def test_import_creates_updates_with_history(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "nuevo.csv"
    path.write_text(
        "code,name,agency,stages,purposes,support_types,eligibility\n"
        "indap-pae,Programa Asociatividad Económica,INDAP,associative,agribusiness,"
        "technical_assistance,\n"
        'nuevo-fondo,Fondo Nuevo,SERCOTEC,associative,agribusiness,financing,"{""==="": 1}"\n',
        encoding="utf-8",
    )
    with db.session() as session, pytest.raises(catalogue.CatalogueError) as raised:
        exchange.import_file(session, path, username="ana")
    problem = raised.value.problems[0]
    assert (problem.row, problem.field) == (3, "eligibility")
    with db.session() as session:
        assert catalogue.find(session, "nuevo-fondo") is None
        pae = catalogue.find(session, "indap-pae")
        assert pae is not None and pae.stages == ["pre_associative", "associative"]

    path.write_text(
        path.read_text(encoding="utf-8").replace('"{""==="": 1}"', ""), encoding="utf-8"
    )
    with db.session() as session:
        result = exchange.import_file(session, path, username="ana")
        assert (result["created"], result["updated"]) == (1, 1)
        pae = catalogue.find(session, "indap-pae")
        assert pae is not None and pae.stages == ["associative"]
        change = catalogue.history(session, pae.id)[0]
        assert change.source == "import nuevo.csv"
        assert change.changes["stages"] == [["pre_associative", "associative"], ["associative"]]


def test_repeated_code_and_missing_fields_are_reported(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "malo.yaml"
    path.write_text(
        "instruments:\n- {code: a, name: A, agency: FIA, stages: [individual]}\n"
        "- {code: a, name: B, agency: FIA, stages: [individual]}\n- {code: c, agency: FIA}\n",
        encoding="utf-8",
    )
    with db.session() as session, pytest.raises(catalogue.CatalogueError) as raised:
        exchange.import_file(session, path, username=None)
    found = {(p.row, p.field, p.reason) for p in raised.value.problems}
    assert (2, "code", "repeated (first on row 1)") in found
    assert (3, "name", "required") in found
    assert (3, "stages", "at least one stage is required") in found


def test_hsds_export_follows_the_schema(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "hsds.json"
    with db.session() as session:
        exchange.export(session, catalogue.list_instruments(session), "hsds", out)
    document = json.loads(out.read_text())
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    errors = list(validator.iter_errors(document))
    assert not errors, errors[:3]
    organizations = {o["id"]: o for o in document["organizations"]}
    assert {o["alternate_name"] for o in organizations.values()} >= {"INDAP", "CNR", "BANCOESTADO"}
    terms = {t["id"] for t in document["taxonomy_terms"]}
    for service in document["services"]:
        assert service["organization_id"] in organizations
        assert all(a["taxonomy_term_id"] in terms for a in service["attributes"])
    pae = next(s for s in document["services"] if s["name"] == "Programa Asociatividad Económica")
    stages = {a["taxonomy_term"]["code"] for a in pae["attributes"] if a["link_type"] == "stage"}
    assert stages == {"pre_associative", "associative"}
    assert [a["name"] for a in pae["service_areas"]] == ["Chile"]


def test_the_schema_catches_a_broken_export(db: Database) -> None:
    with db.session() as session:
        document = to_hsds(catalogue.list_instruments(session))
    document["services"][0]["status"] = "open"
    del document["organizations"][0]["description"]
    document["taxonomy_terms"][0]["id"] = "not-a-uuid"
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    paths = {tuple(e.absolute_path) for e in validator.iter_errors(document)}
    assert paths == {("services", 0, "status"), ("organizations", 0), ("taxonomy_terms", 0, "id")}
