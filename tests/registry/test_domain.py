"""Territory, vocabulary, value parsers and header aliases: the data files and their lookups."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from asocia.registry.columns import Mapping, MappingError, header_aliases, resolve_columns
from asocia.registry.parsers import ValueProblem, parse_date, parse_int, parse_number
from asocia.registry.territory import territory
from asocia.registry.vocabulary import default_ilo_type, size_band, vocabulary


def test_territory_has_every_comuna_with_its_rural_class() -> None:
    t = territory()
    assert len(t.comunas) == 346
    assert len(t.regions) == 16
    assert len({c.province_code for c in t.comunas.values()}) == 56
    assert Counter(c.rural_class for c in t.comunas.values()) == {
        "rural": 185,
        "mixta": 78,
        "urbana": 83,
    }


@pytest.mark.parametrize("given", ["16101", "Chillán", "CHILLAN", " chillan ", "16.101", 16101])
def test_comuna_by_code_or_name(given: str | int) -> None:
    comuna = territory().comuna(given)
    assert comuna is not None and comuna.code == 16101 and comuna.region_code == 16


def test_unknown_comuna_suggests_the_nearest() -> None:
    assert territory().comuna("Chilan") is None
    assert territory().suggest_comuna("Chilan") == "Chillán"
    assert territory().suggest_comuna("zzzzqqq") is None


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("Región de Ñuble", 16),
        ("XVI", 16),
        ("13", 13),
        ("Metropolitana", 13),
        ("Biobío", 8),
        ("RM", 13),
    ],
)
def test_region_by_code_numeral_or_name(given: str, code: int) -> None:
    region = territory().region(given)
    assert region is not None and region.code == code


@pytest.mark.parametrize(
    ("category", "spelling", "code"),
    [
        ("legal_classes", "Agrícola", "agricola"),
        ("legal_classes", "COOPERATIVA DE AHORRO Y CRÉDITO", "ahorro_credito"),
        ("legal_classes", "A.P.R.", "agua_potable"),
        ("legal_classes", "Agua Potable", "agua_potable"),
        ("legal_statuses", "VIGENTE", "vigente"),
        ("legal_statuses", "En Liquidación", "en_liquidacion"),
        ("legal_statuses", "in force", "vigente"),
        ("activities", "Inactiva", "inactiva"),
        ("ilo_types", "multi-stakeholder", "multi_stakeholder"),
    ],
)
def test_usual_spellings(category: str, spelling: str, code: str) -> None:
    assert vocabulary(category).lookup(spelling) == code


def test_ilo_type_derives_from_class_by_the_data_file() -> None:
    assert default_ilo_type("agricola") == "producer"
    assert default_ilo_type("trabajo") == "worker"
    assert default_ilo_type("vivienda") == "consumer_user"
    assert default_ilo_type(None) is None


def test_size_bands_follow_ley_20416() -> None:
    uf = 39_000.0
    assert size_band(2_400 * uf, uf) == "micro"
    assert size_band(2_400 * uf + 1, uf) == "small"
    assert size_band(25_000 * uf, uf) == "small"
    assert size_band(100_000 * uf, uf) == "medium"
    assert size_band(100_000 * uf + 1, uf) == "large"


@pytest.mark.parametrize(
    ("given", "value"),
    [
        ("1.234", 1234.0),
        ("1,234", 1234.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1,5", 1.5),
        ("1.5", 1.5),
        ("$ 2.400.000", 2_400_000.0),
        ("12", 12.0),
        (7, 7.0),
        ("-3", -3.0),
        ("1.234.567,89", 1234567.89),
    ],
)
def test_numbers_in_chilean_and_english_style(given: str, value: float) -> None:
    assert parse_number(given) == value


@pytest.mark.parametrize("given", ["doce", "1.2.3", "", "1,2,3,4a"])
def test_unreadable_numbers(given: str) -> None:
    with pytest.raises(ValueProblem):
        parse_number(given)


def test_whole_numbers() -> None:
    assert parse_int("1.234") == 1234
    with pytest.raises(ValueProblem):
        parse_int("1,5")


@pytest.mark.parametrize(
    "given",
    [
        "05-03-2019",
        "05/03/2019",
        "5/3/2019",
        "2019-03-05",
        "05.03.2019",
        "43529",
        43529,
        43529.0,
        "2019-03-05 00:00:00",
        date(2019, 3, 5),
    ],
)
def test_dates_in_every_registry_format(given: object) -> None:
    assert parse_date(given) == date(2019, 3, 5)


@pytest.mark.parametrize("given", ["32/13/2000", "31-02-2020", "ayer", "12", "2019-13-01"])
def test_unreadable_dates(given: str) -> None:
    with pytest.raises(ValueProblem):
        parse_date(given)


def test_header_aliases_from_the_issue_are_recognised() -> None:
    headers = [
        "RUT",
        "Razón Social",
        "N° Socios",
        "Socios Mujeres",
        "Región",
        "Comuna",
        "Fecha de Constitución",
        "Estado",
        "Nº de socios",
        "Incorporation Date",
    ]
    columns = resolve_columns(headers)
    described = {d["column"]: d["field"] for d in columns.describe()}
    assert described["RUT"] == "tax_id"
    assert described["Razón Social"] == "legal_name"
    assert described["N° Socios"] == "members_total"
    assert described["Socios Mujeres"] == "members_women"
    assert described["Región"] == "region"
    assert described["Comuna"] == "comuna"
    assert described["Fecha de Constitución"] == "constituted_on"
    assert described["Estado"] == "legal_status"
    # A second column for a field already taken is kept as an extra attribute.
    assert described["Nº de socios"] == "extra"
    assert resolve_columns(
        ["Rol Único Tributario", "Registered Name", "Incorporation Date", "Número de associados"]
    ).fields == {
        "tax_id": 0,
        "legal_name": 1,
        "constituted_on": 2,
        "members_total": 3,
    }


def test_aliases_are_unambiguous() -> None:
    # Loading raises when one spelling names two fields; this also checks the file parses.
    assert len(header_aliases()) > 200


def test_mapping_overrides_aliases_and_keeps_unknown_columns() -> None:
    mapping = Mapping.from_dict(
        {
            "columns": {"Nombre Coop.": "legal_name", "RUT": "ignore", "Código": "tax_id"},
            "country": "cl",
        }
    )
    columns = resolve_columns(["Nombre Coop.", "RUT", "Código", "Color favorito"], mapping)
    assert columns.fields == {"legal_name": 0, "tax_id": 2}
    assert columns.ignored == ["RUT"]
    assert columns.extra == [(3, "Color favorito")]
    assert mapping.country == "CL"


def test_mapping_naming_an_unknown_field_is_refused() -> None:
    with pytest.raises(MappingError, match="unknown field"):
        Mapping.from_dict({"columns": {"X": "colour"}})
