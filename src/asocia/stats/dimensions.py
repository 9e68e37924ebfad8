"""Dimensions (what statistics are broken down by) and measures (what they add up).

A dimension is a SQL expression over the ``cooperatives`` table: a column (region, legal
class…) or a derived band (size by members, size by sales under Ley 20.416, age since
constitution, year of constitution or dissolution). A measure is an additive SQL aggregate
(count, sums). Because every measure is additive, any grouping can be re-aggregated from a
finer one: that is what lets the materialised summary (``asocia.stats.summary``) answer
dashboard queries without touching the million-row table.

Only columns describing the organisation are used here; contacts of people
(``cooperative_contacts``) are never read by statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Float, Integer, String, and_, case, cast, func, literal, or_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from asocia.db.models import Cooperative

C = Cooperative.__table__.c

# Ley 20.416 firm size by annual sales, in UF (upper bounds, inclusive).
SALES_BANDS_UF: tuple[tuple[str, float], ...] = (
    ("micro", 2_400.0),
    ("small", 25_000.0),
    ("medium", 100_000.0),
)
MEMBER_BANDS: tuple[tuple[str, int], ...] = (("lt_20", 20), ("20_49", 50), ("50_249", 250))
AGE_BANDS: tuple[tuple[str, int], ...] = (("0_4", 5), ("5_9", 10), ("10_19", 20), ("20_49", 50))

# Bins of the sales distribution kept in the materialised summary: 20 per decade of pesos,
# so that within a bin the largest sale is at most 12% above the smallest.
SALES_BINS_PER_DECADE = 20


@dataclass(frozen=True)
class StatsContext:
    """Parameters that derived dimensions depend on."""

    uf_clp: float
    as_of: date


def sales_clp(c: Any = C) -> ColumnElement[Any]:
    """Sales in Chilean pesos; amounts reported in another currency are left out.

    ``c`` is the column collection to read (the ``cooperatives`` table by default).
    """
    return case(
        (or_(c.sales_currency.is_(None), c.sales_currency == "CLP"), c.sales_amount),
        else_=None,
    )


def _members_band(_ctx: StatsContext) -> ColumnElement[Any]:
    whens = [(C.members_total < upper, literal(key)) for key, upper in MEMBER_BANDS]
    return case((C.members_total.is_(None), literal("unknown")), *whens, else_=literal("250_plus"))


#: Size classes a cooperative without a sales amount may hold from another source: the SII's
#: sales band (tramo de ventas) of a DAES panel, stored by the importer with its source.
_STORED_SIZES = ("micro", "small", "medium", "large")


def _sales_band(ctx: StatsContext) -> ColumnElement[Any]:
    """Ley 20.416 size by annual sales in UF; without a sales amount, the stored size class
    (from the SII's sales band), else unknown."""
    sales = sales_clp()
    whens = [(sales <= upper * ctx.uf_clp, literal(key)) for key, upper in SALES_BANDS_UF]
    stored = case((C.size_band.in_(_STORED_SIZES), C.size_band), else_=literal("unknown"))
    return case((sales.is_(None), stored), *whens, else_=literal("large"))


class year_of(FunctionElement[int]):
    """The year of a date column, as an integer.

    Dates are ISO text on SQLite (its first four characters are the year) and DATE on
    PostgreSQL, where ``EXTRACT`` reads the year without formatting the date as text (which
    also depends on the server's ``DateStyle``)."""

    type = Integer()
    name = "year_of"
    inherit_cache = True


@compiles(year_of)
def _year_of_iso_text(element: year_of, compiler: Any, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(substr(CAST({column} AS VARCHAR), 1, 4) AS INTEGER)"


@compiles(year_of, "postgresql")
def _year_of_date(element: year_of, compiler: Any, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"


def _year(column: Any) -> ColumnElement[Any]:
    return year_of(column)


def _month_day(column: Any) -> ColumnElement[Any]:
    # "MM-DD" from the ISO form, on both engines (ISO text on SQLite, DATE on PostgreSQL).
    return func.substr(cast(column, String), 6, 5)


def completed_years(ctx: StatsContext, column: Any) -> ColumnElement[Any]:
    """Age in completed years at ``ctx.as_of`` (a cooperative constituted on 2020-07-07 is 5
    on 2026-06-30, 6 from 2026-07-07), as ages of people are counted."""
    birthday_to_come = case((_month_day(column) > literal(ctx.as_of.strftime("%m-%d")), 1), else_=0)
    return literal(ctx.as_of.year) - _year(column) - birthday_to_come


def younger_than_from(as_of: date, years: int) -> date:
    """The first date of constitution whose age in completed years at ``as_of`` is below
    ``years``: the day after the ``years``-th anniversary before ``as_of``.

    Age < *k* ⟺ (year, month-day) > (as_of.year − *k*, as_of's month-day) ⟺ the date is
    after that anniversary; when it is a 29 February that the year lacks, after 28 February
    (no month-day lies between 02-29 and 03-01). One comparison of the date replaces the
    year and month-day arithmetic of :func:`completed_years`, with the same result."""
    year = as_of.year - years
    try:
        anniversary = as_of.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)
    return anniversary + timedelta(days=1)


def _age_band(ctx: StatsContext) -> ColumnElement[Any]:
    """Band of :func:`completed_years`, each bound compared as a date."""
    whens = [
        (C.constituted_on >= younger_than_from(ctx.as_of, upper), literal(key))
        for key, upper in AGE_BANDS
    ]
    return case((C.constituted_on.is_(None), literal("unknown")), *whens, else_=literal("50_plus"))


def sales_bin() -> ColumnElement[Any]:
    """Index of the logarithmic sales bin (-1 for no sales)."""
    sales = cast(sales_clp(), Float)
    return case(
        (sales.is_(None), None),
        (sales <= 0, literal(-1)),
        else_=cast(func.floor(func.log(sales) * SALES_BINS_PER_DECADE + literal(1e-9)), Integer),
    )


@dataclass(frozen=True)
class Dimension:
    """Something to break statistics down by.

    ``key`` is the stable name used in the CLI, the API and the summary tables; ``values``
    lists the known values in display order (empty when they come from the data).
    """

    key: str
    expression: Callable[[StatsContext], ColumnElement[Any]]
    sql_type: type[Integer] | type[String]
    values: tuple[str, ...] = ()
    numeric: bool = False


def _column(name: str) -> Callable[[StatsContext], ColumnElement[Any]]:
    return lambda _ctx: C[name]


DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in (
        Dimension("region", _column("region_code"), Integer, numeric=True),
        Dimension("comuna", _column("comuna_code"), Integer, numeric=True),
        Dimension("rural_class", _column("rural_class"), String, ("rural", "mixta", "urbana")),
        Dimension("legal_class", _column("legal_class"), String),
        Dimension("ilo_type", _column("ilo_type"), String),
        Dimension("sector", _column("isic_section"), String),
        Dimension("legal_status", _column("legal_status"), String),
        Dimension("activity", _column("activity"), String),
        Dimension(
            "size_members",
            _members_band,
            String,
            ("lt_20", "20_49", "50_249", "250_plus", "unknown"),
        ),
        Dimension(
            "size_sales", _sales_band, String, ("micro", "small", "medium", "large", "unknown")
        ),
        Dimension("age", _age_band, String, ("0_4", "5_9", "10_19", "20_49", "50_plus", "unknown")),
        Dimension(
            "constitution_year",
            lambda _ctx: _year(C.constituted_on),
            Integer,
            numeric=True,
        ),
        Dimension("dissolution_year", lambda _ctx: _year(C.dissolved_on), Integer, numeric=True),
        Dimension("sales_bin", lambda _ctx: sales_bin(), Integer, numeric=True),
        Dimension("country", _column("country"), String),
    )
}

# Dimensions offered to people (the sales bin is internal to the summary tables).
PUBLIC_DIMENSIONS = tuple(k for k in DIMENSIONS if k != "sales_bin")


@dataclass(frozen=True)
class Measure:
    """An additive aggregate over cooperatives.

    ``expression(c)`` builds it over the column collection ``c``: the ``cooperatives`` table,
    or the summary's narrow work table that copies the columns measures read.
    """

    key: str
    expression: Callable[[Any], ColumnElement[Any]]
    integer: bool = True
    #: How finer groups combine into coarser ones: ``sum`` (additive) or ``max`` (the largest
    #: single contribution, which disclosure control scales the noise of sums by).
    combine: str = "sum"


def _sum(column: str) -> Callable[[Any], ColumnElement[Any]]:
    return lambda c: func.sum(c[column])


def _max(column: str) -> Callable[[Any], ColumnElement[Any]]:
    return lambda c: func.max(c[column])


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("cooperatives", lambda _c: func.count()),
        Measure("members", _sum("members_total")),
        Measure("members_women", _sum("members_women")),
        Measure("members_men", _sum("members_men")),
        Measure("members_reported", lambda c: func.count(c.members_total)),
        Measure("employees", _sum("employees")),
        Measure("worker_members", _sum("worker_members")),
        Measure(
            "workers",
            lambda c: func.sum(func.coalesce(c.employees, 0) + func.coalesce(c.worker_members, 0)),
        ),
        Measure("sales", lambda c: func.sum(sales_clp(c)), integer=False),
        Measure("sales_reported", lambda c: func.count(sales_clp(c))),
        Measure("sales_squares", lambda c: func.sum(sales_clp(c) * sales_clp(c)), integer=False),
        # The cell key method (asocia.stats.cellkey): the sum of the records' keys, and the
        # largest single contribution to each magnitude.
        Measure("record_keys", lambda c: func.sum(func.coalesce(c.cell_key, 0))),
        Measure("members_max", _max("members_total"), combine="max"),
        Measure("members_women_max", _max("members_women"), combine="max"),
        Measure("members_men_max", _max("members_men"), combine="max"),
        Measure("employees_max", _max("employees"), combine="max"),
        Measure("worker_members_max", _max("worker_members"), combine="max"),
        Measure(
            "workers_max",
            lambda c: func.max(func.coalesce(c.employees, 0) + func.coalesce(c.worker_members, 0)),
            combine="max",
        ),
        Measure("sales_max", lambda c: func.max(sales_clp(c)), integer=False, combine="max"),
    )
}

