"""Indicator definitions, read from ``indicators.yaml`` inside the package.

The file is data that statisticians may change (wording, guidelines, which comuna classes count
as rural); this module validates it and turns it into typed objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from asocia.stats.dimensions import DIMENSIONS, MEASURES, Population

CONCENTRATION_KINDS = ("gini", "hhi", "top_share")


class DefinitionError(ValueError):
    """The indicator file is malformed; the message names the indicator."""


@dataclass(frozen=True)
class Term:
    """A sum of measures over cooperatives matching ``where`` (dimension → allowed values)."""

    measures: tuple[str, ...]
    where: tuple[tuple[str, frozenset[Any]], ...] = ()

    def matches(self, key: Mapping[str, Any]) -> bool:
        """Whether a group with dimension values ``key`` is inside this term."""
        return all(key[dim] in values for dim, values in self.where)

    @property
    def dimensions(self) -> tuple[str, ...]:
        return tuple(dim for dim, _ in self.where)


@dataclass(frozen=True)
class Indicator:
    """One indicator: labels and definition in Spanish and English, unit, guideline, formula."""

    id: str
    label: Mapping[str, str]
    definition: Mapping[str, str]
    unit: str
    follows: Mapping[str, str]
    numerator: Term | None = None
    denominator: Term | None = None
    concentration: str | None = None
    top: float | None = None

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Dimensions the formula needs to group by."""
        dims: list[str] = []
        for term in (self.numerator, self.denominator):
            if term is not None:
                dims.extend(d for d in term.dimensions if d not in dims)
        return tuple(dims)

    def text(self, lang: str) -> dict[str, str]:
        """Label, definition and guideline in ``lang`` (Spanish when missing)."""
        return {
            "label": self.label.get(lang, self.label["es"]),
            "definition": self.definition.get(lang, self.definition["es"]),
            "follows": self.follows.get(lang, self.follows["es"]),
        }


@dataclass(frozen=True)
class Definitions:
    """Everything ``indicators.yaml`` defines."""

    indicators: Mapping[str, Indicator]
    populations: Mapping[str, Population]
    population_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def indicator(self, key: str) -> Indicator:
        try:
            return self.indicators[key]
        except KeyError:
            raise KeyError(
                f"unknown indicator {key!r}; known: {', '.join(self.indicators)}"
            ) from None

    def population(self, key: str) -> Population:
        try:
            return self.populations[key]
        except KeyError:
            raise KeyError(
                f"unknown population {key!r}; known: {', '.join(self.populations)}"
            ) from None


def _term(raw: Any, where_id: str) -> Term:
    if not isinstance(raw, Mapping) or "measure" not in raw:
        raise DefinitionError(f"indicator {where_id}: a term needs a 'measure'")
    measures = raw["measure"]
    measures = (measures,) if isinstance(measures, str) else tuple(measures)
    for m in measures:
        if m not in MEASURES:
            raise DefinitionError(f"indicator {where_id}: unknown measure {m!r}")
    where: list[tuple[str, frozenset[Any]]] = []
    for dim, values in (raw.get("where") or {}).items():
        if dim not in DIMENSIONS:
            raise DefinitionError(f"indicator {where_id}: unknown dimension {dim!r}")
        known = DIMENSIONS[dim].values
        for value in values:
            # YAML reads 20_49 as the number 2049: values must be quoted strings.
            if known and value not in known:
                raise DefinitionError(
                    f"indicator {where_id}: {dim} has no value {value!r} "
                    f"(known: {', '.join(known)}; quote values in YAML)"
                )
        where.append((dim, frozenset(values)))
    return Term(measures, tuple(where))


def parse_definitions(data: Mapping[str, Any]) -> Definitions:
    """Validate the parsed YAML ``data`` and build :class:`Definitions`."""
    populations: dict[str, Population] = {}
    labels: dict[str, Mapping[str, str]] = {}
    for key, raw in (data.get("populations") or {}).items():
        status = raw.get("legal_status")
        activity = raw.get("activity")
        populations[key] = Population(
            key,
            legal_status=tuple(status) if status is not None else None,
            activity=tuple(activity) if activity is not None else None,
        )
        labels[key] = raw.get("label") or {"es": key, "en": key}
    if "current" not in populations or "registered" not in populations:
        raise DefinitionError("populations 'current' and 'registered' must be defined")
    indicators: dict[str, Indicator] = {}
    for raw in data.get("indicators") or []:
        ident = raw.get("id")
        if not ident or ident in indicators:
            raise DefinitionError(f"indicator id missing or repeated: {ident!r}")
        for required in ("label", "definition", "unit", "follows"):
            if required not in raw:
                raise DefinitionError(f"indicator {ident}: missing {required!r}")
        for required_lang in ("es", "en"):
            if required_lang not in raw["label"] or required_lang not in raw["definition"]:
                raise DefinitionError(f"indicator {ident}: label and definition need es and en")
        numerator = denominator = None
        concentration = raw.get("concentration")
        if concentration is not None:
            if concentration not in CONCENTRATION_KINDS:
                raise DefinitionError(f"indicator {ident}: unknown concentration {concentration}")
            if concentration == "top_share" and not 0 < float(raw.get("top", 0)) <= 1:
                raise DefinitionError(f"indicator {ident}: top_share needs 0 < top <= 1")
        elif "measure" in raw:
            numerator = _term(raw, ident)
        elif "numerator" in raw and "denominator" in raw:
            numerator = _term(raw["numerator"], ident)
            denominator = _term(raw["denominator"], ident)
        else:
            raise DefinitionError(f"indicator {ident}: needs measure, a ratio or concentration")
        indicators[ident] = Indicator(
            id=ident,
            label=raw["label"],
            definition=raw["definition"],
            unit=raw["unit"],
            follows=raw["follows"],
            numerator=numerator,
            denominator=denominator,
            concentration=concentration,
            top=float(raw["top"]) if "top" in raw else None,
        )
    return Definitions(indicators, populations, labels)


@cache
def load_definitions() -> Definitions:
    """The indicator definitions shipped with asocia."""
    text = resources.files("asocia.stats").joinpath("indicators.yaml").read_text("utf-8")
    return parse_definitions(yaml.safe_load(text))
