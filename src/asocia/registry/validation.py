"""Validation of registry rows into cooperative records, with every problem located.

A :class:`BatchValidator` is compiled once per file from its :class:`ColumnMap` and validates
rows a batch at a time, *column by column*: each column's cells go through a memoised lookup
(comunas, classes, statuses, dates and counts repeat a lot) in one list comprehension, and only
values never seen before take the slow path. Cross-field rules then run over the zipped columns.
That is what lets a million-row import run at the speed of the database rather than of Python.

Rules, and what happens to the row:

* rejected — legal name missing; tax id and registry number both missing; tax id fails its
  check digit or format; country not an ISO code; the same key twice in the file (checked by
  the importer); a JSON line that is not an object.
* flagged (imported, problem noted; the offending value is kept as an extra attribute) —
  unreadable number or date; unknown comuna (with "did you mean"), region, class, ILO type,
  status, activity or organisation type; region not the comuna's region; members by sex
  exceeding the total; negative counts or sales; dates in the future; dissolution or
  cancellation before constitution; sales year out of range; malformed email.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from operator import itemgetter
from typing import Any

from asocia.registry import parsers
from asocia.registry.columns import FIELDS, ColumnMap, Mapping, header_aliases
from asocia.registry.names import fold, name_keys
from asocia.registry.parsers import parse_chilean_int
from asocia.registry.rubros import RubroMap, daes_rubros
from asocia.registry.taxid import InvalidTaxId, canonical_tax_id, fast_rut
from asocia.registry.territory import territory
from asocia.registry.vocabulary import (
    default_ilo_type,
    default_isic_section,
    size_band_limits,
    vocabulary,
)

REJECTED = "rejected"
FLAGGED = "flagged"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_SEPARATORS = re.compile(r"[;,\s/]+")
#: Kinds of field where a word (no digit) means the row's cells slid into the wrong columns.
_SHIFTABLE = frozenset(("int", "number", "date", "year", "sii_band"))
_LETTER = re.compile(r"[^\W\d_]{2}")
_DIGIT = re.compile(r"\d")
#: Size class of the SII's sales bands (tramos de ventas, 13 bands on the Ley 20.416 limits in
#: UF): 1 no sales (no class), 2–4 micro, 5–7 small, 8–9 medium, 10–13 large.
SII_BAND_SIZE = {
    2: "micro", 3: "micro", 4: "micro", 5: "small", 6: "small", 7: "small",
    8: "medium", 9: "medium", 10: "large", 11: "large", 12: "large", 13: "large",
}  # fmt: skip
SII_BAND_SOURCE = "SII sales band (tramo de ventas)"
#: The reason's ending when a word where a number or date belongs says the row slid sideways.
SHIFTED = "; the row looks shifted (a column name or words where a number or date belongs)"
#: The reason's ending when a tax id is invalid but the row has a registry number.
KEPT_BY_REGISTRY = (
    "; kept under its registry number: the tax id is stored as given, marked invalid, "
    "and not used as a key"
)
_ISIC = frozenset("ABCDEFGHIJKLMNOPQRSTU")
_DATE_FIELDS = ("constituted_on", "in_force_on", "dissolved_on", "cancelled_on", "last_verified_on")
_MEMO_LIMIT = 200_000
_MISS = object()


@dataclass(frozen=True)
class Problem:
    """One problem in one row: where (line, column), the value, why, and the row's outcome."""

    line: int
    column: str | None
    value: str | None
    reason: str
    outcome: str  # rejected, flagged or skipped (a banner or totals row: a note)
    field: str | None = None  # the asocia field of the column, when it has one

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "outcome": self.outcome,
            "field": self.field,
        }


def looks_shifted(raw: Any, headers: frozenset[str] = frozenset()) -> bool:
    """A column name, or words, where a number or date belongs: the row slid sideways.

    ``Socios mujeres`` or ``Ministro fé`` in a number column say so; a number written in
    words (``doce``) does not.
    """
    if not isinstance(raw, str) or _DIGIT.search(raw) or not _LETTER.search(raw):
        return False
    folded = fold(raw)
    return folded in headers or folded in header_aliases() or len(folded.split()) >= 2


