"""Cross-tabulations: rows × columns × measure, with filters, totals and disclosure control.

A one-way table (a distribution, e.g. cooperatives by region) is a cross-tab without columns.
With ``public=True`` every cell, totals included, goes through the cell key method
(:mod:`asocia.stats.cellkey`): counts and sums are perturbed consistently, a count below k
becomes ``None`` with status ``below_k`` (shown "< k"), and the sum of a cell of fewer than k
cooperatives becomes ``None`` with status ``suppressed``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asocia.spreadsheets import safe_dict
from asocia.stats.cellkey import Perturbation
from asocia.stats.dimensions import LARGEST, MEASURES, dimension, measure
from asocia.stats.engine import Filters, Grouped, Number, StatsEngine
from asocia.stats.labels import value_order

TOTAL = "total"
BELOW_K = "below_k"
SUPPRESSED = "suppressed"


@dataclass
class CrossTab:
    """A table of ``measure`` by ``rows`` (and ``columns``) with totals.

    ``values[i][j]`` is the measure for row value ``i`` and column value ``j``; the last row
    and the last column hold the totals. ``None`` marks a hidden cell, whose ``status`` says
    why: ``below_k`` (the published count is below k: shown "< k") or ``suppressed`` (the sum
    of a cell of fewer than k cooperatives). In a public table every number is perturbed.
    """

    rows: str
    columns: str | None
    measure: str
    row_values: list[Any]
    column_values: list[Any]
    values: list[list[Number | None]]
    counts: list[list[int | None]]
    public: bool
    k: int
    filters: dict[str, list[Any]] = field(default_factory=dict)
    suppressed_cells: int = 0
    status: list[list[str]] = field(default_factory=list)

    @property
    def grand_total(self) -> Number | None:
        return self.values[-1][-1]

    def records(self) -> list[dict[str, Any]]:
        """One record per cell, totals included (value ``total`` in the dimension fields)."""
        out: list[dict[str, Any]] = []
        row_keys = [*self.row_values, TOTAL]
        col_keys = [*self.column_values, TOTAL] if self.columns else [TOTAL]
        for i, rv in enumerate(row_keys):
            for j, cv in enumerate(col_keys):
                record: dict[str, Any] = {self.rows: rv}
                if self.columns:
                    record[self.columns] = cv
                record["cooperatives"] = self.counts[i][j]
                if self.measure != "cooperatives":
                    record[self.measure] = self.values[i][j]
                record["status"] = self.cell_status(i, j)
                out.append(record)
        return out

    def cell_status(self, i: int, j: int) -> str:
        """``""`` (published), ``below_k`` or ``suppressed`` for cell (i, j)."""
        if not self.status:
            return SUPPRESSED if self.values[i][j] is None else ""
        return self.status[i][j]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": self.columns,
            "measure": self.measure,
            "row_values": self.row_values,
            "column_values": self.column_values,
            "values": self.values,
            "counts": self.counts,
            "public": self.public,
            "k": self.k,
            "filters": self.filters,
            "suppressed_cells": self.suppressed_cells,
            "status": self.status,
        }


def ordered_values(dim_key: str, present: Sequence[Any]) -> list[Any]:
    """Known values of the dimension in its display order, then the others sorted, None last."""
    dim = dimension(dim_key)
    seen = set(present)
    order = dim.values or value_order(dim_key)
    known = [v for v in order if v in seen]
    others = [v for v in seen if v not in order and v is not None]
    rest = sorted(others) if dim.numeric else sorted(others, key=str)
    tail = [None] if None in seen else []
    return [*known, *rest, *tail]


def from_grouped(
    grouped: Grouped,
    rows: str,
    columns: str | None,
    measure_key: str,
    *,
    public: bool,
    k: int,
    filters: Filters = Filters(),
    perturbation: Perturbation | None = None,
) -> CrossTab:
    """Arrange a grouped aggregate (holding ``cooperatives`` and ``measure_key``, and for a
    public table ``record_keys`` and the measure's largest contribution) as a table."""
    measure(measure_key)
    dims = (rows, columns) if columns else (rows,)
    g = grouped.regroup(dims, [m for m in table_measures(measure_key) if m in grouped.measures])
    ci = g.measures.index("cooperatives")
    mi = g.measures.index(measure_key)
    ki = g.measures.index("record_keys") if "record_keys" in g.measures else None
    largest_key = LARGEST.get(measure_key)
    li = g.measures.index(largest_key) if largest_key in g.measures else None
    row_values = ordered_values(rows, [key[0] for key, _ in g.rows])
    col_values = ordered_values(columns, [key[1] for key, _ in g.rows]) if columns else []
    width = len(col_values) if columns else 1
    counts = [[0] * width for _ in row_values]
    sums: list[list[Number]] = [[0] * width for _ in row_values]
    keys = [[0] * width for _ in row_values]
    largest: list[list[Number]] = [[0] * width for _ in row_values]
    rpos = {v: i for i, v in enumerate(row_values)}
    cpos = {v: j for j, v in enumerate(col_values)}
    for key, vals in g.rows:
        i = rpos[key[0]]
        j = cpos[key[1]] if columns else 0
        counts[i][j] += int(vals[ci])
        sums[i][j] += vals[mi]
        if ki is not None:
            keys[i][j] += int(vals[ki])
        if li is not None:
            largest[i][j] = max(largest[i][j], vals[li])
    full_counts = _augment(counts, sum)
    full_sums = _augment(sums, sum)
    full_keys = _augment(keys, sum)
    full_largest = _augment(largest, _max)
    if not columns:
        # A one-way table: the interior column and the totals column are the same numbers.
        full_counts, full_sums, full_keys, full_largest = (
            [[r[0]] for r in t] for t in (full_counts, full_sums, full_keys, full_largest)
        )
    table = CrossTab(
        rows=rows,
        columns=columns,
        measure=measure_key,
        row_values=row_values,
        column_values=col_values,
        values=[list(r) for r in full_sums],
        counts=[list(r) for r in full_counts],
        public=False,
        k=k,
        filters=filters.as_dict(),
    )
    if public:
        if ki is None:
            raise ValueError("a public table needs the records' keys (measure record_keys)")
        perturb(table, full_keys, full_largest, perturbation or Perturbation(k=k))
    return table


def perturb(
    table: CrossTab,
    keys: list[list[int]],
    largest: list[list[Number]],
    perturbation: Perturbation,
) -> None:
    """Apply the cell key method to every cell (totals included) of an exact ``table``, whose
    cells' record-key sums and largest contributions are ``keys`` and ``largest``."""
    integer = MEASURES[table.measure].integer
    status: list[list[str]] = []
    hidden = 0
    for i, row in enumerate(table.counts):
        status.append([])
        for j, n in enumerate(row):
            true_n = int(n or 0)
            shown = perturbation.shown_count(true_n, keys[i][j])
            if shown is None:
                table.counts[i][j] = None
                table.values[i][j] = None
                status[i].append(BELOW_K)
                hidden += 1
                continue
            table.counts[i][j] = shown
            if table.measure == "cooperatives":
                table.values[i][j] = shown
                status[i].append("")
                continue
            total = table.values[i][j] or 0
            value = perturbation.sum(
                total, true_n, largest[i][j], keys[i][j], table.measure, integer=integer
            )
            table.values[i][j] = value
            status[i].append(SUPPRESSED if value is None else "")
            hidden += value is None
    table.status = status
    table.suppressed_cells = hidden
    table.public = True
    table.k = perturbation.k


def _max(values: Sequence[Number]) -> Number:
    return max(values, default=0)


def _augment(table: list[list[Any]], combine: Any) -> list[list[Any]]:
    """The table with a totals column and a totals row combined by ``combine``."""
    rows = [[*r, combine(r)] for r in table]
    width = len(rows[0]) if rows else 1
    return [*rows, [combine([r[j] for r in rows]) for j in range(width)]]


def crosstab(
    engine: StatsEngine,
    rows: str,
    columns: str | None = None,
    measure_key: str = "cooperatives",
    *,
    filters: Filters = Filters(),
    population: str = "current",
    public: bool = False,
    k: int = 3,
    perturbation: Perturbation | None = None,
) -> CrossTab:
    """Compute a cross-tab with one grouped query."""
    if columns == rows:
        raise ValueError("rows and columns must be different dimensions")
    dims = (rows, columns) if columns else (rows,)
    grouped = engine.grouped(dims, table_measures(measure_key), filters, population)
    return from_grouped(
        grouped,
        rows,
        columns,
        measure_key,
        public=public,
        k=k,
        filters=filters,
        perturbation=perturbation,
    )


def table_measures(measure_key: str) -> tuple[str, ...]:
    """The measures a table of ``measure_key`` reads (with what the cell key method needs)."""
    out = ["cooperatives", "record_keys"]
    if measure_key != "cooperatives":
        out.append(measure_key)
    if measure_key in LARGEST:
        out.append(LARGEST[measure_key])
    return tuple(out)


def to_csv(table: CrossTab, labels: dict[str, Any] | None = None) -> str:
    """The table as CSV in long form (one line per cell, totals included); hidden cells are
    written as an empty value with ``below_k`` (a count below k, "< k") or ``suppressed`` (a
    sum of fewer than k cooperatives) in a status column."""
    buffer = io.StringIO()
    records = table.records()
    fieldnames = [table.rows] + ([table.columns] if table.columns else [])
    fieldnames += ["cooperatives"] + ([table.measure] if table.measure != "cooperatives" else [])
    writer = csv.DictWriter(buffer, fieldnames=[*fieldnames, "status"], lineterminator="\n")
    writer.writeheader()
    for record in records:
        status = record.pop("status")
        row = {k: ("" if v is None else v) for k, v in record.items()}
        if labels:
            for dim in fieldnames[:2]:
                if dim in row and row[dim] in labels.get(dim, {}):
                    row[dim] = labels[dim][row[dim]]
        row["status"] = status
        writer.writerow(safe_dict(row))
    return buffer.getvalue()
