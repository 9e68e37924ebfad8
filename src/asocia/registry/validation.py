"""Validation of one row of a registry file into a cooperative record, with its problems.

A :class:`RowValidator` is compiled once per file from its :class:`ColumnMap`, then turns each
row into a record (a dict of ``cooperatives`` columns plus contact fields) and a list of
:class:`Problem`. Lookups of repeated values (comunas, classes, statuses, dates, small numbers)
are memoised per column, which is what keeps a million-row import fast.

Rules, and what happens to the row:

* rejected — legal name missing; tax id and registry number both missing; tax id fails its
  check digit or format; country not an ISO code; the same key twice in the file; a JSON line
  that is not an object.
* flagged (imported, problem noted; the offending value is kept as an extra attribute) —
  unreadable number or date; unknown comuna (with "did you mean"), region, class, ILO type,
  status, activity or organisation type; region not the comuna's region; members by sex
  exceeding the total; negative counts; dates in the future; dissolution or cancellation
  before constitution; sales year out of range; malformed email.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from asocia.registry import parsers
from asocia.registry.columns import FIELDS, ColumnMap
from asocia.registry.names import name_key
from asocia.registry.taxid import InvalidTaxId, canonical_tax_id
from asocia.registry.territory import territory
from asocia.registry.vocabulary import (
    default_ilo_type,
    default_isic_section,
    size_band,
    vocabulary,
)

REJECTED = "rejected"
FLAGGED = "flagged"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ISIC = frozenset("ABCDEFGHIJKLMNOPQRSTU")
_DATE_FIELDS = ("constituted_on", "in_force_on", "dissolved_on", "cancelled_on", "last_verified_on")
_COUNT_FIELDS = (
    "members_total", "members_women", "members_men", "members_legal_persons",
    "members_founding", "employees", "worker_members",
)  # fmt: skip
_MEMO_LIMIT = 200_000


@dataclass(frozen=True)
class Problem:
    """One problem in one row: where (line, column), the value, why, and the row's outcome."""

    line: int
    column: str | None
    value: str | None
    reason: str
    outcome: str  # rejected or flagged

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "outcome": self.outcome,
        }


class _Invalid(Exception):
    """Raised by a converter: the cell is unusable; ``args[0]`` is the reason."""


Converter = Callable[[Any], Any]


def _memoised(convert: Converter) -> Converter:
    """Wrap ``convert`` with a per-column cache of results and failures (for strings)."""
    cache: dict[Any, tuple[bool, Any]] = {}

    def run(raw: Any) -> Any:
        hit = cache.get(raw) if isinstance(raw, str) else None
        if hit is None:
            try:
                hit = (True, convert(raw))
            except (parsers.ValueProblem, _Invalid) as exc:
                hit = (False, str(exc))
            if isinstance(raw, str) and len(cache) < _MEMO_LIMIT:
                cache[raw] = hit
        if hit[0]:
            return hit[1]
        raise _Invalid(hit[1])

    return run


def _vocabulary_converter(category: str, what: str) -> Converter:
    vocab = vocabulary(category)

    def convert(raw: Any) -> str:
        code = vocab.lookup(str(raw))
        if code is None:
            raise _Invalid(f"unknown {what}")
        return code

    return convert


def _date(raw: Any) -> str:
    # Dates travel as ISO strings: they compare correctly and need no conversion for SQL.
    return parsers.parse_date(raw).isoformat()


def _count(raw: Any) -> int:
    value = parsers.parse_int(raw)
    if value < 0:
        raise _Invalid("a count cannot be negative")
    return value


def _comuna(raw: Any) -> int:
    found = territory().comuna(parsers.parse_text(raw))
    if found is None:
        suggestion = territory().suggest_comuna(str(raw))
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        raise _Invalid(f"unknown comuna{hint}")
    return found.code


def _region(raw: Any) -> int:
    found = territory().region(parsers.parse_text(raw))
    if found is None:
        raise _Invalid("unknown region")
    return found.code


def _country(raw: Any) -> str:
    text = str(raw).strip().upper()
    if len(text) != 2 or not text.isalpha():
        raise _Invalid("not an ISO 3166-1 two-letter country code")
    return text


