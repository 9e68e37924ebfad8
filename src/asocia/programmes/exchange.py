"""Catalogue files: export to CSV, XLSX and YAML, and import from them (all or nothing).

In CSV and XLSX each instrument is one line: lists are written ``a|b|c``, the eligibility rule
and the series as JSON text. YAML is the shape of the shipped ``data/catalogue.yaml``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from sqlalchemy.orm import Session

from asocia.db.models.programmes import Instrument
from asocia.i18n import N_, MessageError
from asocia.programmes.catalogue import (
    FIELDS,
    LIST_FIELDS,
    CatalogueError,
    Problem,
    normalise,
    save,
    to_dict,
)
from asocia.registry.readers import ReadError, open_table
from asocia.spreadsheets import safe_row, xlsx_row

FORMATS = ("csv", "xlsx", "yaml", "hsds")
JSON_FIELDS = ("eligibility", "series")


def _flat(instrument: Instrument) -> list[Any]:
    data = to_dict(instrument)
    line: list[Any] = []
    for name in FIELDS:
        value = data[name]
        if name in LIST_FIELDS:
            value = "|".join(str(v) for v in value or [])
        elif name in JSON_FIELDS:
            value = "" if not value else json.dumps(value, ensure_ascii=False)
        line.append("" if value is None else value)
    return line


def to_csv(instruments: list[Instrument]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    for instrument in instruments:
        writer.writerow(safe_row(_flat(instrument)))
    return out.getvalue()


def to_xlsx(instruments: list[Instrument], path: str | Path | io.BytesIO) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "instruments"
    sheet.append(list(FIELDS))
    for instrument in instruments:
        sheet.append(xlsx_row(sheet, _flat(instrument)))
    book.save(path)


def to_yaml(instruments: list[Instrument]) -> str:
    records = []
    for instrument in instruments:
        data = to_dict(instrument)
        records.append({k: data[k] for k in FIELDS if data[k] not in (None, [], "")})
    return yaml.safe_dump(
        {"version": 1, "instruments": records}, allow_unicode=True, sort_keys=False, width=100
    )


def export(session: Session, instruments: list[Instrument], fmt: str, out: Path) -> None:
    """Write the catalogue to ``out`` in ``fmt`` (csv, xlsx, yaml or hsds)."""
    if fmt == "csv":
        out.write_text(to_csv(instruments), encoding="utf-8")
    elif fmt == "xlsx":
        to_xlsx(instruments, out)
    elif fmt == "yaml":
        out.write_text(to_yaml(instruments), encoding="utf-8")
    elif fmt == "hsds":
        from asocia.programmes.hsds import to_hsds

        out.write_text(
            json.dumps(to_hsds(instruments), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    else:
        raise MessageError(
            N_("unknown format %(format)r; expected one of %(choices)s"),
            format=fmt,
            choices=", ".join(FORMATS),
        )


def _unflatten(raw: dict[str, Any], row: int, problems: list[Problem]) -> dict[str, Any]:
    record = {k: (v.strip() if isinstance(v, str) else v) for k, v in raw.items() if k}
    for name in JSON_FIELDS:
        value = record.get(name)
        if isinstance(value, str):
            if not value:
                record[name] = None
                continue
            try:
                record[name] = json.loads(value)
            except json.JSONDecodeError as exc:
                problems.append(
                    Problem.of(
                        row,
                        name,
                        value,
                        N_("not valid JSON (line %(line)s, column %(column)s)"),
                        line=exc.lineno,
                        column=exc.colno,
                    )
                )
                record[name] = None
    return record


def read_file(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(row, raw record) pairs from a YAML, CSV or XLSX catalogue file."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CatalogueError(
                [
                    Problem.of(
                        0,
                        None,
                        None,
                        N_("cannot read %(file)s: %(reason)s"),
                        file=path.name,
                        reason=exc,
                    )
                ]
            ) from None
        items = data.get("instruments") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise CatalogueError([Problem.of(0, None, None, N_("expected a list of instruments"))])
        return [(i, dict(item)) for i, item in enumerate(items, start=1)]
    try:
        with open_table(path) as table:
            headers = [str(h or "").strip() for h in table.headers]
            found = []
            for line, cells in table.rows:
                if cells is None:
                    continue
                values = ["" if c is None else c for c in cells]
                found.append((line, dict(zip(headers, values, strict=False))))
            return found
    except ReadError as exc:
        raise CatalogueError([Problem(0, None, None, str(exc))]) from None


def import_file(
    session: Session, path: Path, *, username: str | None, dry_run: bool = False
) -> dict[str, Any]:
    """Validate every instrument of ``path``; write them all, or nothing when any is wrong."""
    problems: list[Problem] = []
    records = []
    codes: dict[str, int] = {}
    for row, raw in read_file(path):
        record, found = normalise(_unflatten(raw, row, problems), row)
        problems.extend(found)
        if record["code"] in codes:
            problems.append(
                Problem.of(
                    row,
                    "code",
                    record["code"],
                    N_("repeated (first on row %(first)s)"),
                    first=codes[record["code"]],
                )
            )
        codes.setdefault(record["code"], row)
        records.append(record)
    if problems:
        raise CatalogueError(problems)
    if dry_run:
        return {"read": len(records), "created": 0, "updated": 0, "unchanged": 0, "dry_run": True}
    counts = save(session, records, username=username, source=f"import {path.name}")
    return {"read": len(records), **counts, "dry_run": False}
