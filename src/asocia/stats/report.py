"""The headline summary and the dashboard: every figure the observatory publishes, at once.

The dashboard is built from few queries: one grouped aggregate over the filter dimensions and
the size bands (from which the headline indicators, six charts and three cross-tabs are all
regrouped), one per extra chart (age, sector, status, constitutions, dissolutions), and one for
the concentration of sales. With ``public=True`` everything goes through disclosure control:
the cell key method (:mod:`asocia.stats.cellkey`) for every count and sum, the headline
figures included, so that the same set of cooperatives shows the same figure everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asocia.stats.cellkey import Perturbation
from asocia.stats.concentration import Concentration
from asocia.stats.crosstab import CrossTab, from_grouped, table_measures
from asocia.stats.definitions import Indicator, Term
from asocia.stats.dimensions import LARGEST, MEASURES
from asocia.stats.engine import (
    ADDITIVE,
    Filters,
    Grouped,
    IndicatorValue,
    StatsEngine,
    concentration_value,
    evaluate,
    term_count,
)
from asocia.stats.summary import FILTER_DIMENSIONS

# The keys of `asocia stats summary --json` and of the dashboard's headline, in display order.
HEADLINE = (
    "cooperatives",
    "members",
    "members_women",
    "members_men",
    "women_share",
    "workers",
    "employees",
    "worker_members",
    "sales",
    "rural_share",
    "under_20_share",
    "rural_under_20_share",
    "large_share",
    "large_sales_share",
    "urban_members_share",
    "urban_workers_share",
    "gini_sales",
    "hhi_sales",
    "top1_sales_share",
    "top5_sales_share",
    "top10_sales_share",
)

# Headline figures computed from the concentration of sales (approximate when binned).
CONCENTRATION = (
    "gini_sales",
    "hhi_sales",
    "top1_sales_share",
    "top5_sales_share",
    "top10_sales_share",
)

# chart id → (dimension, measure, population); the first six come from the main grouping.
CHARTS: dict[str, tuple[str, str, str]] = {
    "cooperatives_by_region": ("region", "cooperatives", "current"),
    "members_by_region": ("region", "members", "current"),
    "cooperatives_by_rural_class": ("rural_class", "cooperatives", "current"),
    "members_by_rural_class": ("rural_class", "members", "current"),
    "workers_by_rural_class": ("rural_class", "workers", "current"),
    "cooperatives_by_legal_class": ("legal_class", "cooperatives", "current"),
    "cooperatives_by_ilo_type": ("ilo_type", "cooperatives", "current"),
    "cooperatives_by_size_members": ("size_members", "cooperatives", "current"),
    "cooperatives_by_size_sales": ("size_sales", "cooperatives", "current"),
    "sales_by_size_sales": ("size_sales", "sales", "current"),
    "cooperatives_by_age": ("age", "cooperatives", "current"),
    "cooperatives_by_sector": ("sector", "cooperatives", "current"),
    "cooperatives_by_status": ("legal_status", "cooperatives", "registered"),
    "constitutions_by_year": ("constitution_year", "cooperatives", "registered"),
    "dissolutions_by_year": ("dissolution_year", "cooperatives", "registered"),
}

# The dashboard's three cross-tabs: (rows, columns, measure).
CROSSTABS: dict[str, tuple[str, str, str]] = {
    "region_by_legal_class": ("region", "legal_class", "cooperatives"),
    "rural_class_by_size_members": ("rural_class", "size_members", "members"),
    "ilo_type_by_size_sales": ("ilo_type", "size_sales", "sales"),
}

MAIN_DIMENSIONS = (*FILTER_DIMENSIONS, "size_members", "size_sales")


def disclose(value: IndicatorValue, k: int) -> bool:
    """Whether an indicator may be published: none of the groups it rests on (numerator,
    denominator, their difference, the top group of a top share) counts 1 to k − 1
    cooperatives."""
    return not any(0 < c < k for c in value.counts)


def headline(
    values: dict[str, IndicatorValue],
    *,
    public: bool,
    k: int,
    base: Grouped | None = None,
    indicators: dict[str, Indicator] | None = None,
    perturbation: Perturbation | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Headline figures (``None`` where hidden) and the ids of the hidden ones.

    Public figures are perturbed by the cell key method when the grouped aggregate ``base``
    (with ``record_keys`` and the largest contributions) and the ``indicators`` are given;
    concentration figures are published to two significant digits.
    """
    control = perturbation or Perturbation(k=k)
    out: dict[str, Any] = {}
    hidden: list[str] = []
    for key in HEADLINE:
        value = values[key]
        if not public:
            out[key] = value.value
            continue
        figure: Any = None
        if disclose(value, k):
            indicator = (indicators or {}).get(key)
            if indicator is not None and indicator.concentration is not None:
                figure = _coarse(value.value)
            elif indicator is not None and base is not None:
                figure = public_value(indicator, base, control)
            else:
                figure = value.value
        out[key] = figure
        if figure is None:
            hidden.append(key)
    return out, hidden


def _coarse(value: Any) -> Any:
    """Two significant digits (public concentration figures)."""
    if value is None:
        return None
    return float(f"{float(value):.2g}")


