"""Vega-Lite specifications of the dashboard's charts, built from tables (plain data).

Titles and labels arrive already translated; suppressed cells are left out of the marks and
reported in the chart's data table and CSV instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from asocia.stats.crosstab import CrossTab
from asocia.stats.labels import REGIONS_NORTH_TO_SOUTH, short_region

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
GREEN = "#2e7d6b"


def chart_rows(table: CrossTab, labels: Mapping[Any, str]) -> list[dict[str, Any]]:
    """One record per category of a one-way table (totals excluded), suppressed ones flagged."""
    rows = []
    for i, value in enumerate(table.row_values):
        amount = table.values[i][0]
        rows.append(
            {
                "key": value,
                "label": (
                    short_region(labels.get(value, str(value)))
                    if table.rows == "region"
                    else labels.get(value, str(value))
                ),
                "value": amount,
                "cooperatives": table.counts[i][0],
                "suppressed": amount is None,
            }
        )
    return rows


def bar_spec(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    value_title: str,
    sort: bool = False,
    money: bool = False,
) -> dict[str, Any]:
    """A horizontal bar chart of ``rows`` (``label``, ``value``)."""
    data = [{"label": r["label"], "value": r["value"]} for r in rows if r["value"] is not None]
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": "container",
        "height": {"step": 18},
        "data": {"values": data},
        "mark": {"type": "bar", "color": GREEN, "tooltip": True},
        "encoding": {
            "y": {
                "field": "label",
                "type": "nominal",
                "title": None,
                # Keep the table's order (regions north to south, bands by size).
                "sort": "-x" if sort else [r["label"] for r in data],
                "axis": {"labelLimit": 220},
            },
            "x": {
                "field": "value",
                "type": "quantitative",
                "title": value_title,
                "axis": {"format": "~s"} if money else {},
            },
        },
    }


def year_spec(
    rows: Sequence[Mapping[str, Any]], *, title: str, value_title: str, year_title: str
) -> dict[str, Any]:
    """A bar chart over years (categories that are not years are left out)."""
    data = [
        {"year": r["key"], "value": r["value"]}
        for r in rows
        if isinstance(r["key"], int) and r["value"] is not None
    ]
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": "container",
        "height": 180,
        "data": {"values": data},
        "mark": {"type": "bar", "color": GREEN, "tooltip": True},
        "encoding": {
            "x": {
                "field": "year",
                "type": "quantitative",
                "title": year_title,
                "axis": {"format": "d"},
                "scale": {"zero": False},
            },
            "y": {"field": "value", "type": "quantitative", "title": value_title},
        },
    }


def lorenz_spec(
    points: Sequence[tuple[float, float]], *, title: str, x_title: str, y_title: str
) -> dict[str, Any]:
    """The Lorenz curve of sales with the line of equality."""
    curve = [{"p": p, "l": v, "series": "lorenz"} for p, v in points]
    equality = [
        {"p": 0.0, "l": 0.0, "series": "equality"},
        {"p": 1.0, "l": 1.0, "series": "equality"},
    ]
    return {
        "$schema": SCHEMA,
        "description": title,
        "width": "container",
        "height": 240,
        "data": {"values": curve + equality},
        "mark": {"type": "line", "tooltip": True},
        "encoding": {
            "x": {"field": "p", "type": "quantitative", "title": x_title, "axis": {"format": "%"}},
            "y": {"field": "l", "type": "quantitative", "title": y_title, "axis": {"format": "%"}},
            "color": {
                "field": "series",
                "type": "nominal",
                "legend": None,
                "scale": {"domain": ["lorenz", "equality"], "range": [GREEN, "#9aa5a1"]},
            },
            "strokeDash": {
                "field": "series",
                "type": "nominal",
                "legend": None,
                "scale": {"domain": ["lorenz", "equality"], "range": [[1, 0], [4, 4]]},
            },
        },
    }


def map_cells(rows: Sequence[Mapping[str, Any]], names: Mapping[int, str]) -> list[dict[str, Any]]:
    """The schematic map's cells: the 16 regions north to south with value and colour class
    (0–4 by quintile of the largest value; -1 for a hidden or empty region)."""
    by_code = {r["key"]: r for r in rows}
    values = [r["value"] for r in rows if r["value"]]
    top = max(values) if values else 0
    cells = []
    for position, code in enumerate(REGIONS_NORTH_TO_SOUTH):
        row = by_code.get(code)
        value = row["value"] if row else 0
        shade = -1 if value is None or not top else min(4, int(5 * value / (top + 1e-9)))
        cells.append(
            {
                "code": code,
                "name": short_region(names.get(code, str(code))),
                "value": value,
                "suppressed": bool(row and row["suppressed"]),
                "shade": shade,
                "position": position,
            }
        )
    return cells
