"""The headline summary and the dashboard: every figure the observatory publishes, at once.

The dashboard is built from few queries: one grouped aggregate over the filter dimensions and
the size bands (from which the headline indicators, six charts and three cross-tabs are all
regrouped), one per extra chart (age, sector, status, constitutions, dissolutions), and one for
the concentration of sales. With ``public=True`` everything goes through disclosure control.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asocia.stats.concentration import Concentration
from asocia.stats.crosstab import CrossTab, from_grouped, hide, protect
from asocia.stats.definitions import Indicator
from asocia.stats.engine import (
    ADDITIVE,
    Filters,
    Grouped,
    IndicatorValue,
    StatsEngine,
    concentration_value,
    evaluate,
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
    values: dict[str, IndicatorValue], *, public: bool, k: int
) -> tuple[dict[str, Any], list[str]]:
    """Headline figures (``None`` where suppressed) and the ids of the suppressed ones."""
    out: dict[str, Any] = {}
    hidden: list[str] = []
    for key in HEADLINE:
        value = values[key]
        if public and not disclose(value, k):
            out[key] = None
            hidden.append(key)
        else:
            out[key] = value.value
    return out, hidden


def summary(
    engine: StatsEngine,
    filters: Filters = Filters(),
    *,
    population: str = "current",
    public: bool = False,
    k: int = 3,
) -> dict[str, Any]:
    """The headline figures as a JSON-able dictionary (shares as fractions in [0, 1])."""
    values = engine.indicators(HEADLINE, filters, population)
    figures, hidden = headline(values, public=public, k=k)
    return {
        **figures,
        "suppressed": hidden,
        "public": public,
        "k": k,
        "population": population,
        "filters": filters.as_dict(),
        "uf_clp": engine.context.uf_clp,
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
    engine: StatsEngine, filters: Filters = Filters(), *, public: bool, k: int
) -> Dashboard:
    """Headline figures, every chart, the three cross-tabs and the Lorenz curve."""
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
    figures, hidden = headline(values, public=public, k=k)

    charts: dict[str, CrossTab] = {}
    for chart_id, (dim, measure_key, population) in CHARTS.items():
        source: Grouped
        if dim in MAIN_DIMENSIONS and population == "current":
            source = main
        else:
            source = engine.grouped((dim,), ("cooperatives", measure_key), filters, population)
        charts[chart_id] = from_grouped(
            source, dim, None, measure_key, public=False, k=k, filters=filters
        )
    tables = {
        table_id: from_grouped(main, rows, cols, m, public=public, k=k, filters=filters)
        for table_id, (rows, cols, m) in CROSSTABS.items()
    }
    if public:
        protect_charts(charts, tables, k)
    lorenz = conc.lorenz_public(k) if public else conc.lorenz
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


def protect_charts(charts: dict[str, CrossTab], tables: dict[str, CrossTab], k: int) -> None:
    """Disclosure control for the one-way charts, consistent with the cross-tabs.

    The dashboard publishes, say, cooperatives by region and the cross-tab region × class,
    whose row totals are the same numbers. Protected separately, the two could hide different
    regions, and what one hides could be read off the other. So a chart that repeats a
    cross-tab's margin takes that margin's pattern (which the cross-tab protects against all
    its equations, the one-way total included); the other charts are protected on their own.
    """
    for chart in charts.values():
        counts = [[int(row[0] or 0)] for row in chart.counts[:-1]]
        linked = _margin_pattern(chart, tables)
        if linked is None:
            protect(chart, counts, k)
            continue
        hide(chart, {(i, 0) for i, hidden in enumerate(linked) if hidden})
        chart.public = True
        chart.k = k


def _margin_pattern(chart: CrossTab, tables: dict[str, CrossTab]) -> list[bool] | None:
    for table in tables.values():
        if chart.rows == table.rows and table.row_values == chart.row_values:
            return [row[-1] is None for row in table.counts]
        if chart.rows == table.columns and table.column_values == chart.row_values:
            return [c is None for c in table.counts[-1]]
    return None
