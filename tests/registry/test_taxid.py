"""Tax ids: python-stdnum validation, canonical forms, the fast RUT path agreeing with stdnum."""

from __future__ import annotations

import random

import pytest
from stdnum.cl import rut

from asocia.registry.taxid import (
    InvalidTaxId,
    canonical_tax_id,
    compact_key,
    fast_rut,
    format_rut,
)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("76.086.428-5", "76086428-5"),
        ("76086428-5", "76086428-5"),
        (" 760864285 ", "76086428-5"),
        ("9.999.999-3", "9999999-3"),
        ("11.111.111-1", "11111111-1"),
    ],
)
def test_chilean_rut_canonical_form(given: str, canonical: str) -> None:
    assert canonical_tax_id("CL", given) == canonical


@pytest.mark.parametrize(
    "given", ["76.086.428-4", "76086428", "abc", "12.345.678-X", "0-0", "6-k", "123.456-0"]
)
def test_invalid_rut_is_refused_with_a_reason(given: str) -> None:
    with pytest.raises(InvalidTaxId) as error:
        canonical_tax_id("CL", given)
    assert str(error.value)


def test_fast_rut_path_agrees_with_stdnum() -> None:
    rng = random.Random(7)
    for _ in range(20_000):
        body = rng.choice([rng.randint(1_000_000, 9_999_999), rng.randint(1, 99_999_999)])
        check = rut.calc_check_digit(str(body))
        written = f"{body:,}".replace(",", ".") + "-" + check
        if not rut.is_valid(written):  # stdnum: 7 or 8 digits before the check digit
            assert body < 1_000_000 and fast_rut(written) is None
            continue
        assert fast_rut(written) == f"{body}-{check}" == canonical_tax_id("CL", written)
        wrong = "0123456789K"[("0123456789K".index(check) + 1) % 11]
        assert fast_rut(f"{body}-{wrong}") is None
        assert not rut.is_valid(f"{body}{wrong}")


@pytest.mark.parametrize(
    ("country", "valid", "canonical", "invalid"),
    [
        ("CO", "213.123.432-1", "2131234321", "213.123.432-2"),
        ("PE", "20512333797", "20512333797", "20512333798"),
        ("EC", "1792060346001", "1792060346001", "1792060345001"),
        ("AR", "20-26756539-3", "20267565393", "20-26756539-4"),
        ("UY", "21-100342-001-7", "211003420017", "21-100342-001-8"),
        ("BR", "11.222.333/0001-81", "11222333000181", "11.222.333/0001-82"),
        ("MX", "GODE561231GR8", "GODE561231GR8", "GODE561331GR8"),
    ],
)
def test_other_countries_use_stdnum(country: str, valid: str, canonical: str, invalid: str) -> None:
    assert canonical_tax_id(country, valid) == canonical
    with pytest.raises(InvalidTaxId):
        canonical_tax_id(country, invalid)


def test_country_without_validator_keeps_the_id_as_given() -> None:
    assert canonical_tax_id("BO", " 1020304-A ") == "1020304-A"


def test_compact_key_and_formatting() -> None:
    assert compact_key("76.086.428-5") == compact_key("760864285") == "760864285"
    assert format_rut("76086428-5") == "76.086.428-5"