def _isic(raw: Any) -> str:
    text = str(raw).strip().upper()[:1]
    if text not in _ISIC:
        raise _Invalid("not an ISIC Rev.4 section (A to U)")
    return text


def _currency(raw: Any) -> str:
    text = str(raw).strip().upper()
    if text in ("$", "PESOS", "CLP$"):
        return "CLP"
    if len(text) != 3 or not text.isalpha():
        raise _Invalid("not an ISO 4217 currency code")
    return text


def _year(raw: Any) -> int:
    value = parsers.parse_int(raw)
    if not 1900 <= value <= date.today().year:
        raise _Invalid("not a plausible year")
    return value


def _text(limit: int) -> Converter:
    def convert(raw: Any) -> str:
        return parsers.parse_text(raw)[:limit]

    return convert


_CONVERTERS: dict[str, Callable[[], Converter]] = {
    "country": lambda: _memoised(_country),
    "date": lambda: _memoised(_date),
    "int": lambda: _memoised(_count),
    "number": lambda: parsers.parse_number,
    "comuna": lambda: _memoised(_comuna),
    "region": lambda: _memoised(_region),
    "isic": lambda: _memoised(_isic),
    "currency": lambda: _memoised(_currency),
    "year": lambda: _memoised(_year),
    "text": lambda: _text(300),
    "contact": lambda: _text(300),
}

_WHAT = {
    "legal_classes": "legal class",
    "ilo_types": "ILO type",
    "organisation_types": "organisation type",
    "legal_statuses": "legal status",
    "activities": "activity",
}


def _converter_for(kind: str) -> Converter:
    if kind in _WHAT:
        return _memoised(_vocabulary_converter(kind, _WHAT[kind]))
    return _CONVERTERS[kind]()


