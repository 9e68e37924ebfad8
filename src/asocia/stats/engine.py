"""The statistics engine: grouped aggregates computed in SQL, and indicators evaluated on them.

One engine runs the same SQL on SQLite and PostgreSQL. It reads either the ``cooperatives``
table itself or, when asked to (``use_summary=True``), the materialised summary tables of
:mod:`asocia.stats.summary`, which hold the same additive measures pre-grouped by the
dimensions the dashboard uses. Indicators (``indicators.yaml``) are evaluated in Python on a
small grouped result computed once per request, so that twenty indicators cost one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from asocia.db.models import Cooperative
from asocia.stats import concentration as conc
from asocia.stats.definitions import Definitions, Indicator, Term, load_definitions
from asocia.stats.dimensions import (
    MEASURES,
    C,
    Population,
    StatsContext,
    dimension,
    measure,
)

if TYPE_CHECKING:
    from asocia.stats.summary import Summary

Number = int | float
ADDITIVE = tuple(MEASURES)


@dataclass(frozen=True)
class Filters:
    """Restrictions on dimensions: each named dimension must take one of the listed values."""

    values: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[str, Iterable[Any]] | None = None) -> Filters:
        """Build filters from ``{dimension: values}``, dropping empty lists."""
        items: list[tuple[str, tuple[Any, ...]]] = []
        for key, values in sorted((mapping or {}).items()):
            dim = dimension(key)
            vals = tuple(_coerce(dim.numeric, v) for v in values)
            if vals:
                items.append((key, vals))
        return cls(tuple(items))

    @property
    def dimensions(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.values)

    def as_dict(self) -> dict[str, list[Any]]:
        return {k: list(v) for k, v in self.values}

    def __bool__(self) -> bool:
        return bool(self.values)


# Numeric dimension values are codes and years stored in 32-bit integer columns.
INT_RANGE = (-(2**31), 2**31 - 1)


def _coerce(numeric: bool, value: Any) -> Any:
    if value is None:
        return None
    if numeric:
        number = int(value)
        if not INT_RANGE[0] <= number <= INT_RANGE[1]:
            raise ValueError(f"{value!r} is out of range (a code or a year)")
        return number
    text = str(value)
    if "\x00" in text or len(text) > 200:
        raise ValueError(f"{text[:40]!r} is not a valid value (a NUL byte, or over 200 characters)")
    return text


@dataclass
class Grouped:
    """A grouped aggregate: for each combination of dimension values, the sum of each measure."""

    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    rows: list[tuple[tuple[Any, ...], tuple[Number, ...]]] = field(default_factory=list)

    def keyed(self) -> Iterable[tuple[dict[str, Any], dict[str, Number]]]:
        """Rows as (dimension values, measure values) dictionaries."""
        for key, values in self.rows:
            yield (
                dict(zip(self.dimensions, key, strict=True)),
                dict(zip(self.measures, values, strict=True)),
            )

    def total(self, measures: Sequence[str], term: Term | None = None) -> Number:
        """Sum of ``measures`` over the groups inside ``term`` (all groups when None)."""
        idx = [self.measures.index(m) for m in measures]
        conditions = [
            (self.dimensions.index(dim), values) for dim, values in (term.where if term else ())
        ]
        total: Number = 0
        for key, values in self.rows:
            if all(key[pos] in allowed for pos, allowed in conditions):
                for i in idx:
                    total += values[i]
        return total

    def regroup(self, dimensions: Sequence[str], measures: Sequence[str] | None = None) -> Grouped:
        """The same sums grouped by a subset of the dimensions, keeping ``measures`` (all by
        default); done in Python: rows are few. ``max`` measures keep the largest value."""
        chosen = tuple(measures) if measures is not None else self.measures
        source = [self.measures.index(m) for m in chosen]
        positions = [self.dimensions.index(d) for d in dimensions]
        summed = [i for i, m in enumerate(chosen) if MEASURES[m].combine != "max"]
        largest = [i for i, m in enumerate(chosen) if MEASURES[m].combine == "max"]
        sums: dict[tuple[Any, ...], list[Number]] = {}
        for key, row in self.rows:
            sub = tuple([key[p] for p in positions])
            values = [row[i] for i in source]
            acc = sums.get(sub)
            if acc is None:
                sums[sub] = values
                continue
            for i in summed:
                acc[i] += values[i]
            for i in largest:
                if values[i] > acc[i]:
                    acc[i] = values[i]
        return Grouped(tuple(dimensions), chosen, [(k, tuple(v)) for k, v in sums.items()])

    def largest(self, measure_key: str, term: Term | None = None) -> Number:
        """The largest value of a ``max`` measure over the groups inside ``term``."""
        i = self.measures.index(measure_key)
        conditions = [
            (self.dimensions.index(dim), values) for dim, values in (term.where if term else ())
        ]
        out: Number = 0
        for key, values in self.rows:
            if all(key[pos] in allowed for pos, allowed in conditions):
                out = max(out, values[i])
        return out

    def to_records(self) -> list[dict[str, Any]]:
        """Rows as flat dictionaries (dimensions then measures), e.g. for CSV or JSON."""
        return [{**k, **v} for k, v in self.keyed()]


@dataclass(frozen=True)
class IndicatorValue:
    """An indicator's value with the cooperative counts disclosure control needs."""

    id: str
    value: Number | None
    counts: tuple[int, ...] = ()