def _sii_band(raw: Any) -> int:
    value = parsers.parse_int(raw)
    if not 1 <= value <= 13:
        raise _Invalid("not an SII sales band (1 to 13)")
    return value


class _Invalid(ValueError):
    """A converter's verdict: the cell is unusable; ``args[0]`` is the reason."""


def _vocabulary_converter(category: str, what: str) -> Callable[[Any], str]:
    vocab = vocabulary(category)

    def convert(raw: Any) -> str:
        code = vocab.lookup(str(raw))
        if code is None:
            raise _Invalid(f"unknown {what}")
        return code

    return convert


def _date(raw: Any) -> str:
    # Dates travel as ISO strings: they compare correctly and SQLite stores them as such.
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


#: Country names registry files write instead of the ISO code (UK files name the nation).
_COUNTRY_NAMES = {
    "chile": "CL", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "reino unido": "GB",
    "argentina": "AR", "bolivia": "BO", "brasil": "BR", "brazil": "BR", "colombia": "CO",
    "ecuador": "EC", "mexico": "MX", "paraguay": "PY", "peru": "PE", "uruguay": "UY",
    "venezuela": "VE", "espana": "ES", "spain": "ES", "italia": "IT", "italy": "IT",
    "france": "FR", "francia": "FR", "portugal": "PT", "ireland": "IE", "irlanda": "IE",
}  # fmt: skip


def _country(raw: Any) -> str:
    text = str(raw).strip().upper()
    named = _COUNTRY_NAMES.get(fold(text))
    if named is not None:
        return named
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


def _number(raw: Any) -> float:
    value = parsers.parse_number(raw)
    if value < 0:
        raise _Invalid("a negative amount")
    return value


_WHAT = {
    "legal_classes": "legal class",
    "ilo_types": "ILO type",
    "organisation_types": "organisation type",
    "legal_statuses": "legal status",
    "activities": "activity",
}
_MEMOISED: dict[str, Callable[[Any], Any]] = {
    "country": _country,
    "date": _date,
    "int": _count,
    "comuna": _comuna,
    "region": _region,
    "isic": _isic,
    "currency": _currency,
    "year": _year,
    "sii_band": _sii_band,
}


def _converter_for(kind: str) -> tuple[bool, Callable[[Any], Any]]:
    """(memoise?, converter) for a field kind."""
    if kind in _WHAT:
        return True, _vocabulary_converter(kind, _WHAT[kind])
    if kind in _MEMOISED:
        return True, _MEMOISED[kind]
    if kind == "number":
        return False, _number
    return False, parsers.parse_text  # text, contact


@dataclass
class Batch:
    """Validated rows of one batch, column-wise.

    ``values[field][i]`` is row ``i``'s value (None when empty); ``keep[i]`` is False for rejected
    rows; ``flagged[i]`` True when the row is kept with problems.
    """

    lines: list[int]
    values: dict[str, list[Any]]
    keep: list[bool]
    flagged: list[bool]
    problems: list[Problem] = field(default_factory=list)

    def record(self, i: int) -> dict[str, Any]:
        """Row ``i`` as a dict of its non-empty values."""
        return {name: col[i] for name, col in self.values.items() if col[i] is not None}

    def reject(self, i: int, problem: Problem) -> None:
        """Reject row ``i`` (after validation, e.g. a key already used in the file)."""
        self.problems.append(problem)
        self.keep[i] = False


