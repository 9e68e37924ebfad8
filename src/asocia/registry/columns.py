"""Which column of a file fills which field: header aliases (package data) and mapping files.

Headers are matched after folding (case, accents, punctuation ignored) against
``data/header_aliases.yaml``. A mapping file given at import overrides the aliases::

    country: CL            # default country of the rows (a country column wins)
    sheet: Registro 2024   # XLSX sheet
    columns:
      "Nombre Coop.": legal_name
      "Observaciones": ignore
      "Código interno": extra     # keep as an extra attribute (the default for unknown columns)
    values:                # a column's values, by field, before they are read
      legal_status: {Live: vigente, Dead: disuelta}
    header_row: 3          # the header is on line (row) 3; by default it is detected
    rubros:                # (rubro, subrubro) -> class, ILO type, ISIC (see data/daes_rubros.yaml)
      - {rubro: Turismo, subrubro: "*", legal_class: servicios, ilo_type: worker, isic: I}

Columns that match no field are kept as extra attributes of the cooperative, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from asocia.registry.names import fold

#: The fields an import can fill, with the kind of value each holds.
FIELDS: dict[str, str] = {
    "country": "country",
    "tax_id": "tax_id",
    "registry_number": "text",
    "legal_name": "text",
    "trade_name": "text",
    "organisation_type": "organisation_types",
    "legal_class": "legal_classes",
    "ilo_type": "ilo_types",
    "isic_section": "isic",
    "rubro": "text",
    "sub_rubro": "text",
    "region": "region",
    "province": "text",
    "comuna": "comuna",
    "admin_division": "text",
    "city": "text",
    "legal_status": "legal_statuses",
    "activity": "activities",
    "constituted_on": "date",
    "in_force_on": "date",
    "dissolved_on": "date",
    "cancelled_on": "date",
    "members_total": "int",
    "members_women": "int",
    "members_men": "int",
    "members_legal_persons": "int",
    "members_founding": "int",
    "employees": "int",
    "worker_members": "int",
    "sales_amount": "number",
    "sales_currency": "currency",
    "sales_year": "year",
    "last_verified_on": "date",
    "email": "contact",
    "phone": "contact",
    "address": "contact",
    "representative": "contact",
    # The SII's sales band (tramo de ventas, 1–13) joined to DAES panels: gives the size class
    # when the file has no sales amount; kept as the extra attribute of its column.
    "sii_sales_band": "sii_band",
}

#: Fields holding personal data (stored in the contacts table, never exported publicly).
CONTACT_FIELDS = ("email", "phone", "address", "representative")


class MappingError(ValueError):
    """A mapping file is malformed or names an unknown field; the message says which."""


@cache
def header_aliases() -> dict[str, str]:
    """Folded header → field, from the package data file."""
    text = (
        resources.files("asocia.registry").joinpath("data/header_aliases.yaml").read_text("utf-8")
    )
    data: dict[str, list[str]] = yaml.safe_load(text)
    aliases: dict[str, str] = {}
    for name, spellings in data.items():
        if name not in FIELDS:
            raise ValueError(f"header_aliases.yaml: unknown field {name!r}")
        for spelling in [name, name.replace("_", " "), *spellings]:
            key = fold(str(spelling))
            if aliases.setdefault(key, name) != name:
                raise ValueError(
                    f"header_aliases.yaml: {spelling!r} is an alias of {aliases[key]} and {name}"
                )
    return aliases


@dataclass
class Mapping:
    """Overrides given at import: column → field (or ``ignore`` / ``extra``), country, sheet."""

    columns: dict[str, str] = field(default_factory=dict)
    country: str | None = None
    sheet: str | None = None
    #: field → {folded value as written → value to read instead} (e.g. ``Live`` → ``vigente``)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    header_row: int | None = None
    rubros: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Mapping:
        """Read a mapping YAML file, raising :class:`MappingError` with a clear reason."""
        try:
            data = yaml.safe_load(path.read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise MappingError(f"{path.name}: cannot read the mapping file: {exc}") from None
        return cls.from_dict(data, source=path.name)

    @classmethod
    def from_dict(cls, data: Any, source: str = "mapping") -> Mapping:
        """Build from a parsed mapping (as in the YAML file or the web form)."""
        if not isinstance(data, dict):
            raise MappingError(
                f"{source}: expected keys 'columns', 'country', 'sheet', 'values', 'header_row'"
            )
        unknown = set(data) - {"columns", "country", "sheet", "values", "header_row", "rubros"}
        if unknown:
            raise MappingError(f"{source}: unknown keys {', '.join(sorted(unknown))}")
        columns = data.get("columns") or {}
        if not isinstance(columns, dict):
            raise MappingError(f"{source}: 'columns' must map column headers to fields")
        cleaned: dict[str, str] = {}
        for header, target in columns.items():
            target = "ignore" if target is None else str(target)
            if target not in FIELDS and target not in ("ignore", "extra"):
                raise MappingError(f"{source}: column {header!r} maps to unknown field {target!r}")
            cleaned[fold(str(header))] = target
        country = data.get("country")
        values = data.get("values") or {}
        if not isinstance(values, dict):
            raise MappingError(f"{source}: 'values' must map fields to {{value: replacement}}")
        value_maps: dict[str, dict[str, str]] = {}
        for target, pairs in values.items():
            if target not in FIELDS:
                raise MappingError(f"{source}: 'values' names unknown field {target!r}")
            if not isinstance(pairs, dict):
                raise MappingError(f"{source}: values of {target!r} must map a value to another")
            value_maps[str(target)] = {
                fold(str(k)): "" if v is None else str(v) for k, v in pairs.items()
            }
        header_row = data.get("header_row")
        if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
            raise MappingError(f"{source}: 'header_row' must be a line number (1 or more)")
        rubros = data.get("rubros") or []
        if not isinstance(rubros, list) or not all(
            isinstance(r, dict) and "rubro" in r and "legal_class" in r for r in rubros
        ):
            raise MappingError(
                f"{source}: 'rubros' must be a list of {{rubro, subrubro, legal_class, ...}}"
            )
        return cls(
            columns=cleaned,
            country=str(country).upper() if country else None,
            sheet=str(data["sheet"]) if data.get("sheet") else None,
            values=value_maps,
            header_row=header_row,
            rubros=[{str(k): str(v) for k, v in r.items() if v is not None} for r in rubros],
        )


@dataclass(frozen=True)
class ColumnMap:
    """The resolved meaning of each column of one file."""

    headers: list[str]
    fields: dict[str, int]  # field → column index
    extra: list[tuple[int, str]]  # (column index, header) kept as extra attributes
    ignored: list[str]
    duplicates: list[str]  # headers that mapped to a field already taken (kept as extra)

    def describe(self) -> list[dict[str, str]]:
        """One entry per column: header and what it fills, for previews and reports."""
        by_index = {i: f for f, i in self.fields.items()}
        extra = {i for i, _ in self.extra}
        out = []
        for i, header in enumerate(self.headers):
            target = by_index.get(i) or ("extra" if i in extra else "ignore")
            out.append({"column": header, "field": target})
        return out


def resolve_columns(headers: list[str], mapping: Mapping | None = None) -> ColumnMap:
    """Decide what each header means: mapping first, then aliases, else an extra attribute."""
    aliases = header_aliases()
    overrides = mapping.columns if mapping else {}
    fields: dict[str, int] = {}
    extra: list[tuple[int, str]] = []
    ignored: list[str] = []
    duplicates: list[str] = []
    for index, header in enumerate(headers):
        key = fold(header)
        target = overrides.get(key) or aliases.get(key)
        if not header.strip() and target is None:
            target = "ignore"
        if target == "ignore":
            ignored.append(header)
        elif target is None or target == "extra":
            extra.append((index, header))
        elif target in fields:
            duplicates.append(header)
            extra.append((index, header))
        else:
            fields[target] = index
    return ColumnMap(list(headers), fields, extra, ignored, duplicates)
