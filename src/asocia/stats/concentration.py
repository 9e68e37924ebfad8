"""Concentration of sales: Lorenz curve, Gini coefficient, Herfindahl-Hirschman index, top shares.

Two ways to the same figures:

* :func:`exact` ranks the cooperatives in SQL (a window function, on SQLite and PostgreSQL) and
  computes the Gini coefficient as ``2·Σ i·x₍ᵢ₎ / (n·Σx) − (n+1)/n`` over sales sorted
  ascending, the top shares over the ``⌈p·n⌉`` largest sellers, and the Lorenz curve at up to
  100 population points.
* :func:`from_bins` works from the logarithmic sales bins of the materialised summary (20 bins
  per decade): Lorenz points at bin edges are exact, the Gini coefficient is the area of the
  polygon through them (an under-estimate by at most the within-bin inequality, which the
  narrow bins keep below 0.01) and top shares interpolate linearly within the boundary bin.
  The HHI is exact in both (the summary keeps the sum of squares).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from sqlalchemy import Float, Select, cast, select
from sqlalchemy.orm import Session

from asocia.db.models import Cooperative
from asocia.stats.dimensions import sales_clp

# Above this many cooperatives reporting sales, dashboards use the summary's bins: reading
# the sales of 45,000 cooperatives through a region index took 2–3 s on SQLite at 1M rows
# (3.7× the unfiltered dashboard), 20,000 keeps every filter within 3× (issue 15).
EXACT_LIMIT = 20_000
TOP_FRACTIONS = (0.01, 0.05, 0.10)
LORENZ_POINTS = 100


@dataclass
class Concentration:
    """Concentration of sales among the cooperatives that report them."""

    reporting: int
    total: float
    gini: float | None
    hhi: float | None
    lorenz: list[tuple[float, float]] = field(default_factory=list)
    tops: dict[float, tuple[float | None, int]] = field(default_factory=dict)
    exact: bool = True
    # (count, sum) per sales bin, ascending: for top shares not precomputed.
    bins: list[tuple[int, float]] = field(default_factory=list)

    def top_share(self, fraction: float) -> tuple[float | None, int]:
        """Share of sales of the ``⌈fraction·n⌉`` largest sellers, and that number."""
        if fraction in self.tops:
            return self.tops[fraction]
        count = top_count(self.reporting, fraction)
        if not self.total or not self.bins:
            return None, count
        remaining = count
        acc = 0.0
        for n, s in reversed(self.bins):
            if remaining <= 0:
                break
            take = min(n, remaining)
            acc += s * take / n if n else 0.0
            remaining -= take
        return acc / self.total, count

    def lorenz_public(self, k: int) -> list[tuple[float, float]]:
        """The Lorenz curve keeping only points at least ``k`` cooperatives apart, so that no
        step of the published curve describes fewer than ``k`` cooperatives."""
        if self.reporting < k or not self.lorenz:
            return []
        kept = [self.lorenz[0]]
        min_step = k / self.reporting
        for point in self.lorenz[1:]:
            if point[0] - kept[-1][0] >= min_step - 1e-12:
                kept.append(point)
        if kept[-1] != self.lorenz[-1]:
            kept[-1] = self.lorenz[-1]
        return kept


def top_count(n: int, fraction: float) -> int:
    """``⌈fraction·n⌉`` computed in integers (at least one when n > 0)."""
    if n <= 0:
        return 0
    per_10k = round(fraction * 10_000)
    return max(1, -(-n * per_10k // 10_000))


def gini_from_lorenz(points: Sequence[tuple[float, float]]) -> float | None:
    """One minus twice the area under the polygon through ``points`` (from (0, 0) to (1, 1))."""
    if len(points) < 2:
        return None
    area = 0.0
    for (p0, l0), (p1, l1) in pairwise(points):
        area += (p1 - p0) * (l0 + l1) / 2
    return max(0.0, 1 - 2 * area)


def exact(
    session: Session,
    restrict: Callable[[Select[Any]], Select[Any]],
    fractions: Sequence[float] = TOP_FRACTIONS,
) -> Concentration:
    """Concentration over the cooperatives selected by ``restrict`` (population and filters).

    The sales are read once, sorted by the database, and every figure is computed from them
    in one pass: ranking them twice with window functions cost seconds at tens of thousands
    of cooperatives on SQLite, reading them costs tens of milliseconds.
    """
    x = cast(sales_clp(), Float)
    query = restrict(select(x).select_from(Cooperative.__table__)).where(x.is_not(None))
    values = [float(v) for v in session.execute(query.order_by(x)).scalars()]
    return from_sorted(values, fractions)


def from_sorted(
    values: Sequence[float], fractions: Sequence[float] = TOP_FRACTIONS
) -> Concentration:
    """Exact concentration of ``values`` sorted ascending (see the module's formulas)."""
    n = len(values)
    total = math.fsum(values)
    if n == 0 or total <= 0:
        return Concentration(
            n, total, None, None, tops={f: (None, top_count(n, f)) for f in fractions}
        )
    ranked = math.fsum(i * v for i, v in enumerate(values, start=1))
    gini = 2 * ranked / (n * total) - (n + 1) / n
    hhi = math.fsum(v * v for v in values) / (total * total)
    top_values: dict[float, tuple[float | None, int]] = {}
    for f in fractions:
        count = top_count(n, f)
        top_values[f] = (math.fsum(values[n - count :]) / total, count)
    buckets = min(n, LORENZ_POINTS)
    lorenz = [(0.0, 0.0)]
    cumulative = 0.0
    start = 0
    for b in range(buckets):
        # Rows whose bucket ((rank − 1) · buckets) // n is b.
        end = -(-(b + 1) * n // buckets)
        cumulative += math.fsum(values[start:end])
        start = end
        lorenz.append((end / n, min(1.0, cumulative / total)))
    return Concentration(n, total, max(0.0, gini), hhi, lorenz, top_values, exact=True)


def from_bins(bins: Sequence[tuple[int, float]], sum_squares: float) -> Concentration:
    """Concentration from ``(count, sum)`` per sales bin, ascending, and the sum of squares."""
    n = sum(c for c, _ in bins)
    total = float(sum(s for _, s in bins))
    if n == 0 or total <= 0:
        return Concentration(n, total, None, None, exact=False, bins=list(bins))
    lorenz = [(0.0, 0.0)]
    cum_n = 0
    cum_x = 0.0
    for count, s in bins:
        if count == 0:
            continue
        cum_n += count
        cum_x += s
        lorenz.append((cum_n / n, min(1.0, cum_x / total)))
    return Concentration(
        reporting=n,
        total=total,
        gini=gini_from_lorenz(lorenz),
        hhi=sum_squares / (total * total),
        lorenz=lorenz,
        exact=False,
        bins=list(bins),
    )


def is_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
