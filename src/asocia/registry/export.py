"""Export of the registry to CSV, XLSX or JSON, streamed.

A *public* export (``public=True``, and every export made for an anonymous visitor) leaves out
personal data: the contacts table, and the extra attributes of imported files (unknown columns
may hold names or phone numbers). Records merged into another are left out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from asocia.auth.policy import Permission, Principal, can, cooperative_scope
from asocia.db.models import Cooperative, CooperativeContact
from asocia.registry.columns import CONTACT_FIELDS
from asocia.spreadsheets import safe_row, xlsx_row

FORMATS = ("csv", "xlsx", "json")

COOPS = cast(Table, Cooperative.__table__)
CONTACTS = cast(Table, CooperativeContact.__table__)

#: Columns of every export, in order (no personal data).
PUBLIC_COLUMNS = (
    "id", "country", "tax_id", "registry_number", "legal_name", "trade_name",
    "organisation_type", "legal_class", "ilo_type", "isic_section", "rubro", "sub_rubro",
    "region_code", "province_code", "comuna_code", "rural_class", "admin_division", "city",
    "legal_status", "activity", "constituted_on", "in_force_on", "dissolved_on", "cancelled_on",
    "members_total", "members_women", "members_men", "members_legal_persons", "members_founding",
    "employees", "worker_members", "sales_amount", "sales_currency", "sales_year", "size_band",
    "source_file", "source_row", "import_run_id", "last_verified_on",
)  # fmt: skip


def columns(public: bool) -> list[str]:
    """The exported columns: public ones, plus contacts and extra attributes when not public."""
    return list(PUBLIC_COLUMNS) if public else [*PUBLIC_COLUMNS, "extra", *CONTACT_FIELDS]


def rows(
    session: Session, principal: Principal, *, public: bool, batch: int = 5_000
) -> Iterator[dict[str, Any]]:
    """The exported records as dicts, streamed in id order."""
    public = public or not can(principal, Permission.VIEW_PERSONAL_DATA)
    selected = [COOPS.c[c] for c in PUBLIC_COLUMNS]
    query = select(*selected)
    if not public:
        query = select(*selected, COOPS.c.extra, *(CONTACTS.c[c] for c in CONTACT_FIELDS))
        query = query.outerjoin(CONTACTS, CONTACTS.c.cooperative_id == COOPS.c.id)
    query = cooperative_scope(principal, query.where(COOPS.c.merged_into_id.is_(None)))
    last_id = 0
    while True:
        chunk = (
            session.execute(query.where(COOPS.c.id > last_id).order_by(COOPS.c.id).limit(batch))
            .mappings()
            .all()
        )
        if not chunk:
            return
        for row in chunk:
            yield dict(row)
        last_id = chunk[-1]["id"]


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def export(session: Session, principal: Principal, out: Path, *, fmt: str, public: bool) -> int:
    """Write the registry to ``out`` in ``fmt`` (csv, xlsx, json); returns the rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    public = public or not can(principal, Permission.VIEW_PERSONAL_DATA)
    names = columns(public)
    records = rows(session, principal, public=public)
    if fmt == "xlsx":
        return _xlsx(out, names, records)
    with out.open("w", encoding="utf-8", newline="") as f:
        return _csv(f, names, records) if fmt == "csv" else _json(f, records)


def _csv(f: IO[str], names: list[str], records: Iterator[dict[str, Any]]) -> int:
    writer = csv.writer(f)
    writer.writerow(safe_row(names))
    count = 0
    for record in records:
        writer.writerow(safe_row("" if record.get(n) is None else _plain(record[n]) for n in names))
        count += 1
    return count


def _json(f: IO[str], records: Iterator[dict[str, Any]]) -> int:
    f.write("[")
    count = 0
    for record in records:
        f.write(",\n" if count else "\n")
        f.write(json.dumps(record, ensure_ascii=False, default=str))
        count += 1
    f.write("\n]\n")
    return count


def _xlsx(out: Path, names: list[str], records: Iterator[dict[str, Any]]) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("cooperatives")
    sheet.append(xlsx_row(sheet, names))
    count = 0
    for record in records:
        sheet.append(
            xlsx_row(
                sheet,
                [
                    json.dumps(record[n], ensure_ascii=False)
                    if isinstance(record.get(n), dict)
                    else record.get(n)
                    for n in names
                ],
            )
        )
        count += 1
    workbook.save(out)
    return count
