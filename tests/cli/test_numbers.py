"""Numbers for people without Babel's start-up cost: asocia.cli.common.plain_number writes what
Babel writes with the same pattern, for every int and finite float it accepts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import format_decimal, format_percent
from hypothesis import example, given
from hypothesis import strategies as st

from asocia.cli import common

LANGS = st.sampled_from(["es", "en"])
DIGITS = st.integers(min_value=0, max_value=3)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.decimals(places=3, min_value=-(10**6), max_value=10**6).map(float),
    st.integers(min_value=-(10**6), max_value=10**6).map(lambda n: n / 1000),  # ties: 0.125
)


def babel(value: Any, digits: int, lang: str, percent: bool) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if percent:
        return str(format_percent(value, format=pattern + " %", locale=lang))
    return str(format_decimal(value, format=pattern, locale=lang))


@given(value=NUMBERS, digits=DIGITS, lang=LANGS)
@example(value=1776, digits=0, lang="es")
@example(value=-0.04, digits=1, lang="es")
@example(value=0.125, digits=2, lang="en")
@example(value=2.5, digits=0, lang="es")
@example(value=999_999.995, digits=2, lang="es")
@example(value=10**15 - 1, digits=0, lang="en")
def test_a_number_reads_as_babel_writes_it(value: Any, digits: int, lang: str) -> None:
    plain = common.plain_number(value, digits, lang)
    if plain is not None:
        assert plain == babel(value, digits, lang, percent=False)


@given(value=NUMBERS, digits=DIGITS, lang=LANGS)
@example(value=0.399, digits=1, lang="es")
@example(value=-0.0005, digits=1, lang="en")
@example(value=1, digits=0, lang="es")
def test_a_share_reads_as_babel_writes_it(value: Any, digits: int, lang: str) -> None:
    plain = common.plain_number(value, digits, lang, scale=2)
    if plain is not None:
        assert plain + " %" == babel(value, digits, lang, percent=True)


@pytest.mark.parametrize(
    ("value", "digits", "lang", "expected"),
    [
        (1776, 0, "es", "1.776"),
        (1776, 0, "en", "1,776"),
        (824.77, 2, "es", "824,77"),
        (-1234567.891, 2, "es", "-1.234.567,89"),
        (0.5, 0, "es", "0"),  # half to even, as Babel
    ],
)
def test_the_usual_numbers_take_the_quick_path(
    value: Any, digits: int, lang: str, expected: str
) -> None:
    """The tests above cannot pass by leaving everything to Babel: these do not go there."""
    assert common.plain_number(value, digits, lang) == expected


@pytest.mark.parametrize(
    "value", [True, Decimal("1.5"), float("nan"), float("inf"), 10**15, "12", None]
)
def test_anything_else_is_left_to_babel(value: Any) -> None:
    assert common.plain_number(value, 0, "es") is None
    assert common.plain_number(1, 0, "fr") is None


def test_number_and_percent_print_spanish_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "ASOCIA_DEFAULT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(common, "_chosen_language", None)
    assert common.number(1776) == "1.776"
    assert common.percent(0.399) == "39,9 %"
    assert common.number(Decimal("1234.5"), 1) == "1.234,5"  # through Babel
    common.use_language("en")
    try:
        assert common.number(1776) == "1,776" and common.percent(0.399) == "39.9 %"
    finally:
        monkeypatch.setattr(common, "_chosen_language", None)
