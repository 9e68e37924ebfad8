"""Rules of tax ids and values that must hold for every input (Hypothesis)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import exceptions as stdnum_exceptions
from stdnum.cl import rut as stdnum_rut

from asocia.registry.names import name_key, name_keys
from asocia.registry.parsers import ValueProblem, parse_date, parse_int, parse_number
from asocia.registry.taxid import (
    InvalidTaxId,
    canonical_tax_id,
    compact_key,
    fast_rut,
    format_rut,
    rut_check_digit,
)

bodies = st.integers(min_value=1_000_000, max_value=99_999_999)


def spellings(body: int, check: str) -> list[str]:
    """The ways offices write one RUT."""
    dotted = f"{body:,}".replace(",", ".")
    return [
        f"{body}-{check}",
        f"{dotted}-{check}",
        f"{body}{check}",
        f" {dotted} - {check.lower()} ",
        f"0{body}-{check}",
    ]


@given(bodies)
def test_every_rut_with_its_check_digit_has_one_canonical_form(body: int) -> None:
    check = rut_check_digit(body)
    canonical = f"{body}-{check}"
    for written in spellings(body, check):
        assert canonical_tax_id("CL", written) == canonical
    assert fast_rut(format_rut(canonical)) == canonical
    assert compact_key(format_rut(canonical)) == compact_key(canonical)


@given(bodies, st.sampled_from("0123456789K"))
def test_a_wrong_check_digit_is_always_refused(body: int, check: str) -> None:
    if check == rut_check_digit(body):
        return
    with pytest.raises(InvalidTaxId, match="check digit"):
        canonical_tax_id("CL", f"{body}-{check}")
    assert fast_rut(f"{body}-{check}") is None


@given(st.integers(min_value=1, max_value=999_999))
def test_short_numbers_are_not_ruts(body: int) -> None:
    with pytest.raises(InvalidTaxId, match="7 or 8 digits"):
        canonical_tax_id("CL", f"{body}-{rut_check_digit(body)}")
    assert fast_rut(f"{body}-{rut_check_digit(body)}") is None


@given(st.text(alphabet="0123456789kK.- ", max_size=14))
def test_our_rut_rule_agrees_with_python_stdnum(text: str) -> None:
    """The same verdict as python-stdnum, except that zero padding on the left is allowed."""
    try:
        expected = stdnum_rut.validate(text.lstrip("0 .-"))
    except stdnum_exceptions.ValidationError:
        expected = None
    try:
        ours: str | None = canonical_tax_id("CL", text)
    except InvalidTaxId:
        ours = None
    if expected is None:
        assert ours is None
    else:
        body = expected[:-1].lstrip("0")
        assert ours == f"{body}-{expected[-1]}"
    fast = fast_rut(text)
    assert fast is None or fast == ours


@given(st.integers(min_value=0, max_value=10**12))
def test_grouped_whole_numbers_read_the_same_in_chilean_and_english_style(n: int) -> None:
    chilean = f"{n:,}".replace(",", ".")
    english = f"{n:,}"
    assert parse_number(chilean) == n
    assert parse_number(english) == n
    assert parse_int(chilean) == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_decimals_read_the_same_in_chilean_and_english_style(whole: int, cents: int) -> None:
    expected = whole + cents / 100
    grouped = f"{whole:,}"
    assert parse_number(f"{grouped}.{cents:02d}") == pytest.approx(expected)
    assert parse_number(grouped.replace(",", ".") + f",{cents:02d}") == pytest.approx(expected)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)))
def test_every_date_reads_back_in_every_office_format(day: date) -> None:
    """Written dates from 1901; Excel serial numbers from 1910 (smaller numbers in a date
    column are far more often a mistake than a date)."""
    for written in (
        day.strftime("%d-%m-%Y"),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.isoformat(),
    ):
        assert parse_date(written) == day
    if day >= date(1910, 1, 1):
        serial = (day - date(1899, 12, 30)).days
        assert parse_date(serial) == day
        assert parse_date(str(serial)) == day


@given(st.text(alphabet="abcxyz!?", min_size=1, max_size=8))
def test_words_are_never_numbers(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_number(text)


@given(st.lists(st.one_of(st.none(), st.text())))
def test_folding_a_column_at_once_gives_each_name_its_own_key(names: list[str | None]) -> None:
    # The import folds a batch's names in one pass over the joined text (names.name_keys).
    assert name_keys(names) == [None if n is None else name_key(n) for n in names]


def test_column_folding_keeps_accents_case_and_punctuation_rules() -> None:
    names = ["Cooperativa Agrícola ÑUBLE Ltda.", None, "Straße — Coop", "", "  ¡Unión!  "]
    expected = ["cooperativa agricola nuble ltda", None, "strasse coop", "", "union"]
    assert name_keys(names) == expected
