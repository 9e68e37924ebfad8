"""The HSDS export against the official Open Referral schema files (tests/programmes/hsds3/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from asocia.db import Database
from asocia.programmes import catalogue, exchange

HERE = Path(__file__).parent / "hsds3"


def _retrieve(uri: str) -> Resource[Any]:
    """``$ref: "attribute.json"`` (relative, or under a file's ``$id``) → the vendored file."""
    name = uri.rsplit("/", 1)[-1]
    path = HERE / name
    if not path.is_file():
        raise LookupError(f"HSDS schema {name} is not vendored")
    return Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((HERE / name).read_text())
    return Draft202012Validator(
        schema, registry=Registry(retrieve=_retrieve), format_checker=FormatChecker()
    )


OBJECTS = {
    "organizations": "organization.json",
    "services": "service.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}


@pytest.fixture
def document(db: Database, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "hsds.json"
    with db.session() as session:
        exchange.export(session, catalogue.list_instruments(session), "hsds", out)
    return dict(json.loads(out.read_text()))


def test_every_object_follows_the_official_hsds_schema(document: dict[str, Any]) -> None:
    checked = 0
    for key, schema in OBJECTS.items():
        validator = _validator(schema)
        assert document[key], key
        for item in document[key]:
            errors = [f"{key} {item.get('id')}: {e.message}" for e in validator.iter_errors(item)]
            assert not errors, errors[:3]
            checked += 1
    services = document["services"]
    # The nested objects were validated through the $refs of service.json.
    assert all(s["service_areas"] and s["attributes"] for s in services)
    assert checked == sum(len(document[k]) for k in OBJECTS)


def test_the_official_schema_rejects_what_hsds_does_not_allow(document: dict[str, Any]) -> None:
    service = json.loads(json.dumps(document["services"][0]))
    validator = _validator("service.json")
    service["status"] = "retired"  # not an HSDS service status
    service["service_areas"][0]["id"] = "area-1"  # not a uuid
    service["attributes"][0]["taxonomy_term"].pop("name")  # a term needs its name
    messages = " | ".join(e.message for e in validator.iter_errors(service))
    assert "'retired' is not one of" in messages
    assert "'area-1' is not a 'uuid'" in messages
    assert "'name' is a required property" in messages
    organization = {"id": document["organizations"][0]["id"], "name": "INDAP"}
    assert any(
        "'description' is a required property" in e.message
        for e in _validator("organization.json").iter_errors(organization)
    )