# The measure holding the largest contribution to each magnitude a table may show.
LARGEST: dict[str, str] = {
    m: f"{m}_max"
    for m in ("members", "members_women", "members_men", "employees", "worker_members")
} | {"workers": "workers_max", "sales": "sales_max"}

# Measures that a person may choose in a cross-tab (the others serve derived indicators).
CROSSTAB_MEASURES = (
    "cooperatives",
    "members",
    "members_women",
    "members_men",
    "workers",
    "employees",
    "worker_members",
    "sales",
)


@dataclass(frozen=True)
class Population:
    """Which cooperatives a statistic counts."""

    key: str
    legal_status: tuple[str, ...] | None = None
    activity: tuple[str | None, ...] | None = None

    def condition(self) -> ColumnElement[bool]:
        """The SQL condition selecting this population (merged records never count)."""
        parts: list[ColumnElement[bool]] = [C.merged_into_id.is_(None)]
        if self.legal_status is not None:
            # ``legal_status || ''``: the same values, but no index on legal_status is offered
            # to the planner. Nearly every cooperative is in force, so that index never helps,
            # yet SQLite chose it over the region index for ``region_code IN (1, 2)`` (10×
            # slower, issue 15); the filters' own indexes are left to choose.
            parts.append(C.legal_status.concat("").in_(self.legal_status))
        if self.activity is not None:
            named = [a for a in self.activity if a is not None]
            cond: ColumnElement[bool] = C.activity.in_(named)
            if None in self.activity:
                cond = or_(cond, C.activity.is_(None))
            parts.append(cond)
        return and_(true(), *parts)


def dimension(key: str) -> Dimension:
    """The dimension named ``key``, or ``KeyError`` with the known names."""
    try:
        return DIMENSIONS[key]
    except KeyError:
        raise KeyError(
            f"unknown dimension {key!r}; known: {', '.join(PUBLIC_DIMENSIONS)}"
        ) from None


def measure(key: str) -> Measure:
    """The measure named ``key``, or ``KeyError`` with the known names."""
    try:
        return MEASURES[key]
    except KeyError:
        raise KeyError(f"unknown measure {key!r}; known: {', '.join(MEASURES)}") from None


# Columns of ``cooperatives`` that measures read (copied into the summary's work table).
MEASURE_INPUTS = (
    "members_total",
    "members_women",
    "members_men",
    "employees",
    "worker_members",
    "sales_amount",
    "sales_currency",
    "cell_key",
)
