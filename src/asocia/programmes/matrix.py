"""The overlap and gap matrix: stage × purpose (optionally × support type or × region).

A cell lists the instruments (and their agencies) that serve that stage and purpose. An
*overlap* is a cell where instruments of two or more agencies give the same support type; a
*gap* is a cell that no instrument serves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from asocia.db.models.programmes import Instrument
from asocia.i18n import N_, MessageError
from asocia.programmes.catalogue import PURPOSES, STAGES, SUPPORT_TYPES
from asocia.spreadsheets import safe_row, xlsx_row

BY = ("support_type", "region")


def build(instruments: Sequence[Instrument], by: str | None = None) -> dict[str, Any]:
    """Cells, overlaps and gaps. ``by`` adds a third axis: ``support_type`` or ``region``."""
    if by not in (None, *BY):
        raise MessageError(
            N_("unknown axis %(axis)r; expected one of %(choices)s"), axis=by, choices=", ".join(BY)
        )
    thirds: list[Any] = [None]
    if by == "support_type":
        thirds = list(SUPPORT_TYPES)
    elif by == "region":
        thirds = sorted({r for i in instruments for r in (i.regions or [])}) or []
        thirds = ["national", *thirds]
    cells = []
    for stage in STAGES:
        for purpose in PURPOSES:
            for third in thirds:
                members = [
                    i
                    for i in instruments
                    if stage in i.stages
                    and purpose in i.purposes
                    and (
                        third is None
                        or (by == "support_type" and third in i.support_types)
                        or (by == "region" and (not i.regions or third in i.regions))
                    )
                ]
                cell: dict[str, Any] = {
                    "stage": stage,
                    "purpose": purpose,
                    "instruments": [
                        {"id": i.id, "code": i.code, "name": i.name, "agency": i.agency}
                        for i in members
                    ],
                    "agencies": sorted({i.agency for i in members}),
                }
                if by:
                    cell[by] = third
                overlapping = {}
                for kind in SUPPORT_TYPES:
                    agencies = sorted({i.agency for i in members if kind in i.support_types})
                    if len(agencies) > 1:
                        overlapping[kind] = agencies
                cell["overlaps"] = overlapping
                cells.append(cell)
    overlaps = [
        {
            **{k: c[k] for k in ("stage", "purpose", *([by] if by else []))},
            "support_type": kind,
            "agencies": agencies,
            "instruments": [
                i["code"]
                for i in c["instruments"]
                if kind in next(x.support_types for x in instruments if x.id == i["id"])
            ],
        }
        for c in cells
        for kind, agencies in c["overlaps"].items()
    ]
    gaps = [
        {k: c[k] for k in ("stage", "purpose", *([by] if by else []))}
        for c in cells
        if not c["instruments"]
    ]
    return {"by": by, "cells": cells, "overlaps": overlaps, "gaps": gaps}


def rows(matrix: dict[str, Any]) -> list[list[Any]]:
    """The matrix as a table for the coordination meeting: one line per cell."""
    by = matrix["by"]
    header = [
        "stage",
        "purpose",
        *([by] if by else []),
        "instruments",
        "agencies",
        "overlaps",
        "gap",
    ]
    table: list[list[Any]] = [header]
    for c in matrix["cells"]:
        table.append(
            [
                c["stage"],
                c["purpose"],
                *([c[by]] if by else []),
                "; ".join(f"{i['name']} ({i['agency']})" for i in c["instruments"]),
                ", ".join(c["agencies"]),
                "; ".join(f"{k}: {', '.join(v)}" for k, v in c["overlaps"].items()),
                "yes" if not c["instruments"] else "",
            ]
        )
    return table


def to_csv(matrix: dict[str, Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(safe_row(line) for line in rows(matrix))
    return out.getvalue()


def to_xlsx(matrix: dict[str, Any], path: str | Path | io.BytesIO) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "matrix"
    for line in rows(matrix):
        sheet.append(xlsx_row(sheet, line))
    gaps = book.create_sheet("gaps")
    gaps.append(list(matrix["gaps"][0]) if matrix["gaps"] else ["stage", "purpose"])
    for gap in matrix["gaps"]:
        gaps.append(xlsx_row(gaps, gap.values()))
    overlaps = book.create_sheet("overlaps")
    overlaps.append(["stage", "purpose", "support_type", "agencies", "instruments"])
    for o in matrix["overlaps"]:
        overlaps.append(
            xlsx_row(
                overlaps,
                [
                    o["stage"],
                    o["purpose"],
                    o["support_type"],
                    ", ".join(o["agencies"]),
                    ", ".join(o["instruments"]),
                ],
            )
        )
    book.save(path)
