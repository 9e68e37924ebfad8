"""The synthetic registry written as offices publish it, with a known share of broken rows.

:func:`write_files` writes ``registro_cooperativas.csv`` (cp1252, semicolons, Chilean numbers
``1.234`` and dates ``dd-mm-yyyy``/``dd/mm/yyyy``, RUTs with dots) and/or
``registro_cooperativas.xlsx``, plus ``manifest.json`` saying how many rows were broken on
purpose and how an import should classify them (rejected or flagged), so that an import shows a
real validation report and tests can check it.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from asocia.registry.synthetic import generate
from asocia.registry.taxid import format_rut
from asocia.registry.vocabulary import vocabulary

#: Header of the files, as the DAES registry and regional offices write it.
HEADERS = [
    "N° Rol", "RUT", "Razón Social", "Sigla", "Tipo", "Clase", "Rubro", "Región", "Comuna",
    "Ciudad", "Dirección", "N° Socios", "Socios Mujeres", "Socios Hombres",
    "Socios Personas Jurídicas", "Socios Fundadores", "Trabajadores", "Socios Trabajadores",
    "Ventas Anuales (CLP)", "Año Ventas", "Fecha de Constitución", "Fecha de Vigencia",
    "Fecha de Disolución", "Fecha de Cancelación", "Estado", "Estado Actividad",
    "Representante Legal", "Correo Electrónico", "Teléfono", "Observaciones",
]  # fmt: skip

#: Kinds of deliberately broken rows and what an import must do with each.
#: A wrong tax id (bad check digit, or another row's) on a row with a registry number is kept
#: under that number, flagged, and listed in the correction queue.
BROKEN_KINDS: dict[str, str] = {
    "bad_check_digit": "flagged",
    "missing_name": "rejected",
    "duplicate_rut": "flagged",
    "misspelled_comuna": "flagged",
    "members_by_sex": "flagged",
    "future_date": "flagged",
    "dissolution_before_constitution": "flagged",
    "unreadable_number": "flagged",
}
CSV_NAME = "registro_cooperativas.csv"
XLSX_NAME = "registro_cooperativas.xlsx"
MANIFEST_NAME = "manifest.json"


def _cl_int(value: int | None) -> str:
    return "" if value is None else f"{value:,}".replace(",", ".")


def _cl_date(value: date | None, slash: bool) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y" if slash else "%d-%m-%Y")


def _rows(
    n: int, seed: int, broken_share: float, uf_clp: float, counts: Counter[str]
) -> Iterator[list[Any]]:
    """Rows as native values (ints, dates); the writers format them."""
    rng = random.Random(seed + 7919)
    kinds = list(BROKEN_KINDS)
    classes = vocabulary("legal_classes")
    statuses = vocabulary("legal_statuses")
    last_good_rut: str | None = None
    for i, r in enumerate(generate(n, seed, uf_clp=uf_clp)):
        rut = format_rut(r["tax_id"])
        row: dict[str, Any] = {
            "N° Rol": r["registry_number"],
            "RUT": rut,
            "Razón Social": r["legal_name"],
            "Sigla": r["trade_name"] or "",
            "Tipo": "Cooperativa",
            "Clase": classes.label(r["legal_class"]),
            "Rubro": r["rubro"],
            "Región": str(r["region_code"]),
            "Comuna": r["comuna_name"] if i % 3 else str(r["comuna_code"]),
            "Ciudad": r["city"],
            "Dirección": r["address"],
            "N° Socios": r["members_total"],
            "Socios Mujeres": r["members_women"],
            "Socios Hombres": r["members_men"],
            "Socios Personas Jurídicas": r["members_legal_persons"],
            "Socios Fundadores": r["members_founding"],
            "Trabajadores": r["employees"],
            "Socios Trabajadores": r["worker_members"],
            "Ventas Anuales (CLP)": r["sales_amount"],
            "Año Ventas": r["sales_year"],
            "Fecha de Constitución": r["constituted_on"],
            "Fecha de Vigencia": r["in_force_on"],
            "Fecha de Disolución": r["dissolved_on"],
            "Fecha de Cancelación": r["cancelled_on"],
            "Estado": statuses.label(r["legal_status"]),
            "Estado Actividad": "Activa" if r["activity"] == "activa" else "Inactiva",
            "Representante Legal": r["representative"],
            "Correo Electrónico": r["email"],
            "Teléfono": r["phone"],
            "Observaciones": "",
        }
        if rng.random() < broken_share:
            kind = kinds[sum(counts.values()) % len(kinds)]
            if kind == "duplicate_rut" and last_good_rut is None:
                kind = "bad_check_digit"
            _break(row, kind, last_good_rut, r)
            counts[kind] += 1
        else:
            last_good_rut = rut
        yield [row[h] for h in HEADERS]


def _break(row: dict[str, Any], kind: str, last_good_rut: str | None, r: dict[str, Any]) -> None:
    row["Observaciones"] = f"fila con error: {kind}"
    if kind == "bad_check_digit":
        body, check = row["RUT"].rsplit("-", 1)
        digits = "0123456789K"
        row["RUT"] = f"{body}-{digits[(digits.index(check) + 1) % 11]}"
    elif kind == "missing_name":
        row["Razón Social"] = ""
    elif kind == "duplicate_rut":
        row["RUT"] = last_good_rut
    elif kind == "misspelled_comuna":
        row["Comuna"] = f"{r['comuna_name']}xq"
    elif kind == "members_by_sex":
        row["Socios Mujeres"] = r["members_total"] + 5
        row["Socios Hombres"] = r["members_total"]
    elif kind == "future_date":
        row["Fecha de Constitución"] = date(2099, 1, 1)
    elif kind == "dissolution_before_constitution":
        constituted: date = r["constituted_on"]
        row["Fecha de Disolución"] = date(constituted.year - 1, 1, 1)
        row["Fecha de Cancelación"] = None
    elif kind == "unreadable_number":
        row["N° Socios"] = "doce"


def _csv_cells(values: list[Any], index: int) -> list[str]:
    out = []
    slash = index % 2 == 1
    for value in values:
        if value is None:
            out.append("")
        elif isinstance(value, date):
            out.append(_cl_date(value, slash))
        elif isinstance(value, int):
            out.append(_cl_int(value))
        else:
            out.append(str(value))
    return out


def write_csv(path: Path, rows: Iterable[list[Any]]) -> None:
    """Write rows as an office would: cp1252, ``;``, Chilean numbers and dates."""
    with path.open("w", encoding="cp1252", errors="replace", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        for index, values in enumerate(rows):
            writer.writerow(_csv_cells(values, index))


def write_xlsx(path: Path, rows: Iterable[list[Any]]) -> None:
    """Write rows to one sheet ``Registro`` with native numbers and dates."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Registro")
    sheet.append(HEADERS)
    for values in rows:
        sheet.append(values)
    workbook.save(path)


