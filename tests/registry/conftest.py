"""Helpers for registry tests: files written by code, exactly as offices would send them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

HEADER = [
    "RUT",
    "Razón Social",
    "N° Socios",
    "Socios Mujeres",
    "Socios Hombres",
    "Región",
    "Comuna",
    "Fecha de Constitución",
    "Fecha de Disolución",
    "Estado",
    "Clase",
    "Ventas",
    "Correo",
    "Representante",
    "Notas",
]


class Files:
    """Writes registry files into a test's temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def csv(
        self,
        rows: list[list[str]],
        *,
        name: str = "registro.csv",
        header: list[str] | None = None,
        delimiter: str = ";",
        encoding: str = "utf-8",
    ) -> Path:
        path = self.root / name
        with path.open("w", encoding=encoding, newline="") as f:
            writer = csv.writer(f, delimiter=delimiter)
            writer.writerow(header or HEADER)
            writer.writerows(rows)
        return path


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return Files(tmp_path)


def row(
    rut: str = "76.086.428-5",
    name: str = "Cooperativa Agrícola La Unión Ltda.",
    members: str = "1.234",
    women: str = "600",
    men: str = "634",
    region: str = "Ñuble",
    comuna: str = "Chillán",
    constituted: str = "05-03-1999",
    dissolved: str = "",
    status: str = "Vigente",
    legal_class: str = "Agrícola",
    sales: str = "1.234.567,5",
    email: str = "contacto@launion.cl",
    representative: str = "Ana Soto",
    notes: str = "",
) -> list[str]:
    """One row of :data:`HEADER`, valid unless told otherwise."""
    return [
        rut,
        name,
        members,
        women,
        men,
        region,
        comuna,
        constituted,
        dissolved,
        status,
        legal_class,
        sales,
        email,
        representative,
        notes,
    ]
