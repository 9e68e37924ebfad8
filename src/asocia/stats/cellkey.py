"""The cell key method: consistent, bounded perturbation of every published statistic.

This is the method national statistics offices use for user-defined tables (the Australian
Bureau of Statistics' TableBuilder, Thompson, Broadfoot and Elazar 2013; Eurostat's census
hub and the ``cellKey``/``ptable`` packages, Giessing and Tent 2019):

* every cooperative carries a fixed, secret, random **record key**, an integer drawn uniformly
  from ``[0, 2³¹)`` when the record is written (``cooperatives.cell_key``);
* the **cell key** of a cell (any set of cooperatives: a cross-tab cell, a total, a filtered
  headline figure) is the sum of its records' keys modulo 2³¹, read as a fraction in [0, 1) —
  the same set of cooperatives always has the same cell key, whatever query produced it;
* a **perturbation table** (:class:`PTable`) maps (count, cell key) to a small integer ``d``
  with ``|d| ≤ D``, mean 0 and variance ``V`` (maximum entropy under those constraints,
  as the ``ptable`` package builds them); the published count is ``n + d``. A non-empty cell
  never becomes empty, and an empty cell (no cooperative, no key) is not perturbed;
* **magnitudes** (members, workers, sales) get ``m · x_max · e`` added, where ``x_max`` is the
  largest single contribution to the cell and ``e`` is drawn from the cell key (a different
  stream per measure) with ``0.5 ≤ |e| ≤ 1.5``: no cell's sum is published exactly, and the
  noise is on the scale of the contribution an attacker would try to isolate;
* a published count below ``k`` — an empty cell's 0 included — is shown as "< k", and no
  magnitude (sum, mean, share) of a cell with fewer than ``k`` cooperatives is published.

Because the perturbation of a cell depends only on its set of cooperatives, differencing two
overlapping queries (a region, and the same region without one class) gives the difference of
two independently perturbed figures, not the isolated cooperative. Tables are not additive
(a total is a cell of its own, perturbed once, so that it is the same in every table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from asocia.db.models.registry import new_record_key

__all__ = ["KEY_MODULUS", "PTable", "Perturbation", "cell_key", "new_record_key", "stream"]

KEY_MODULUS = 2**31
# Odd multipliers (bijections modulo 2³¹) giving each measure its own uniform stream.
_STREAM_MULTIPLIER = 0x5DEECE6D
MAGNITUDE_NOISE_MIN = 0.5
MAGNITUDE_NOISE_MAX = 1.5


def cell_key(key_sum: int) -> float:
    """The cell key in [0, 1) of a cell whose records' keys add up to ``key_sum``."""
    return (int(key_sum) % KEY_MODULUS) / KEY_MODULUS


def stream(key_sum: int, name: str) -> float:
    """A second uniform number in [0, 1) drawn from the same cell key for ``name`` (a
    measure), so that a cell's sales and members are perturbed independently of its count."""
    salt = sum((i + 1) * ord(ch) for i, ch in enumerate(name)) * 2654435761
    return ((int(key_sum) * _STREAM_MULTIPLIER + salt) % KEY_MODULUS) / KEY_MODULUS


@dataclass(frozen=True)
class PTable:
    """Perturbation table for counts: for each count ``n`` a distribution over adjustments
    ``d`` (``-D ≤ d ≤ D``, ``n + d ≥ 1``) with mean 0 and variance ``V`` where the support
    allows it; rows for ``n > D`` are all the same symmetric distribution."""

    max_noise: int
    variance: float
    rows: tuple[tuple[tuple[int, float], ...], ...] = field(default=())

    @classmethod
    def build(cls, max_noise: int, variance: float) -> PTable:
        return _build(max_noise, variance)

    def row(self, n: int) -> tuple[tuple[int, float], ...]:
        """(adjustment, probability) pairs for count ``n`` (n ≥ 1)."""
        return self.rows[min(n, len(self.rows)) - 1]

    def adjustment(self, n: int, key: float) -> int:
        """The adjustment for a cell of ``n`` cooperatives and cell key ``key``: the value
        whose cumulative-probability interval contains ``key``."""
        if n <= 0:
            return 0
        acc = 0.0
        row = self.row(n)
        for d, p in row:
            acc += p
            if key < acc:
                return d
        return row[-1][0]

    def support(self, n: int) -> list[int]:
        """Adjustments that can occur for count ``n``."""
        return [d for d, p in self.row(n) if p > 0] if n > 0 else [0]


@cache
def _build(max_noise: int, variance: float) -> PTable:
    rows = []
    for n in range(1, max_noise + 2):
        low = max(1 - n, -max_noise)
        rows.append(_max_entropy(low, max_noise, variance))
    return PTable(max_noise, variance, tuple(rows))


