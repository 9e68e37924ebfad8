"""Text dimensions of the registry packed into integers, for the summary's rebuild
(:mod:`asocia.stats.summary`): grouping a million rows by one or two integers instead of
several text columns and CASE expressions halves each grouping on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, inspect, literal, null, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from asocia.stats.dimensions import StatsContext, dimension

#: The dashboard's filters: every cube of the summary is grouped by them.
FILTER_DIMENSIONS = ("region", "rural_class", "legal_class", "ilo_type")

# Dimensions packed into each integer key of the rebuild's work rows, least significant first:
# values read from the registry (the filters and the legal status), then the derived bands
# whose values are fixed (``Dimension.values``).
PACKED: dict[str, tuple[str, ...]] = {
    "filter_key": (*FILTER_DIMENSIONS, "legal_status"),
    "band_key": ("size_members", "size_sales", "age"),
}


@dataclass(frozen=True)
class Grouping:
    """A work-table expression to group by: a packed key (or its low digits) holding the
    dimensions ``held``, or the code of one dimension."""

    value: ColumnElement[Any]
    held: list[str]
    is_key: bool


class PackedKeys:
    """Text dimensions of a cooperative packed into integers, for SQLite.

    SQLite groups by sorting; sorting a million rows on integers instead of text columns
    halves the time of each grouping. A dimension's values are its fixed list, or else those
    read from the registry first (in the rebuild's write transaction, so the list is complete);
    code 0 is NULL, value *i* of the list is code *i + 1*, and a key is the mixed-radix number
    of its dimensions' codes. Groups are decoded back to the values, a few thousand rows, when
    the stages and the sales bins are written.
    """

    def __init__(self, session: Session) -> None:
        self.values: dict[str, list[Any]] = {}
        self.radix: dict[str, int] = {}
        self.key_of: dict[str, str] = {}
        indexed = _indexed_columns(session)
        for key, dims in PACKED.items():
            multiplier = 1
            for d in dims:
                # A band's expression yields one of its listed values; a column holds whatever
                # was stored, so its values are read.
                fixed = dimension(d).values if key == "band_key" else ()
                if fixed:
                    values: list[Any] = list(fixed)
                else:
                    column = _COLUMN_OF.get(d, d)
                    values = _distinct_values(session, column, indexed=column in indexed)
                self.values[d] = values
                self.radix[d] = multiplier
                self.key_of[d] = key
                multiplier *= len(values) + 1

    def encode(self, key: str, context: StatsContext) -> ColumnElement[Any]:
        """The value of ``key`` for a registry row."""
        total: ColumnElement[Any] = literal(0)
        for d in PACKED[key]:
            # ``CASE x WHEN v1 THEN 1 …``: the expression is evaluated once, not once per value.
            codes = {v: literal(i + 1) for i, v in enumerate(self.values[d])}
            if codes:
                code = case(codes, value=dimension(d).expression(context), else_=literal(0))
                total = total + code * literal(self.radix[d])
        return total.label(key)

    def code(self, work: Any, d: str) -> ColumnElement[Any]:
        """Dimension ``d``'s code in a work-table row."""
        key: ColumnElement[Any] = work.c[self.key_of[d]]
        return (key // literal(self.radix[d])) % literal(len(self.values[d]) + 1)

    def groups(self, work: Any, dims: Sequence[str]) -> list[Grouping]:
        """What to group a work table by for the packed dimensions among ``dims``: a whole key
        when all its dimensions are wanted, its low digits when its first ones are, else each
        dimension's code."""
        out: list[Grouping] = []
        for key, packed in PACKED.items():
            wanted = [d in dims for d in packed]
            held = [d for d in packed if d in dims]
            if all(wanted):
                out.append(Grouping(work.c[key], held, is_key=True))
            elif any(wanted) and wanted == sorted(wanted, reverse=True):
                first_unwanted = packed[wanted.index(False)]
                low_digits = work.c[key] % literal(self.radix[first_unwanted])
                out.append(Grouping(low_digits, held, is_key=True))
            else:
                out.extend(Grouping(self.code(work, d), [d], is_key=False) for d in held)
        return out

    def decode(self, group: ColumnElement[Any], is_key: bool, d: str) -> ColumnElement[Any]:
        """Dimension ``d``'s value from what a work table was grouped by (see :meth:`groups`):
        a key or its low digits, or ``d``'s own code; NULL for NULL."""
        if is_key:
            group = (group // literal(self.radix[d])) % literal(len(self.values[d]) + 1)
        values = {i + 1: literal(v) for i, v in enumerate(self.values[d])}
        return case(values, value=group, else_=None) if values else null()


_COLUMN_OF = {"region": "region_code", "sector": "isic_section"}


def _indexed_columns(session: Session) -> set[str]:
    """Columns of ``cooperatives`` that lead an index."""
    indexes = inspect(session.connection()).get_indexes("cooperatives")
    return {str(ix["column_names"][0]) for ix in indexes if ix["column_names"][0] is not None}


def _distinct_values(session: Session, column: str, *, indexed: bool) -> list[Any]:
    """The distinct non-null values of a registry column, sorted. With an index leading with
    the column, a loose index scan (one index seek per value) instead of a full scan."""
    if indexed:
        query = text(
            f"WITH RECURSIVE found(v) AS (SELECT min({column}) FROM cooperatives UNION ALL "
            f"SELECT (SELECT min({column}) FROM cooperatives WHERE {column} > found.v) "
            "FROM found WHERE found.v IS NOT NULL) SELECT v FROM found WHERE v IS NOT NULL"
        )
    else:
        query = text(
            f"SELECT DISTINCT {column} FROM cooperatives WHERE {column} IS NOT NULL ORDER BY 1"
        )
    return [row[0] for row in session.execute(query)]