class StatsEngine:
    """Computes grouped aggregates, indicators and concentration for one session.

    ``uf_clp`` is the value of the UF in pesos (firm size by sales); ``as_of`` is the date
    ages are measured at (today by default). With ``use_summary`` the engine reads the
    materialised summary tables (refreshing them first when the registry changed) whenever they
    hold the dimensions a query needs, and the ``cooperatives`` table otherwise. With the
    summary, concentration comes from its sales bins (approximate, and marked so) above
    :data:`asocia.stats.concentration.EXACT_LIMIT` reporting cooperatives, unless
    ``exact_concentration`` asks for the exact figures (the command line does).
    """

    def __init__(
        self,
        session: Session,
        *,
        uf_clp: float,
        as_of: date | None = None,
        use_summary: bool = False,
        definitions: Definitions | None = None,
        exact_concentration: bool = False,
    ) -> None:
        self.session = session
        self.context = StatsContext(uf_clp=uf_clp, as_of=as_of or date.today())
        self.definitions = definitions or load_definitions()
        self.use_summary = use_summary
        self.exact_concentration = exact_concentration
        #: The concentration computed last (so callers can say whether it was exact).
        self.last_concentration: conc.Concentration | None = None
        self._summary: Summary | None = None
        if use_summary:
            from asocia.stats.summary import Summary

            self._summary = Summary.fresh(session, self.context, self.definitions)

    # -- grouped aggregates -------------------------------------------------------------------

    def grouped(
        self,
        dimensions: Sequence[str],
        measures: Sequence[str] = ADDITIVE,
        filters: Filters = Filters(),
        population: str = "current",
    ) -> Grouped:
        """Sum ``measures`` over the cooperatives of ``population`` matching ``filters``,
        grouped by ``dimensions``."""
        for m in measures:
            measure(m)
        dims = tuple(dimensions)
        if self._summary is not None:
            result = self._summary.grouped(dims, tuple(measures), filters, population)
            if result is not None:
                return result
        return self._grouped_raw(dims, tuple(measures), filters, population)

    def _grouped_raw(
        self,
        dims: tuple[str, ...],
        measures: tuple[str, ...],
        filters: Filters,
        population: str,
    ) -> Grouped:
        exprs = [dimension(d).expression(self.context).label(d) for d in dims]
        cols = [MEASURES[m].expression(C).label(m) for m in measures]
        query: Select[Any] = select(*exprs, *cols).select_from(Cooperative.__table__)
        query = self.where(query, filters, self.definitions.population(population))
        if exprs:
            query = query.group_by(*exprs)
        rows = self.session.execute(query).all()
        return Grouped(dims, measures, [split_row(row, len(dims), measures) for row in rows])

    def where(self, query: Select[Any], filters: Filters, population: Population) -> Select[Any]:
        """Add the population and filter conditions on the ``cooperatives`` table."""
        query = query.where(population.condition())
        for key, values in filters.values:
            query = query.where(matches_any(dimension(key).expression(self.context), values))
        return query

    # -- indicators ---------------------------------------------------------------------------

    def indicators(
        self,
        ids: Sequence[str] | None = None,
        filters: Filters = Filters(),
        population: str = "current",
        base: Grouped | None = None,
    ) -> dict[str, IndicatorValue]:
        """Values of the indicators ``ids`` (all when None), with one grouped query (or on
        ``base``, grouped by every dimension they need) plus, for concentration indicators,
        one concentration query."""
        chosen = [self.definitions.indicator(i) for i in (ids or self.definitions.indicators)]
        dims: list[str] = []
        for ind in chosen:
            dims.extend(d for d in ind.dimensions if d not in dims)
        if base is None:
            base = self.grouped(dims, ADDITIVE, filters, population)
        result: dict[str, IndicatorValue] = {}
        concentration: conc.Concentration | None = None
        for ind in chosen:
            if ind.concentration is not None:
                if concentration is None:
                    concentration = self.concentration(filters, population)
                result[ind.id] = concentration_value(ind, concentration)
            else:
                result[ind.id] = evaluate(ind, base)
        return result

    # -- concentration ------------------------------------------------------------------------

    def concentration(
        self, filters: Filters = Filters(), population: str = "current"
    ) -> conc.Concentration:
        """Gini, HHI, top shares and Lorenz curve of sales.

        Exact (computed in SQL over the cooperatives themselves) unless the summary is in use
        and more than :data:`asocia.stats.concentration.EXACT_LIMIT` cooperatives report
        sales; then computed from the summary's logarithmic sales bins (see
        docs/statistics.md for the bound on the error).
        """
        if self._summary is not None and not self.exact_concentration:
            binned = self._summary.sales_bins(filters, population)
            if binned is not None and binned.reporting > conc.EXACT_LIMIT:
                self.last_concentration = binned
                return binned
        pop = self.definitions.population(population)
        result = conc.exact(self.session, lambda q: self.where(q, filters, pop))
        self.last_concentration = result
        return result


