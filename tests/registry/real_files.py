"""Files shaped like the registry files Chile's DAES and Co-operatives UK really publish.

Written by code (never downloaded): the same headers, spellings and quirks, with made-up co-ops.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from asocia.registry.rubros import daes_rubros
from asocia.registry.taxid import rut_check_digit

#: The DAES panel's own headers, then some of the joined columns.
DAES_HEADERS = [
    "N° Registro", "RUT", "Razón Social", "Sigla", "Rubro", "Subrubro", "Región", "Comuna",
    "Estado", "Situación", "Total Socios", "Socios Hombres", "Socios Mujeres",
    "Socios Constituyentes", "Imp. Económica", "Fecha Publicación", "Fecha Actualización",
    "Fecha Celebración", "Dirección", "Email", "Teléfono", "Sitio Web", "Exclusivo Mujeres",
    "sii_tramo_ventas", "sii_trabajadores", "sii_cod_actividad", "reg19862_monto_total",
]  # fmt: skip

#: (region as DAES writes it, comuna as DAES writes it, CUT of the comuna, region code).
DAES_PLACES = [
    ("REGIÓN METROPOLITANA", "SANTIAGO", 13101, 13),
    ("REGIÓN DEL BÍO-BÍO", "CONCEPCION", 8101, 8),
    ("REGIÓN DE MAGALLANES Y LA ANTARTICA CHILENA", "CABO DE HORNOS (EX - NAVARINO)", 12201, 12),
    ("REGIÓN DE VALPARAISO", "LLAY-LLAY", 5703, 5),
    ("REGIÓN DEL LIBERTADOR GENERAL BERNARDO O HIGGINS", "MARCHIGUE", 6204, 6),
    ("REGIÓN DE AYSEN DEL GENERAL CARLOS IBAÑEZ DEL CAMPO", "AYSEN", 11201, 11),
    ("REGIÓN DE COQUIMBO", "PAIHUANO", 4105, 4),
    ("REGIÓN DE LA ARAUCANIA", "TEMUCO", 9101, 9),
    ("REGIÓN DE LOS LAGOS", "PUERTO MONTT", 10101, 10),
    ("REGIÓN DE ÑUBLE", "CHILLAN", 16101, 16),
    ("REGIÓN DEL MAULE", "TALCA", 7101, 7),
    ("REGIÓN DE LOS RIOS", "VALDIVIA", 14101, 14),
]


def rut(body: int, *, dots: bool = True) -> str:
    """A valid RUT for ``body`` as offices write it (``12.345.678-5``)."""
    text = f"{body:,}".replace(",", ".") if dots else str(body)
    return f"{text}-{rut_check_digit(body)}"


@dataclass
class DaesPanel:
    """What the panel holds, to compare an import with."""

    rows: int = 0
    by_region: dict[int, int] = field(default_factory=dict)
    invalid_tax_ids: list[str] = field(default_factory=list)  # values as written
    repeated_tax_ids: int = 0
    shifted_lines: list[int] = field(default_factory=list)
    several_emails: dict[str, str] = field(default_factory=dict)  # registry number → cell
    pairs: list[tuple[str, str]] = field(default_factory=list)


def daes_pairs() -> list[tuple[str, str]]:
    """Every (rubro, subrubro) the shipped mapping knows, as DAES writes them."""
    from importlib import resources

    import yaml

    text = resources.files("asocia.registry").joinpath("data/daes_rubros.yaml").read_text("utf-8")
    pairs = yaml.safe_load(text)["pairs"]
    assert daes_rubros()  # the shipped file loads
    return [(p["rubro"], "" if p["subrubro"] == "*" else p["subrubro"]) for p in pairs]


def daes_panel(path: Path, n: int = 240, *, banner: bool = False) -> DaesPanel:
    """A DAES public panel (XLSX, one sheet) of ``n`` co-ops in force, with its quirks."""
    from openpyxl import Workbook

    panel = DaesPanel()
    pairs = daes_pairs()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Cooperativas Vigentes"
    if banner:
        sheet.append(["MINISTERIO DE ECONOMÍA, FOMENTO Y TURISMO — DIVISIÓN DE ASOCIATIVIDAD"])
        sheet.merge_cells("A1:H1")
        sheet.append([])
        sheet.append(["Registro de cooperativas vigentes al 30-06-2025"])
    sheet.append(DAES_HEADERS)
    header_row = sheet.max_row
    first_rut = 0
    for i in range(n):
        region, comuna, _cut, region_code = DAES_PLACES[i % len(DAES_PLACES)]
        rubro, subrubro = pairs[i % len(pairs)]
        body = 65_000_000 + i * 7919
        tax = rut(body)
        if i == 0:
            first_rut = body
        kind = i % 40
        if kind == 7:  # wrong check digit
            digits = "0123456789K"
            tax = tax[:-1] + digits[(digits.index(tax[-1]) + 1) % 11]
            panel.invalid_tax_ids.append(tax)
        elif kind == 13 and i < 40:  # nine digits
            tax = "123.456.789-0"
            panel.invalid_tax_ids.append(tax)
        elif kind == 19 and i < 40:  # a header word in the RUT cell
            tax = "Región"
            panel.invalid_tax_ids.append(tax)
        elif kind == 23:  # the same RUT as the first row, another registry number
            tax = rut(first_rut)
            panel.repeated_tax_ids += 1
        members = 20 + i % 150
        women = members // 3
        total: Any = members
        if kind == 29 and i < 40:  # shifted: a header word in a number column
            total = "Socios mujeres"
            panel.shifted_lines.append(header_row + 1 + i)
        email = f"contacto{i}@coop{i}.cl"
        if i % 17 == 0:
            email = f"gerencia{i}@coop.cl; presidencia{i}@coop.cl"
            panel.several_emails[str(1000 + i)] = email
        sheet.append(
            [
                1000 + i, tax, f"COOPERATIVA {rubro.upper()} NÚMERO {i} LIMITADA",
                f"COOP{i}", rubro, subrubro, region, comuna, "Vigente",
                "Activa" if i % 9 else "Inactiva", total, members - women, women,
                5 + i % 20, "Mediana", datetime(1990 + i % 30, 3, 1),
                datetime(2024, 1 + i % 12, 15), datetime(1990 + i % 30, 1, 10),
                f"CALLE {i} 123", email, f"+56 2 2{i:07d}", f"www.coop{i}.cl",
                "NO" if i % 5 else "SI", 1 + i % 13, i % 60, 11101 + i, 1_000_000 * i,
            ]
        )  # fmt: skip
        panel.rows += 1
        panel.by_region[region_code] = panel.by_region.get(region_code, 0) + 1
        panel.pairs.append((rubro, subrubro))
    workbook.save(path)
    return panel


#: Co-operatives UK open data headers (the usual ones).
UK_HEADERS = [
    "Registered Name", "Trading Name", "Registered Number", "Registrar", "Legal Form",
    "Registered Status", "Incorporation Date", "Dissolved Date", "Registered Street",
    "Registered City", "Registered Postcode", "Region", "Country", "Sector", "Turnover",
    "Members",
]  # fmt: skip


def uk_file(path: Path, n: int = 60) -> dict[str, int]:
    """A Co-operatives UK open-data CSV: d/m/yyyy dates, line breaks inside quoted fields."""
    live = dead = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(UK_HEADERS)
        for i in range(n):
            status = "Dead" if i % 4 == 0 else "Live"
            live += status == "Live"
            dead += status == "Dead"
            writer.writerow(
                [
                    f"The Example {i} Co-operative Society Limited", f"Example {i}",
                    f"IP{30000 + i}R", "FCA", "Registered Society", status,
                    f"{1 + i % 28}/{1 + i % 12}/{1950 + i}",
                    f"{1 + i % 28}/{1 + i % 12}/2020" if status == "Dead" else "",
                    f"{i} High Street\nUnit {i}", "Manchester", f"M{i % 9} 1AA",
                    "North West", "England", "Retail", str(10_000 * i), str(100 + i),
                ]
            )  # fmt: skip
    return {"rows": n, "live": live, "dead": dead}


UK_MAPPING = """\
country: GB
columns:
  Registrar: ignore
  Sector: rubro
values:
  legal_status: {Live: vigente, Dead: disuelta}
  country: {England: GB, Scotland: GB, Wales: GB, Northern Ireland: GB}
  organisation_type: {Registered Society: cooperativa}
"""