def _max_entropy(low: int, high: int, variance: float) -> tuple[tuple[int, float], ...]:
    """Maximum-entropy distribution on ``low..high`` with mean 0 and the given variance
    (capped below what the support allows): ``p(d) ∝ exp(a·d + b·d²)``, solved by Newton's
    method on the convex dual."""
    support = list(range(low, high + 1))
    if low >= 0 or high <= 0 or variance <= 0:
        return ((0, 1.0),) if 0 in support else ((support[0], 1.0),)
    target = min(variance, 0.9 * (-low * high))
    a, b = 0.0, 0.0
    for _ in range(200):
        weights = [math.exp(a * d + b * d * d) for d in support]
        z = sum(weights)
        p = [w / z for w in weights]
        m1 = sum(pi * d for pi, d in zip(p, support, strict=True))
        m2 = sum(pi * d * d for pi, d in zip(p, support, strict=True))
        m3 = sum(pi * d**3 for pi, d in zip(p, support, strict=True))
        m4 = sum(pi * d**4 for pi, d in zip(p, support, strict=True))
        g1, g2 = m1, m2 - target
        if abs(g1) < 1e-12 and abs(g2) < 1e-12:
            break
        h11 = m2 - m1 * m1
        h12 = m3 - m1 * m2
        h22 = m4 - m2 * m2
        det = h11 * h22 - h12 * h12
        if det <= 1e-15:
            break
        da = (h22 * g1 - h12 * g2) / det
        db = (h11 * g2 - h12 * g1) / det
        step = 1.0
        while step > 1e-4 and (abs(da * step) > 5 or abs(db * step) > 5):
            step /= 2
        a -= da * step
        b -= db * step
    weights = [math.exp(a * d + b * d * d) for d in support]
    z = sum(weights)
    return tuple((d, w / z) for d, w in zip(support, weights, strict=True))


@dataclass(frozen=True)
class Perturbation:
    """The parameters of disclosure control (settings ``ASOCIA_DISCLOSURE_*``).

    ``k``: smallest count published as a number; ``max_noise`` (D) and ``variance`` (V): the
    perturbation table of counts; ``magnitude`` (m): the scale of the noise added to sums, as a
    fraction of the cell's largest contribution.
    """

    k: int = 3
    max_noise: int = 2
    variance: float = 1.0
    magnitude: float = 0.1

    @classmethod
    def from_settings(cls, settings: Any) -> Perturbation:
        """The parameters from :class:`asocia.settings.Settings`."""
        return cls(
            k=settings.disclosure_k,
            max_noise=settings.disclosure_max_noise,
            variance=settings.disclosure_noise_variance,
            magnitude=settings.disclosure_magnitude_noise,
        )

    @property
    def ptable(self) -> PTable:
        return PTable.build(self.max_noise, self.variance)

    def count(self, n: int, key_sum: int) -> int:
        """The published count of a cell of ``n`` cooperatives (before the "< k" rule)."""
        if n <= 0:
            return 0
        return n + self.ptable.adjustment(n, cell_key(key_sum))

    def shown_count(self, n: int, key_sum: int) -> int | None:
        """The published count, or None when it is below ``k`` (shown as "< k").

        An empty cell is shown as "< k" too: were it shown as 0, every "< k" beside it would be
        known to hold at least one cooperative, and with the totals that fact pins small cells
        (docs/statistics.md, "Empty cells")."""
        value = self.count(n, key_sum)
        return None if value < self.k else value

    def magnitude_noise(self, key_sum: int, name: str) -> float:
        """The factor ``e`` (``0.5 ≤ |e| ≤ 1.5``, mean 0) of a cell's measure ``name``."""
        u = stream(key_sum, name)
        sign = 1.0 if u < 0.5 else -1.0
        v = (2 * u) % 1.0
        return sign * (MAGNITUDE_NOISE_MIN + (MAGNITUDE_NOISE_MAX - MAGNITUDE_NOISE_MIN) * v)

    def sum(
        self,
        total: float,
        n: int,
        largest: float,
        key_sum: int,
        name: str,
        *,
        integer: bool = True,
    ) -> float | int | None:
        """The published sum of measure ``name`` over a cell of ``n`` cooperatives whose
        largest contribution is ``largest``; None when the cell counts fewer than ``k``
        cooperatives (truly or as published), empty cells included."""
        if n < self.k or self.count(n, key_sum) < self.k:
            return None
        noisy = total + self.magnitude * abs(largest) * self.magnitude_noise(key_sum, name)
        if total >= 0:
            noisy = max(0.0, noisy)
        return round(noisy) if integer else noisy

    def max_count_error(self) -> int:
        """The largest difference between a published count and the true one (D)."""
        return self.max_noise

    def max_sum_error(self, largest: float) -> float:
        """The largest difference between a published sum and the true one."""
        return self.magnitude * MAGNITUDE_NOISE_MAX * abs(largest) + 0.5