class BatchValidator:
    """Turns batches of rows of one file into :class:`Batch` es.

    ``country`` is the default country of rows without a country column; ``uf_clp`` the value of
    the Unidad de Fomento for the size band; ``today`` the date after which dates are future.
    """

    def __init__(
        self,
        columns: ColumnMap,
        *,
        country: str = "CL",
        uf_clp: float = 39_000.0,
        today: date | None = None,
        mapping: Mapping | None = None,
    ) -> None:
        self.columns = columns
        self.country = country.upper()
        self.value_maps = dict(mapping.values) if mapping else {}
        self.rubros: RubroMap = (
            daes_rubros().override(mapping.rubros) if mapping and mapping.rubros else daes_rubros()
        )
        self._rubro_memo: dict[tuple[Any, Any], Any] = {}
        self.field_of = {columns.headers[i]: f for f, i in columns.fields.items()}
        self.folded_headers = frozenset(fold(h) for h in columns.headers)
        self.uf_clp = uf_clp
        self.today = (today or date.today()).isoformat()
        self.headers = columns.headers
        self.width = len(columns.headers)
        self.provided = frozenset(columns.fields)
        self.steps: list[tuple[int, str, bool, Callable[[Any], Any], dict[Any, Any]]] = []
        # A file of another country: its territory is kept as given, not looked up in Chile's.
        foreign = self.country != "CL" and "country" not in columns.fields
        renamed = {"region": "admin_division", "comuna": "city"} if foreign else {}
        for name, index in columns.fields.items():
            if name == "tax_id":
                continue  # validated once the row's country is known
            if name in renamed:
                if renamed[name] in columns.fields:
                    continue
                name = renamed[name]
            memo, convert = _converter_for(FIELDS[name])
            self.steps.append((index, name, memo, convert, {"": None, None: None}))
        # The country first: a row's territory is read as Chile's only for a CL row.
        self.steps.sort(key=lambda step: step[1] != "country")
        self._failures: dict[int, dict[Any, str]] = {}
        self.tax_index = columns.fields.get("tax_id")
        self.extra_columns = columns.extra
        comunas = territory().comunas
        self._comuna_parts = {
            code: (c.province_code, c.region_code, c.rural_class) for code, c in comunas.items()
        }
        # The size band of a sales amount: the first band whose upper limit (in pesos) it does
        # not exceed; the last band has none.
        bands = size_band_limits()
        self._band_names = [b for b, _ in bands]
        self._band_limits = [math.inf if m is None else m * uf_clp for _, m in bands]

    def header(self, name: str) -> str:
        """The header of the column that fills field ``name`` (the field name if none does)."""
        index = self.columns.fields.get(name)
        return self.headers[index] if index is not None else name

    def validate(self, rows: Sequence[tuple[int, Sequence[Any] | None]]) -> Batch:
        """Validate a batch of ``(line, cells)`` rows."""
        width = self.width
        lines = list(map(itemgetter(0), rows))
        n = len(lines)
        keep = [True] * n
        flagged = [False] * n
        problems: list[Problem] = []
        padded: list[Sequence[Any]] = list(map(itemgetter(1), rows))
        if n and (None in padded or set(map(len, padded)) != {width}):
            # Rows of another width (or JSON lines that are not objects): padded or cut.
            empty = ("",) * width
            for i, (line, cells) in enumerate(rows):
                if cells is None:
                    problems.append(Problem(line, None, None, "not a JSON object", REJECTED))
                    keep[i] = False
                    padded[i] = empty
                elif len(cells) != width:
                    padded[i] = (list(cells) + [""] * width)[:width]
        transposed = list(zip(*padded, strict=True)) if n else [()] * width
        values: dict[str, list[Any]] = {}
        extras: dict[int, dict[str, Any]] = {}

        field_of = self.field_of

        def problem(i: int, header: str, raw: Any, reason: str, outcome: str) -> None:
            problems.append(
                Problem(lines[i], header, str(raw), reason, outcome, field_of.get(header, header))
            )
            if outcome == REJECTED:
                keep[i] = False
            else:
                flagged[i] = True
                extras.setdefault(i, {})[header] = raw if isinstance(raw, str) else str(raw)

        for index, name, memoise, convert, memo in self.steps:
            column = transposed[index]
            header = self.headers[index]
            outcome = REJECTED if name == "country" else FLAGGED
            shiftable = FIELDS[name] in _SHIFTABLE
            value_map = self.value_maps.get(name)
            if value_map:
                column = tuple(
                    value_map.get(fold(v), v) if isinstance(v, str) else v for v in column
                )
            if name in ("region", "comuna") and "country" in values:
                # Chile's territory is for CL rows; elsewhere the division is kept as given.
                foreign = [c is not None and c != "CL" for c in values["country"]]
                if any(foreign):
                    kept_as = "admin_division" if name == "region" else "city"
                    if kept_as not in self.provided:
                        given = values.setdefault(kept_as, [None] * n)
                        for i in [i for i, f in enumerate(foreign) if f]:
                            text = column[i]
                            if text not in ("", None) and given[i] is None:
                                given[i] = str(text).strip()[:200]
                    column = tuple("" if f else v for v, f in zip(column, foreign, strict=True))
            if memoise:
                # One C-level map over the column: no bytecode per cell for values seen before.
                out = list(map(memo.get, column, repeat(_MISS, n)))
                if _MISS in out:
                    failures = self._failures.setdefault(index, {})
                    for i in [i for i, v in enumerate(out) if v is _MISS]:
                        raw = column[i]
                        reason = failures.get(raw)
                        if reason is None:
                            try:
                                out[i] = converted = convert(raw)
                                if len(memo) < _MEMO_LIMIT:
                                    memo[raw] = converted
                                continue
                            except (parsers.ValueProblem, _Invalid) as exc:
                                reason = str(exc)
                                if shiftable and looks_shifted(raw, self.folded_headers):
                                    reason += SHIFTED
                                failures[raw] = reason
                        out[i] = None
                        problem(i, header, raw, reason, outcome)
            elif convert is parsers.parse_text and set(map(type, column)) <= {str}:
                # Text as CSV gives it: C-level strip over the column; slice only long cells.
                stripped = list(map(str.strip, column))
                if n and max(map(len, stripped)) > 300:
                    stripped = [s[:300] for s in stripped]
                out = [s or None for s in stripped]
            elif convert is parsers.parse_text:
                out = [
                    (v.strip()[:300] or None)
                    if v.__class__ is str
                    else (None if v is None else convert(v)[:300] or None)
                    for v in column
                ]
            else:
                out = [None] * n
                for i, raw in enumerate(column):
                    if raw == "" or raw is None:
                        continue
                    if raw.__class__ is str:
                        if raw.isdigit():
                            out[i] = float(raw)
                            continue
                        fast = parse_chilean_int(raw)
                        if fast is not None:
                            out[i] = fast
                            continue
                    try:
                        out[i] = convert(raw)
                    except (parsers.ValueProblem, _Invalid) as exc:
                        reason = str(exc)
                        if looks_shifted(raw, self.folded_headers):
                            reason += SHIFTED
                        problem(i, header, raw, reason, outcome)
            values[name] = out
        countries = values.get("country")
        if countries is None:
            values["country"] = [self.country] * n
        else:
            values["country"] = [c or self.country for c in countries]
        self._tax_ids(transposed, values, problem, n)
        for index, header in self.extra_columns:
            column = transposed[index]
            for i in [i for i, v in enumerate(column) if v != "" and v is not None]:
                raw = column[i]
                extras.setdefault(i, {})[header] = (
                    raw if isinstance(raw, str | int | float) else str(raw)
                )
        batch = Batch(lines, values, keep, flagged, problems)
        self._check(batch, problem, extras)
        self._derive(batch, problem, extras)
        if extras:
            extra_column: list[Any] = [None] * n
            for i, extra in extras.items():
                extra_column[i] = extra
            values["extra"] = extra_column
        return batch

    def _tax_ids(
        self,
        transposed: list[tuple[Any, ...]],
        values: dict[str, list[Any]],
        problem: Callable[..., None],
        n: int,
    ) -> None:
        if self.tax_index is None:
            return
        column = transposed[self.tax_index]
        header = self.headers[self.tax_index]
        countries = values["country"]
        out: list[Any] = [None] * n
        single_cl = "country" not in self.provided and self.country == "CL"
        registry = values.get("registry_number") or [None] * n
        for i, raw in enumerate(column):
            if raw == "" or raw is None:
                continue
            if single_cl and raw.__class__ is str:
                canonical = fast_rut(raw)
                if canonical is not None:
                    out[i] = canonical
                    continue
            text = parsers.parse_text(raw)
            try:
                out[i] = canonical_tax_id(countries[i], text)
            except InvalidTaxId as exc:
                # A real co-op must not vanish for a typo in its tax id when it has another key.
                if registry[i] is not None:
                    problem(i, header, text, f"{exc}{KEPT_BY_REGISTRY}", FLAGGED)
                else:
                    problem(i, header, text, str(exc), REJECTED)
        values["tax_id"] = out

    def _check(
        self, batch: Batch, problem: Callable[..., None], extras: dict[int, dict[str, Any]]
    ) -> None:
        values, keep, n = batch.values, batch.keep, len(batch.lines)
        names = values.get("legal_name") or [None] * n
        tax = values["tax_id"] if "tax_id" in values else [None] * n
        registry = values.get("registry_number") or [None] * n
        name_header, tax_header = self.header("legal_name"), self.header("tax_id")
        for i in [i for i, v in enumerate(names) if v is None]:
            if keep[i]:
                problem(i, name_header, "", "legal name is required", REJECTED)
        for i in [i for i, (t, r) in enumerate(zip(tax, registry, strict=True)) if t is r is None]:
            if keep[i]:
                problem(i, tax_header, "", "tax id or registry number is required", REJECTED)
        total = values.get("members_total")
        women, men = values.get("members_women"), values.get("members_men")
        if total is not None and (women is not None or men is not None):
            women = women or [None] * n
            men = men or [None] * n
            header = self.header("members_women" if "members_women" in values else "members_men")
            for i, (t, w, m) in enumerate(zip(total, women, men, strict=True)):
                if t is not None and (w or 0) + (m or 0) > t:
                    by_sex = (w or 0) + (m or 0)
                    problem(
                        i,
                        header,
                        str(by_sex),
                        f"members by sex ({by_sex}) exceed the total ({t})",
                        FLAGGED,
                    )
        today = self.today
        for name in _DATE_FIELDS:
            column = values.get(name)
            if column is None:
                continue
            for i in [i for i, v in enumerate(column) if v is not None and v > today]:
                problem(i, self.header(name), column[i], "date in the future", FLAGGED)
                column[i] = None
        constituted = values.get("constituted_on")
        if constituted is not None:
            for name, what in (("dissolved_on", "dissolution"), ("cancelled_on", "cancellation")):
                column = values.get(name)
                if column is None:
                    continue
                for i, (c, v) in enumerate(zip(constituted, column, strict=True)):
                    if c is not None and v is not None and v < c:
                        batch.problems.append(
                            Problem(
                                batch.lines[i],
                                self.header(name),
                                v,
                                f"{what} ({v}) before constitution ({c})",
                                FLAGGED,
                            )
                        )
                        batch.flagged[i] = True
        emails = values.get("email")
        if emails is not None:
            for i, v in enumerate(emails):
                if v is None or _EMAIL.match(v):
                    continue
                # Several addresses in one cell (";", ",", spaces): all kept, one per "; ".
                parts = [p for p in _EMAIL_SEPARATORS.split(v) if p]
                if len(parts) > 1 and all(_EMAIL.match(p) for p in parts):
                    emails[i] = "; ".join(parts)[:300]
                else:
                    problem(i, self.header("email"), v, "not an email address", FLAGGED)
        for i in [i for i, f in enumerate(batch.flagged) if f and not keep[i]]:
            batch.flagged[i] = False

    def _derive(
        self, batch: Batch, problem: Callable[..., None], extras: dict[int, dict[str, Any]]
    ) -> None:
        values, n = batch.values, len(batch.lines)
        names = values.get("legal_name") or [None] * n
        values["name_key"] = name_keys(names)
        kinds = values.get("organisation_type")
        if kinds is not None:
            # An empty cell is the default type, as when the file has no such column (the
            # column is NOT NULL: the dry run must predict the real run).
            values["organisation_type"] = [k or "cooperativa" for k in kinds]
        self._classes_from_rubros(values, problem, n)
        comunas = values.pop("comuna", None)
        regions = values.pop("region", None)
        values.pop("province", None)
        if comunas is not None:
            parts = self._comuna_parts
            looked = [parts.get(c) if c is not None else None for c in comunas]
            values["comuna_code"] = comunas
            values["province_code"] = [p[0] if p else None for p in looked]
            derived_regions = [p[1] if p else None for p in looked]
            values["rural_class"] = [p[2] if p else None for p in looked]
            if regions is not None:
                header = self.header("region")
                for i, (given, found) in enumerate(zip(regions, derived_regions, strict=True)):
                    if given is not None and found is not None and given != found:
                        name = territory().regions[found].name
                        problem(
                            i,
                            header,
                            str(given),
                            f"region does not match the comuna's region ({name})",
                            FLAGGED,
                        )
                derived_regions = [
                    f if f is not None else g for f, g in zip(derived_regions, regions, strict=True)
                ]
            values["region_code"] = derived_regions
        elif regions is not None:
            values["region_code"] = regions
        classes = values.get("legal_class")
        if classes is not None:
            defaults = _per_distinct(default_ilo_type, classes)
            given = values.get("ilo_type")
            if given is None:
                values["ilo_type"] = defaults
            else:
                values["ilo_type_overridden"] = [
                    g is not None and g != d for g, d in zip(given, defaults, strict=True)
                ]
                values["ilo_type"] = [
                    g if g is not None else d for g, d in zip(given, defaults, strict=True)
                ]
            if "isic_section" not in values:
                values["isic_section"] = _per_distinct(default_isic_section, classes)
        elif "ilo_type" in values:
            values["ilo_type_overridden"] = [g is not None for g in values["ilo_type"]]
        sales = values.get("sales_amount")
        if sales is not None:
            currency = values.get("sales_currency")
            countries = values["country"]
            if currency is None:
                currency = [
                    ("CLP" if c == "CL" else None) if s is not None else None
                    for s, c in zip(sales, countries, strict=True)
                ]
                values["sales_currency"] = currency
            names, limits = self._band_names, self._band_limits
            values["size_band"] = [
                names[bisect_left(limits, s)] if s is not None and cur == "CLP" else None
                for s, cur in zip(sales, currency, strict=True)
            ]
        sii_bands = values.pop("sii_sales_band", None)
        if sii_bands is not None:
            header = self.header("sii_sales_band")
            sizes = values.get("size_band") or [None] * n
            for i, band in enumerate(sii_bands):
                if band is None:
                    continue
                extra = extras.setdefault(i, {})
                extra[header] = band
                if sizes[i] is None and band in SII_BAND_SIZE:
                    sizes[i] = SII_BAND_SIZE[band]
                    extra["size_band_source"] = SII_BAND_SOURCE
            values["size_band"] = sizes

    def _classes_from_rubros(
        self, values: dict[str, list[Any]], problem: Callable[..., None], n: int
    ) -> None:
        rubros = values.get("rubro")
        if rubros is None:
            return
        daes_shape = "sub_rubro" in values
        subs = values.get("sub_rubro") or [None] * n
        classes = values.get("legal_class")
        if classes is None:
            classes = [None] * n
        derived: list[Any] = [None] * n
        memo = self._rubro_memo
        header = self.header("rubro")
        for i, (rubro, sub) in enumerate(zip(rubros, subs, strict=True)):
            if rubro is None or classes[i] is not None:
                continue
            key = (rubro, sub)
            found = memo.get(key, _MISS)
            if found is _MISS:
                found = memo[key] = self.rubros.lookup(rubro, sub)
            if found is None:
                if not daes_shape:
                    continue  # a free-text line of business ("giro"), not a DAES rubro
                pair = f"{rubro} / {sub}" if sub else rubro
                problem(i, header, pair, "unknown rubro: no legal class for it", FLAGGED)
                continue
            derived[i] = found
        if not any(derived):
            return
        values["legal_class"] = [
            d.legal_class if d is not None else c for c, d in zip(classes, derived, strict=True)
        ]
        given_ilo = values.get("ilo_type")
        values["ilo_type"] = [
            d.ilo_type
            if d is not None and (given_ilo is None or given_ilo[i] is None)
            else (given_ilo[i] if given_ilo is not None else None)
            for i, d in enumerate(derived)
        ]
        given_isic = values.get("isic_section")
        values["isic_section"] = [
            d.isic_section
            if d is not None and (given_isic is None or given_isic[i] is None)
            else (given_isic[i] if given_isic is not None else default_isic_section(classes[i]))
            for i, d in enumerate(derived)
        ]


def _per_distinct(function: Callable[[Any], Any], column: list[Any]) -> list[Any]:
    """``function`` of each value of ``column``, called once per distinct value."""
    table = {value: function(value) for value in set(column)}
    return list(map(table.__getitem__, column))