def split_row(
    row: Any, ndims: int, measures: Sequence[str]
) -> tuple[tuple[Any, ...], tuple[Number, ...]]:
    """A result row as (dimension values, measure values), NULL sums read as zero."""
    key = tuple(row[:ndims])
    values: list[Number] = []
    for m, v in zip(measures, row[ndims:], strict=True):
        if v is None:
            values.append(0)
        elif MEASURES[m].integer:
            values.append(int(v))
        else:
            values.append(float(v))
    return key, tuple(values)


def matches_any(expr: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """``expr IN values``, where a None among the values also matches NULL."""
    named = [v for v in values if v is not None]
    cond: ColumnElement[bool] = expr.in_(named)
    if len(named) != len(values):
        cond = cond | expr.is_(None)
    return cond


def term_count(base: Grouped, term: Term) -> int:
    """Number of cooperatives inside ``term``."""
    return int(base.total(("cooperatives",), Term((), term.where)))


def evaluate(indicator: Indicator, base: Grouped) -> IndicatorValue:
    """Evaluate a sum or ratio indicator on a grouped aggregate holding its dimensions."""
    assert indicator.numerator is not None
    numerator = base.total(indicator.numerator.measures, indicator.numerator)
    num_count = term_count(base, indicator.numerator)
    if indicator.denominator is None:
        return IndicatorValue(indicator.id, numerator, (num_count,))
    denominator = base.total(indicator.denominator.measures, indicator.denominator)
    den_count = term_count(base, indicator.denominator)
    counts: tuple[int, ...] = (num_count, den_count)
    if _is_subset(indicator.numerator, indicator.denominator):
        counts = (num_count, den_count, den_count - num_count)
    value = numerator / denominator if denominator else None
    return IndicatorValue(indicator.id, value, counts)


def _is_subset(numerator: Term, denominator: Term) -> bool:
    """Whether every cooperative in ``numerator`` is in ``denominator``."""
    den = dict(denominator.where)
    num = dict(numerator.where)
    return all(dim in num and num[dim] <= values for dim, values in den.items())


def concentration_value(ind: Indicator, c: conc.Concentration) -> IndicatorValue:
    if ind.concentration == "gini":
        return IndicatorValue(ind.id, c.gini, (c.reporting,))
    if ind.concentration == "hhi":
        return IndicatorValue(ind.id, c.hhi, (c.reporting,))
    assert ind.top is not None
    share, top_count = c.top_share(ind.top)
    # The top group itself is the cell whose size disclosure control looks at.
    return IndicatorValue(ind.id, share, (top_count, c.reporting))