class RowValidator:
    """Turns rows of one file into records and problems.

    ``country`` is the default country of rows without a country column; ``uf_clp`` the value of
    the Unidad de Fomento used for the size band; ``today`` the date after which dates are in
    the future.
    """

    def __init__(
        self,
        columns: ColumnMap,
        *,
        country: str = "CL",
        uf_clp: float = 39_000.0,
        today: date | None = None,
    ) -> None:
        self.columns = columns
        self.country = country.upper()
        self.uf_clp = uf_clp
        self.today = (today or date.today()).isoformat()
        self.headers = columns.headers
        self.steps: list[tuple[int, str, Converter]] = []
        for name, index in columns.fields.items():
            if name == "tax_id":
                continue  # validated after the country is known
            self.steps.append((index, name, _converter_for(FIELDS[name])))
        self.tax_id_index = columns.fields.get("tax_id")
        self.extra_columns = columns.extra
        self.width = len(columns.headers)
        self._tax_cache: dict[tuple[str, str], tuple[bool, str]] = {}
        self.provided = frozenset(columns.fields)

    def header(self, name: str) -> str:
        """The header of the column that fills field ``name``."""
        return self.headers[self.columns.fields[name]]

    def validate(
        self, line: int, cells: Sequence[Any] | None
    ) -> tuple[dict[str, Any] | None, list[Problem]]:
        """The record of one row (None when rejected) and the problems found in it."""
        if cells is None:
            return None, [Problem(line, None, None, "not a JSON object", REJECTED)]
        problems: list[Problem] = []
        record: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        size = len(cells)
        for index, name, convert in self.steps:
            raw = cells[index] if index < size else ""
            if raw == "" or raw is None:
                continue
            try:
                record[name] = convert(raw)
            except _Invalid as exc:
                header = self.headers[index]
                text = str(raw)
                outcome = REJECTED if name == "country" else FLAGGED
                problems.append(Problem(line, header, text, str(exc), outcome))
                extra[header] = text
        for index, header in self.extra_columns:
            if index < size:
                raw = cells[index]
                if raw != "" and raw is not None:
                    extra[header] = raw if isinstance(raw, str | int | float) else str(raw)
        record["country"] = country = record.get("country") or self.country
        if self.tax_id_index is not None and self.tax_id_index < size:
            raw_tax = cells[self.tax_id_index]
            if raw_tax != "" and raw_tax is not None:
                text = parsers.parse_text(raw_tax)
                hit = self._tax_cache.get((country, text))
                if hit is None:
                    try:
                        hit = (True, canonical_tax_id(country, text))
                    except InvalidTaxId as exc:
                        hit = (False, str(exc))
                if hit[0]:
                    record["tax_id"] = hit[1]
                else:
                    problems.append(Problem(line, self.header("tax_id"), text, hit[1], REJECTED))
        self._check(line, record, problems)
        if extra:
            record["extra"] = extra
        if any(p.outcome == REJECTED for p in problems):
            return None, problems
        self._derive(line, record, problems)
        return record, problems

    def _check(self, line: int, record: dict[str, Any], problems: list[Problem]) -> None:
        get = record.get
        if not get("legal_name"):
            column = self.header("legal_name") if "legal_name" in self.provided else "legal_name"
            problems.append(Problem(line, column, None, "legal name is required", REJECTED))
        elif "tax_id" not in record and not get("registry_number"):
            tax_rejected = any(p.outcome == REJECTED for p in problems)
            if not tax_rejected:
                column = self.header("tax_id") if "tax_id" in self.provided else "tax_id"
                problems.append(
                    Problem(line, column, None, "tax id or registry number is required", REJECTED)
                )
        total = get("members_total")
        if total is not None:
            women, men = get("members_women"), get("members_men")
            by_sex = (women or 0) + (men or 0)
            if by_sex > total:
                problems.append(
                    Problem(
                        line,
                        self.header("members_women" if women is not None else "members_men"),
                        str(by_sex),
                        f"members by sex ({by_sex}) exceed the total ({total})",
                        FLAGGED,
                    )
                )
        today = self.today
        for name in _DATE_FIELDS:
            value = get(name)
            if value is not None and value > today:
                problems.append(
                    Problem(line, self.header(name), value, "date in the future", FLAGGED)
                )
                record.setdefault("extra", {})[self.header(name)] = value
                del record[name]
        constituted = get("constituted_on")
        if constituted is not None:
            for name, what in (("dissolved_on", "dissolution"), ("cancelled_on", "cancellation")):
                value = get(name)
                if value is not None and value < constituted:
                    problems.append(
                        Problem(
                            line,
                            self.header(name),
                            value,
                            f"{what} ({value}) before constitution ({constituted})",
                            FLAGGED,
                        )
                    )
        email = get("email")
        if email is not None and not _EMAIL.match(email):
            problems.append(
                Problem(line, self.header("email"), email, "not an email address", FLAGGED)
            )

    def _derive(self, line: int, record: dict[str, Any], problems: list[Problem]) -> None:
        record["name_key"] = name_key(record["legal_name"])
        comuna_code = record.pop("comuna", None)
        region_code = record.pop("region", None)
        record.pop("province", None)
        if comuna_code is not None:
            comuna = territory().comunas[comuna_code]
            if region_code is not None and region_code != comuna.region_code:
                problems.append(
                    Problem(
                        line,
                        self.header("region"),
                        str(region_code),
                        f"region does not match the comuna's region ({comuna.region_name})",
                        FLAGGED,
                    )
                )
            record["comuna_code"] = comuna.code
            record["province_code"] = comuna.province_code
            record["region_code"] = comuna.region_code
            record["rural_class"] = comuna.rural_class
        elif region_code is not None:
            record["region_code"] = region_code
        legal_class = record.get("legal_class")
        if "ilo_type" in record:
            record["ilo_type_overridden"] = record["ilo_type"] != default_ilo_type(legal_class)
        elif legal_class is not None:
            record["ilo_type"] = default_ilo_type(legal_class)
        if "isic_section" not in record and legal_class is not None:
            section = default_isic_section(legal_class)
            if section:
                record["isic_section"] = section
        sales = record.get("sales_amount")
        if sales is not None:
            if sales < 0:
                problems.append(
                    Problem(
                        line, self.header("sales_amount"), str(sales), "negative sales", FLAGGED
                    )
                )
                del record["sales_amount"]
            else:
                currency = record.setdefault(
                    "sales_currency", "CLP" if record["country"] == "CL" else None
                )
                if currency == "CLP":
                    record["size_band"] = size_band(sales, self.uf_clp)
