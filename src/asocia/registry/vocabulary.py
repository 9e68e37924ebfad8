"""Codes, labels and usual spellings of the registry's categories (from ``data/vocabulary.yaml``).

Every category (legal class, ILO type, legal status, activity, organisation type, size band,
rural class) has stable ASCII codes stored in the database, a Spanish and an English label,
and the spellings registry files use for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from asocia.registry.names import fold

CATEGORIES = (
    "ilo_types",
    "legal_classes",
    "organisation_types",
    "legal_statuses",
    "activities",
    "size_bands",
    "rural_classes",
)


@dataclass(frozen=True)
class Term:
    """One code of a category with its labels."""

    code: str
    es: str
    en: str

    def label(self, lang: str) -> str:
        """The label in ``lang`` (``es`` or ``en``)."""
        return self.es if lang == "es" else self.en


class Vocabulary:
    """One category: its terms in order and a lookup from usual spellings to codes."""

    def __init__(self, name: str, entries: dict[str, dict[str, Any]]) -> None:
        self.name = name
        self.terms: dict[str, Term] = {}
        self._spellings: dict[str, str] = {}
        for code, entry in entries.items():
            self.terms[code] = Term(code, entry["es"], entry["en"])
            spellings = entry.get("spellings", [])
            for spelling in [code, code.replace("_", " "), entry["es"], entry["en"], *spellings]:
                key = fold(str(spelling))
                existing = self._spellings.setdefault(key, code)
                if existing != code:
                    raise ValueError(f"{name}: spelling {spelling!r} means {existing} and {code}")

    @property
    def codes(self) -> list[str]:
        """The codes in their defined order."""
        return list(self.terms)

    def lookup(self, value: str) -> str | None:
        """The code a spelling means, or None when it is not a known spelling."""
        key = fold(value)
        code = self._spellings.get(key)
        if code is None and key.startswith("cooperativa "):
            code = self._spellings.get(key.removeprefix("cooperativa ").removeprefix("de "))
        return code

    def label(self, code: str | None, lang: str = "es") -> str:
        """The label of ``code`` in ``lang``; the code itself when unknown, '' for None."""
        if code is None:
            return ""
        term = self.terms.get(code)
        return term.label(lang) if term else code


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("asocia.registry").joinpath("data/vocabulary.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def vocabulary(category: str) -> Vocabulary:
    """The vocabulary of ``category`` (one of :data:`CATEGORIES`)."""
    if category not in CATEGORIES:
        raise KeyError(category)
    return Vocabulary(category, _raw()[category])


def default_ilo_type(legal_class: str | None) -> str | None:
    """The ILO type a co-op of ``legal_class`` has unless it overrides it (from the data file)."""
    if legal_class is None:
        return None
    entry = _raw()["legal_classes"].get(legal_class, {})
    value = entry.get("ilo_type")
    return str(value) if value else None


def default_isic_section(legal_class: str | None) -> str | None:
    """The usual ISIC Rev.4 section of ``legal_class``, when the data file gives one."""
    if legal_class is None:
        return None
    value = _raw()["legal_classes"].get(legal_class, {}).get("isic")
    return str(value) if value else None


@cache
def size_band_limits() -> list[tuple[str, float | None]]:
    """``(band, max_uf)`` in increasing order; the last band has no upper limit."""
    return [
        (code, float(entry["max_uf"]) if "max_uf" in entry else None)
        for code, entry in _raw()["size_bands"].items()
    ]


def size_band(sales_clp: float | None, uf_clp: float) -> str | None:
    """Firm size by annual sales in Chilean pesos (Ley 20.416), with the UF worth ``uf_clp``."""
    if sales_clp is None:
        return None
    in_uf = sales_clp / uf_clp
    for code, max_uf in size_band_limits():
        if max_uf is None or in_uf <= max_uf:
            return code
    raise AssertionError("the last size band has no limit")
