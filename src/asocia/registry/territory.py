"""Chilean territory: regions, provinces and comunas with official codes and PNDR 2020 class.

*Comuna* is Chile's municipality, the unit of the registry's territory; *CUT* its official code.
The data is ``data/chile_territory.csv`` (provenance in ``chile_territory.provenance.txt``).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from asocia.registry.names import fold

_PARENTHESIS = re.compile(r"\s*\(.*?\)\s*|\s*\(.*$")
_REGION_WORDS = frozenset(("region", "de", "del", "la", "los", "las", "y", "el"))


def comuna_key(value: str) -> str:
    """A comuna name normalised: folded, a parenthesis (``(EX - NAVARINO)``) dropped."""
    return fold(_PARENTHESIS.sub(" ", value))


def region_key(value: str) -> str:
    """A region name normalised: :func:`comuna_key` without "región", "de", "del", "la", …"""
    return " ".join(w for w in comuna_key(value).split() if w not in _REGION_WORDS)


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


#: How many comuna names, by shared letter pairs, difflib compares an unknown comuna with.
_SHORTLIST = 40


def _pairs(text: str) -> set[str]:
    """The letter pairs of ``text`` (its bigrams), for a quick likeness."""
    return {text[i : i + 2] for i in range(len(text) - 1)}


class Territory:
    """Lookups over all comunas and regions, by code or by name."""

    def __init__(self, comunas: list[Comuna]) -> None:
        self.comunas: dict[int, Comuna] = {c.code: c for c in comunas}
        self.regions: dict[int, Region] = {}
        self._comuna_names: dict[str, Comuna] = {}
        self._pairs: list[tuple[str, set[str]]] | None = None
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
        self._region_keys: dict[str, Region] = {}
        self._comuna_keys: dict[str, Comuna] = {}
        for r in self.regions.values():
            self._region_keys[region_key(r.name)] = r
        for name, r in list(self._region_names.items()):
            self._region_keys.setdefault(region_key(name), r)
        for c in comunas:
            self._comuna_keys[comuna_key(c.name)] = c
        regions, comuna_aliases = _aliases()
        for code, spellings in regions.items():
            for spelling in spellings:
                key = region_key(spelling)
                found = self._region_keys.setdefault(key, self.regions[code])
                if found.code != code:
                    raise ValueError(f"territory_aliases.yaml: {spelling!r} is two regions")
        for code, spellings in comuna_aliases.items():
            for spelling in spellings:
                key = comuna_key(spelling)
                found_comuna = self._comuna_keys.setdefault(key, self.comunas[code])
                if found_comuna.code != code:
                    raise ValueError(f"territory_aliases.yaml: {spelling!r} is two comunas")

    def comuna(self, value: str | int) -> Comuna | None:
        """The comuna with this official code (4 or 5 digits) or name; None when unknown."""
        if isinstance(value, int):
            return self.comunas.get(value)
        text = value.strip()
        digits = text.replace(".", "")  # "13.101": a code written with a thousands dot
        if digits.isdigit():
            return self.comunas.get(int(digits))
        found = self._comuna_names.get(fold(text))
        if found is None:
            found = self._comuna_keys.get(comuna_key(text))
        return found

    def suggest_comuna(self, value: str) -> str | None:
        """The name of the comuna closest to an unknown ``value`` ("did you mean"), if any.

        difflib's ratio decides, but only among the few names sharing the most letter pairs
        with ``value``: a million-row file may hold thousands of distinct misspellings, and
        comparing each with every comuna in pure Python cost seconds.
        """
        folded = fold(value)
        pairs = _pairs(folded)
        if not pairs:
            return None
        if self._pairs is None:
            self._pairs = [(name, _pairs(name)) for name in self._comuna_names]
        scored = sorted(
            (
                (len(pairs & theirs) / (len(pairs) + len(theirs)), name)
                for name, theirs in self._pairs
            ),
            reverse=True,
        )
        shortlist = [name for score, name in scored[:_SHORTLIST] if score > 0]
        import difflib  # only for a name not found

        close = difflib.get_close_matches(folded, shortlist, n=1, cutoff=0.75)
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
        found = self._region_names.get(text)
        if found is None:
            found = self._region_keys.get(region_key(value))
        return found

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


def _aliases() -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    text = (
        resources.files("asocia.registry")
        .joinpath("data/territory_aliases.yaml")
        .read_text("utf-8")
    )
    import yaml

    data = yaml.safe_load(text) or {}
    regions = {int(k): [str(s) for s in v] for k, v in (data.get("regions") or {}).items()}
    comunas = {int(k): [str(s) for s in v] for k, v in (data.get("comunas") or {}).items()}
    return regions, comunas


@cache
def territory() -> Territory:
    """Chile's territory, loaded once from the package data."""
    import csv

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
