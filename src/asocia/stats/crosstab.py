"""Cross-tabulations: rows × columns × measure, with filters, totals and disclosure control.

A one-way table (a distribution, e.g. cooperatives by region) is a cross-tab without columns.
With ``public=True`` the table goes through :mod:`asocia.stats.disclosure`: suppressed cells
(and their measure values) become ``None`` and are listed as such in exports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asocia.spreadsheets import safe_dict
from asocia.stats import disclosure
from asocia.stats.dimensions import dimension, measure
from asocia.stats.engine import Filters, Grouped, Number, StatsEngine
from asocia.stats.labels import value_order

TOTAL = "total"


@dataclass
class CrossTab:
    """A table of ``measure`` by ``rows`` (and ``columns``) with totals.

    ``values[i][j]`` is the measure for row value ``i`` and column value ``j``; the last row
    and the last column hold the totals. ``None`` marks a suppressed cell.
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
                out.append(record)
        return out

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
) -> CrossTab:
    """Arrange a grouped aggregate (holding ``cooperatives`` and ``measure_key``) as a table."""
    measure(measure_key)
    dims = (rows, columns) if columns else (rows,)
    g = grouped.regroup(dims)
    ci = g.measures.index("cooperatives")
    mi = g.measures.index(measure_key)
    row_values = ordered_values(rows, [key[0] for key, _ in g.rows])
    col_values = ordered_values(columns, [key[1] for key, _ in g.rows]) if columns else []
    width = len(col_values) if columns else 1
    counts = [[0] * width for _ in row_values]
    sums: list[list[Number]] = [[0] * width for _ in row_values]
    rpos = {v: i for i, v in enumerate(row_values)}
    cpos = {v: j for j, v in enumerate(col_values)}
    for key, vals in g.rows:
        i = rpos[key[0]]
        j = cpos[key[1]] if columns else 0
        counts[i][j] += int(vals[ci])
        sums[i][j] += vals[mi]
    full_counts = disclosure.augment(counts)
    full_sums = _augment_numbers(sums)
    if not columns:
        # A one-way table: the interior column and the totals column are the same numbers.
        full_counts = [[r[0]] for r in full_counts]
        full_sums = [[r[0]] for r in full_sums]
    out_counts: list[list[int | None]] = [list(r) for r in full_counts]
    out_values: list[list[Number | None]] = [list(r) for r in full_sums]
    table = CrossTab(
        rows=rows,
        columns=columns,
        measure=measure_key,
        row_values=row_values,
        column_values=col_values,
        values=out_values,
        counts=out_counts,
        public=False,
        k=k,
        filters=filters.as_dict(),
    )
    if public:
        protect(table, counts, k)
    return table


def protect(table: CrossTab, counts: list[list[int]], k: int) -> None:
    """Apply disclosure control to an unprotected ``table`` whose interior counts are
    ``counts``: suppressed cells (and their measure values) become None."""
    pattern = disclosure.suppress(counts, k)
    hide(table, pattern.suppressed)
    table.public = True
    table.k = k


def hide(table: CrossTab, cells: frozenset[tuple[int, int]] | set[tuple[int, int]]) -> None:
    """Blank ``cells`` (coordinates in the augmented table) of ``table``."""
    for i, j in cells:
        jj = 0 if not table.columns else j
        if table.counts[i][jj] is not None:
            table.suppressed_cells += 1
        table.counts[i][jj] = None
        table.values[i][jj] = None


def _augment_numbers(table: list[list[Number]]) -> list[list[Number]]:
    rows = [[*r, sum(r)] for r in table]
    width = len(rows[0]) if rows else 1
    return [*rows, [sum(r[j] for r in rows) for j in range(width)]]


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
) -> CrossTab:
    """Compute a cross-tab with one grouped query."""
    if columns == rows:
        raise ValueError("rows and columns must be different dimensions")
    dims = (rows, columns) if columns else (rows,)
    measures = ("cooperatives",) if measure_key == "cooperatives" else ("cooperatives", measure_key)
    grouped = engine.grouped(dims, measures, filters, population)
    return from_grouped(grouped, rows, columns, measure_key, public=public, k=k, filters=filters)


def to_csv(table: CrossTab, labels: dict[str, Any] | None = None) -> str:
    """The table as CSV in long form (one line per cell, totals included); suppressed cells
    are written as an empty value with ``suppressed`` in a status column."""
    buffer = io.StringIO()
    records = table.records()
    fieldnames = [table.rows] + ([table.columns] if table.columns else [])
    fieldnames += ["cooperatives"] + ([table.measure] if table.measure != "cooperatives" else [])
    writer = csv.DictWriter(buffer, fieldnames=[*fieldnames, "status"], lineterminator="\n")
    writer.writeheader()
    for record in records:
        hidden = record["cooperatives"] is None
        row = {k: ("" if v is None else v) for k, v in record.items()}
        if labels:
            for dim in fieldnames[:2]:
                if dim in row and row[dim] in labels.get(dim, {}):
                    row[dim] = labels[dim][row[dim]]
        row["status"] = "suppressed" if hidden else ""
        writer.writerow(safe_dict(row))
    return buffer.getvalue()