def perturbed_term(term: Term, base: Grouped, control: Perturbation) -> float | int | None:
    """The published sum of ``term``'s measures over its cooperatives (cell key method)."""
    where = Term((), term.where)
    n = term_count(base, term)
    keys = int(base.total(("record_keys",), where))
    if term.measures == ("cooperatives",):
        return control.shown_count(n, keys)
    total = base.total(term.measures, term)
    largest = sum(base.largest(LARGEST[m], where) for m in term.measures if m in LARGEST)
    integer = all(MEASURES[m].integer for m in term.measures)
    return control.sum(total, n, largest, keys, "+".join(term.measures), integer=integer)


def public_value(indicator: Indicator, base: Grouped, control: Perturbation) -> Any:
    """An indicator computed from perturbed sums: a sum, or a ratio of two (in [0, 1])."""
    assert indicator.numerator is not None
    numerator = perturbed_term(indicator.numerator, base, control)
    if indicator.denominator is None or numerator is None:
        return numerator
    denominator = perturbed_term(indicator.denominator, base, control)
    if not denominator:
        return None
    share = numerator / denominator
    return min(1.0, max(0.0, share)) if indicator.unit == "fraction" else share


def summary(
    engine: StatsEngine,
    filters: Filters = Filters(),
    *,
    population: str = "current",
    public: bool = False,
    k: int = 3,
    perturbation: Perturbation | None = None,
) -> dict[str, Any]:
    """The headline figures as a JSON-able dictionary (shares as fractions in [0, 1])."""
    definitions = engine.definitions
    chosen = {key: definitions.indicator(key) for key in HEADLINE}
    dims: list[str] = []
    for ind in chosen.values():
        dims.extend(d for d in ind.dimensions if d not in dims)
    base = engine.grouped(dims, ADDITIVE, filters, population)
    values = engine.indicators(HEADLINE, filters, population, base=base)
    figures, hidden = headline(
        values, public=public, k=k, base=base, indicators=chosen, perturbation=perturbation
    )
    concentration = engine.last_concentration
    exact = concentration.exact if concentration is not None else True
    return {
        **figures,
        "suppressed": hidden,
        "public": public,
        "k": k,
        "population": population,
        "filters": filters.as_dict(),
        "uf_clp": engine.context.uf_clp,
        "concentration_exact": exact,
        # Figures computed from the summary's sales bins rather than exactly.
        "approximate": [] if exact else list(CONCENTRATION),
    }


@dataclass
class Dashboard:
    """Everything the dashboard shows."""

    headline: dict[str, Any]
    suppressed: list[str]
    charts: dict[str, CrossTab]
    crosstabs: dict[str, CrossTab]
    concentration: Concentration
    lorenz: list[tuple[float, float]]
    filters: Filters
    public: bool
    k: int
    extra: dict[str, Any] = field(default_factory=dict)


def dashboard(
    engine: StatsEngine,
    filters: Filters = Filters(),
    *,
    public: bool,
    k: int,
    perturbation: Perturbation | None = None,
) -> Dashboard:
    """Headline figures, every chart, the three cross-tabs and the Lorenz curve."""
    control = perturbation or Perturbation(k=k)
    definitions = engine.definitions
    main = engine.grouped(MAIN_DIMENSIONS, ADDITIVE, filters, "current")
    values: dict[str, IndicatorValue] = {}
    conc = engine.concentration(filters, "current")
    chosen: list[Indicator] = [definitions.indicator(key) for key in HEADLINE]
    needed: list[str] = []
    for indicator in chosen:
        needed.extend(d for d in indicator.dimensions if d not in needed)
    # The indicators need few dimensions: evaluate them on a much smaller regrouping.
    base = main.regroup(needed)
    for ind in chosen:
        if ind.concentration is not None:
            values[ind.id] = concentration_value(ind, conc)
        else:
            values[ind.id] = evaluate(ind, base)
    figures, hidden = headline(
        values,
        public=public,
        k=k,
        base=base,
        indicators={ind.id: ind for ind in chosen},
        perturbation=control,
    )

    # Every chart and table is protected on its own: a cell (a set of cooperatives) gets the
    # same perturbed figure in every one of them, so linked tables need no joint treatment.
    charts: dict[str, CrossTab] = {}
    for chart_id, (dim, measure_key, population) in CHARTS.items():
        source: Grouped
        if dim in MAIN_DIMENSIONS and population == "current":
            source = main
        else:
            source = engine.grouped((dim,), table_measures(measure_key), filters, population)
        charts[chart_id] = from_grouped(
            source,
            dim,
            None,
            measure_key,
            public=public,
            k=k,
            filters=filters,
            perturbation=control,
        )
    tables = {
        table_id: from_grouped(
            main, rows, cols, m, public=public, k=k, filters=filters, perturbation=control
        )
        for table_id, (rows, cols, m) in CROSSTABS.items()
    }
    lorenz = (
        [(round(p, 2), round(v, 2)) for p, v in conc.lorenz_public(k)] if public else conc.lorenz
    )
    return Dashboard(
        headline=figures,
        suppressed=hidden,
        charts=charts,
        crosstabs=tables,
        concentration=conc,
        lorenz=lorenz,
        filters=filters,
        public=public,
        k=k,
    )
