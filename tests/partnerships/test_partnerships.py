"""Seed 004 projects, IATI 2.03 import with filters, export, who works where."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

from asocia.db import Database
from asocia.partnerships import iati, store
from asocia.partnerships.store import PartnershipError

SAMPLE = (Path(__file__).parent / "data" / "activities.xml").read_bytes()


def test_seed_004_projects_ship_with_their_organisations_and_provenance(db: Database) -> None:
    with db.session() as session:
        projects = store.list_projects(session)
        bolivia = store.list_projects(session, country="BO")
        coops = store.list_projects(session, sector="31194")
        assert store.ensure_defaults(session) is False
    assert len(projects) == 9
    titles = {p["title"] for p in projects}
    assert "Colombian Agricultural Finance System Support Project (PASAC)" in titles
    assert "National Support Program for Organizing Haitian Entrepreneurship (PANSEH)" in titles
    pasac = next(p for p in projects if "PASAC" in p["title"])
    assert (pasac["start"], pasac["end"], pasac["countries"]) == (2014, 2019, ["CO"])
    assert [x["acronym"] or x["name"] for x in pasac["participants"]] == [
        "DID", "Coopcentral", "Ministerio de Agricultura de Colombia"
    ]  # fmt: skip
    assert {p["title"][:30] for p in bolivia} == {
        "Development of an Agro-Industr", "Cooperative and Mutualist Part"
    }  # fmt: skip
    assert len(coops) == 2
    assert all(p["provenance"].startswith("seed 004") for p in projects)


def test_iati_import_filtered_by_country_and_sector(db: Database) -> None:
    with db.session() as session:
        result = iati.import_iati(session, SAMPLE, country="BO", sector="31194")
        assert result.as_dict() | {"identifiers": None} == {
            "read": 3, "created": 1, "updated": 0, "skipped": 2, "errors": [], "identifiers": None
        }  # fmt: skip
        again = iati.import_iati(session, SAMPLE, sector="311")
        imported = store.list_projects(session, country="BO", sector="31194")
    assert (again.created, again.updated, again.skipped) == (1, 1, 1)
    project = next(p for p in imported if p["source"] == "iati")
    assert project["title"] == "Redes de cooperativas agrícolas en Chuquisaca"
    assert project["budget"] == {"value": 3500000.5, "currency": "CAD"}
    assert project["start_planned"] == date(2019, 4, 1) and project["end_planned"] == date(
        2024, 3, 31
    )
    assert project["status"] == "2"
    assert [(x["name"], x["role_name"]) for x in project["participants"]] == [
        ("Global Affairs Canada", "funding"),
        ("Example Canadian co-operative development agency", "accountable"),
        ("Red de cooperativas de ejemplo", "implementing"),
    ]
    assert project["results"] == [{"title": "Co-operatives with improved governance", "type": "1"}]


def test_export_round_trips_through_iati_xml_and_csv(db: Database) -> None:
    with db.session() as session:
        iati.import_iati(session, SAMPLE)
        projects = store.list_projects(session)
    xml = iati.to_iati_xml(projects)
    root = fromstring(xml)
    assert root.get("version") == "2.03"
    assert len(root.findall("iati-activity")) == 12
    activities, errors = iati.parse(xml)
    assert errors == []
    by_id = {a["iati_identifier"]: a for a in activities}
    original = by_id["CA-CRA_ACR-0000000001-TEST-BO-001"]
    assert original["budget_value"] == 3500000.5 and original["sectors"][0]["code"] == "31194"
    rows = list(csv.DictReader(io.StringIO(iati.to_csv(projects))))
    assert len(rows) == 12 and "Développement international Desjardins (implementing)" in next(
        r["organisations"] for r in rows if "PASAC" in r["title"]
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<iati-activities><iati-activity>", "line 1, column 33: not well-formed XML"),
        (b"<activities/>", "root element is <activities>"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><iati-activities/>', "refused"),
        (b'<iati-activities version="1.05"/>', "only 2.0x"),
    ],
)
def test_bad_files_are_refused_with_the_reason(db: Database, data: bytes, message: str) -> None:
    with db.session() as session, pytest.raises(PartnershipError, match=message):
        iati.import_iati(session, data)


def test_a_bad_activity_is_reported_and_the_others_imported(db: Database) -> None:
    data = SAMPLE.replace(b'iso-date="2019-04-01" type="1"', b'iso-date="01/04/2019" type="1"')
    with db.session() as session:
        result = iati.import_iati(session, data)
    assert result.errors == [{"activity": 1, "reason": (
        "CA-CRA_ACR-0000000001-TEST-BO-001: activity-date: iso-date '01/04/2019' is not a date "
        "(YYYY-MM-DD)")}]  # fmt: skip
    assert result.created == 2


def test_who_works_where_and_cooperatives_reached(db: Database) -> None:
    from asocia.db.models import Cooperative

    with db.session() as session:
        coop = Cooperative(legal_name="Coop X", name_key="coop x", region_code=7)
        session.add(coop)
        session.flush()
        project = store.list_projects(session, country="BO")[0]
        store.link_cooperative(session, project["id"], coop.id)
        store.link_cooperative(session, project["id"], coop.id)  # once only
        with pytest.raises(PartnershipError, match="cooperative 999999 does not exist"):
            store.link_cooperative(session, project["id"], 999999)
        table = store.who_works_where(session)
        reached = store.list_projects(session, country="BO")[0]["cooperatives"]
    assert reached == [coop.id]
    bolivia = next(r for r in table if r["country"] == "BO")
    assert (bolivia["country_name"], bolivia["projects"], bolivia["organisations"]) == (
        "Bolivia",
        2,
        ["AGROCENTRAL", "Directorate-General of Cooperatives of Bolivia", "SOCODEVI"],
    )
    assert table[0]["country"] == "BO"  # most projects first
