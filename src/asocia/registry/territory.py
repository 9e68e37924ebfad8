"""Chilean territory: regions, provinces and comunas with official codes and PNDR 2020 class.

*Comuna* is Chile's municipality, the unit of the registry's territory; *CUT* its official code.
The data is ``data/chile_territory.csv`` (provenance in ``chile_territory.provenance.txt``).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from asocia.registry.names import fold


@dataclass(frozen=True)
class Comuna:
    """A comuna with its province, region and rural class."""

    code: int
    name: str
    province_code: int
    province_name: str
    region_code: int
    region_name: str
    rural_class: str  # rural, mixta or urbana (PNDR 2020)


@dataclass(frozen=True)
class Region:
    """A region of Chile."""

    code: int
    name: str


class Territory:
    """Lookups over all comunas and regions, by code or by name."""

    def __init__(self, comunas: list[Comuna]) -> None:
        self.comunas: dict[int, Comuna] = {c.code: c for c in comunas}
        self.regions: dict[int, Region] = {}
        self._comuna_names: dict[str, Comuna] = {}
        self._region_names: dict[str, Region] = {}
        for c in comunas:
            self.regions.setdefault(c.region_code, Region(c.region_code, c.region_name))
            self._comuna_names[fold(c.name)] = c
        for r in self.regions.values():
            folded = fold(r.name)
            self._region_names[folded] = r
            short = re.sub(r"^region (de |del )?(la )?", "", folded)
            short = re.sub(r"^(metropolitana de santiago)$", "metropolitana", short)
            self._region_names[short] = r
        for alias, code in _REGION_ALIASES.items():
            self._region_names[alias] = self.regions[code]

    def comuna(self, value: str | int) -> Comuna | None:
        """The comuna with this official code (4 or 5 digits) or name; None when unknown."""
        if isinstance(value, int):
            return self.comunas.get(value)
        text = value.strip()
        digits = text.replace(".", "")  # "13.101": a code written with a thousands dot
        if digits.isdigit():
            return self.comunas.get(int(digits))
        return self._comuna_names.get(fold(text))

    def suggest_comuna(self, value: str) -> str | None:
        """The name of the comuna closest to an unknown ``value`` ("did you mean"), if any."""
        close = difflib.get_close_matches(fold(value), list(self._comuna_names), n=1, cutoff=0.75)
        return self._comuna_names[close[0]].name if close else None

    def region(self, value: str | int) -> Region | None:
        """The region with this code (1–16), roman numeral or name; None when unknown."""
        if isinstance(value, int):
            return self.regions.get(value)
        text = fold(value)
        if text.isdigit():
            return self.regions.get(int(text))
        roman = _ROMAN.get(text.removeprefix("region ").strip())
        if roman is not None:
            return self.regions.get(roman)
        return self._region_names.get(text)

    def comunas_of_region(self, region_code: int) -> list[Comuna]:
        """The comunas of a region, by name."""
        return sorted(
            (c for c in self.comunas.values() if c.region_code == region_code),
            key=lambda c: fold(c.name),
        )


_REGION_ALIASES = {
    "metropolitana de santiago": 13, "rm": 13, "santiago": 13, "o higgins": 6, "ohiggins": 6,
    "libertador bernardo o higgins": 6, "aysen": 11, "aisen": 11, "magallanes": 12,
    "bio bio": 8, "araucania": 9, "nuble": 16,
}  # fmt: skip

_ROMAN = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
    "x": 10, "xi": 11, "xii": 12, "rm": 13, "xiii": 13, "xiv": 14, "xv": 15, "xvi": 16,
}  # fmt: skip


@cache
def territory() -> Territory:
    """Chile's territory, loaded once from the package data."""
    text = (
        resources.files("asocia.registry").joinpath("data/chile_territory.csv").read_text("utf-8")
    )
    comunas = [
        Comuna(
            code=int(row["comuna_code"]),
            name=row["comuna_name"],
            province_code=int(row["province_code"]),
            province_name=row["province_name"],
            region_code=int(row["region_code"]),
            region_name=row["region_name"],
            rural_class=row["pndr_2020_class"],
        )
        for row in csv.DictReader(io.StringIO(text))
    ]
    return Territory(comunas)
