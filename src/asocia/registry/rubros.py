"""DAES (rubro, subrubro) → legal class, ILO type and ISIC section (``data/daes_rubros.yaml``).

In the DAES registry a co-op's class is its *rubro* refined by its *subrubro*
(``Servicios`` / ``Agua Potable`` is a drinking-water co-op). The pairs are data, overridable for
one import by a mapping file's ``rubros:`` list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from asocia.registry.names import fold
from asocia.registry.vocabulary import default_ilo_type, default_isic_section, vocabulary

ANY = "*"


@dataclass(frozen=True)
class RubroClass:
    """What a (rubro, subrubro) pair means."""

    legal_class: str
    ilo_type: str | None
    isic_section: str | None


class RubroMap:
    """Lookup of (rubro, subrubro) pairs, the exact pair first, then the rubro's ``*`` line."""

    def __init__(self, pairs: list[dict[str, Any]]) -> None:
        self._pairs: dict[tuple[str, str], RubroClass] = {}
        classes = vocabulary("legal_classes").terms
        ilo_types = vocabulary("ilo_types").terms
        for entry in pairs:
            legal_class = str(entry["legal_class"])
            if legal_class not in classes:
                raise ValueError(f"rubros: unknown legal class {legal_class!r}")
            ilo = entry.get("ilo_type") or default_ilo_type(legal_class)
            if ilo is not None and ilo not in ilo_types:
                raise ValueError(f"rubros: unknown ILO type {ilo!r}")
            isic = entry.get("isic") or default_isic_section(legal_class)
            key = (fold(str(entry["rubro"])), _sub(entry.get("subrubro")))
            self._pairs[key] = RubroClass(legal_class, ilo, isic)

    def lookup(self, rubro: str | None, subrubro: str | None) -> RubroClass | None:
        """The meaning of the pair, or None when the rubro is not known."""
        if not rubro:
            return None
        folded = fold(rubro)
        found = self._pairs.get((folded, _sub(subrubro)))
        if found is None:
            found = self._pairs.get((folded, ANY))
        if found is None and folded.startswith("cooperativas "):
            found = self._pairs.get((folded.removeprefix("cooperativas "), ANY))
        return found

    def override(self, pairs: list[dict[str, Any]]) -> RubroMap:
        """A copy with ``pairs`` (a mapping file's ``rubros:``) taking precedence."""
        merged = RubroMap([])
        merged._pairs = {**self._pairs, **RubroMap(pairs)._pairs}
        return merged

    def pairs(self) -> dict[tuple[str, str], RubroClass]:
        """Every pair (folded) with its meaning."""
        return dict(self._pairs)


def _sub(value: Any) -> str:
    text = fold(str(value)) if value not in (None, "") else ANY
    return ANY if text in ("", "*") else text


@cache
def daes_rubros() -> RubroMap:
    """The shipped pairs."""
    text = resources.files("asocia.registry").joinpath("data/daes_rubros.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    return RubroMap(list(data.get("pairs") or []))