def write_files(
    n: int,
    out_dir: Path,
    seed: int = 0,
    *,
    formats: Iterable[str] = ("csv", "xlsx"),
    broken_share: float = 0.02,
    uf_clp: float = 39_000.0,
) -> dict[str, Any]:
    """Write the synthetic registry of ``n`` co-ops to ``out_dir``; returns the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"cooperatives": n, "seed": seed, "files": []}
    counts: Counter[str] = Counter()
    for fmt in formats:
        counts = Counter()
        rows = _rows(n, seed, broken_share, uf_clp, counts)
        if fmt == "csv":
            write_csv(out_dir / CSV_NAME, rows)
            manifest["files"].append(CSV_NAME)
        elif fmt == "xlsx":
            write_xlsx(out_dir / XLSX_NAME, rows)
            manifest["files"].append(XLSX_NAME)
        else:
            raise ValueError(f"unknown format {fmt!r} (csv or xlsx)")
    manifest["broken"] = dict(sorted(counts.items()))
    manifest["expected"] = {
        "read": n,
        "rejected": sum(c for k, c in counts.items() if BROKEN_KINDS[k] == "rejected"),
        "flagged": sum(c for k, c in counts.items() if BROKEN_KINDS[k] == "flagged"),
    }
    manifest["expected"]["created"] = n - manifest["expected"]["rejected"]
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), "utf-8")
    return manifest
