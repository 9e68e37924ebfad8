"""Parsers for the values registry files hold: numbers, dates, booleans.

Each parser takes the cell as read (a string from CSV, or a number/date from XLSX and JSON) and
returns the value or raises :class:`ValueProblem` with a reason a person understands.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any


class ValueProblem(ValueError):
    """A cell cannot be read as the value its column needs; the message is the reason."""


_EXCEL_EPOCH = date(1899, 12, 30)
# Excel serials between 1910 and 2100: outside that range a bare number is not a date.
_SERIAL_MIN, _SERIAL_MAX = 3654, 73051
_NUMBER_NOISE = str.maketrans("", "", " \u00a0\u202f$'")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([.,])\d{3}(\1\d{3})*$")
_CL_INT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YMD = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


def parse_chilean_int(text: str) -> float | None:
    """``"1.234.567"`` as 1234567.0, or None when ``text`` is not an integer in that style."""
    if _CL_INT.match(text):
        return float(text.replace(".", ""))
    return None


def parse_number(value: Any) -> float:
    """A number written in Chilean or English style.

    ``"1.234"`` and ``"1,234"`` are 1234 (groups of three are thousands), ``"1.234,5"`` and
    ``"1,234.5"`` are 1234.5 (the last separator is the decimal one), ``"1,5"`` is 1.5.

    >>> [parse_number(v) for v in ("1.234", "1.234,5", "1,234.5", "1,5", "$ 2.400.000")]
    [1234.0, 1234.5, 1234.5, 1.5, 2400000.0]
    """
    if isinstance(value, bool):
        raise ValueProblem("not a number")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).translate(_NUMBER_NOISE)
    if not text:
        raise ValueProblem("not a number")
    if text.isdigit():
        return float(text)
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        grouping = "," if decimal == "." else "."
        integer, _, fraction = text.rpartition(decimal)
        if not _GROUPED.match(integer) and not integer.lstrip("+-").isdigit():
            raise ValueProblem(f"not a number: {value!r}")
        text = integer.replace(grouping, "") + "." + fraction
    elif _GROUPED.match(text):
        text = text.replace(".", "").replace(",", "")
    elif _PLAIN.match(text):
        text = text.replace(",", ".")
    else:
        raise ValueProblem("not a number")
    try:
        return float(text)
    except ValueError:
        raise ValueProblem("not a number") from None


def parse_int(value: Any) -> int:
    """A whole number (``"1.234"`` is 1234); decimals other than ``.0`` are a problem."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    number = parse_number(value)
    if number != int(number):
        raise ValueProblem("not a whole number")
    return int(number)


def parse_date(value: Any) -> date:
    """A date as registries write it.

    Accepted: ``dd-mm-yyyy``, ``dd/mm/yyyy``, ``d/m/yyyy``, ``dd.mm.yyyy``, ``yyyy-mm-dd``
    (optionally with a time), Excel serial numbers, and date/datetime values from XLSX.

    >>> [str(parse_date(v)) for v in ("05-03-2019", "5/3/2019", "2019-03-05", "43529")]
    ['2019-03-05', '2019-03-05', '2019-03-05', '2019-03-05']
    """
    if value.__class__ is str and len(value) == 10 and value[2] == value[5] and value[2] in "-/.":
        # The commonest spelling, dd-mm-yyyy, without regular expressions.
        try:
            return date(int(value[6:]), int(value[3:5]), int(value[:2]))
        except ValueError:
            pass
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = str(value).strip()
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        match = _YMD.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        raise ValueProblem("not a calendar date") from None
    if text.replace(".", "", 1).isdigit():
        return _from_serial(float(text))
    raise ValueProblem("not a date (expected dd-mm-yyyy, dd/mm/yyyy or yyyy-mm-dd)")


def _from_serial(serial: float) -> date:
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        raise ValueProblem("not a date (a number too small or large to be an Excel date)")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def parse_text(value: Any) -> str:
    """A cell as trimmed text (numbers from XLSX without a trailing ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
