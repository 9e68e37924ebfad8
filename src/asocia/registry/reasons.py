"""Reasons of import problems as a person reads them, in Spanish or English.

The validation reports each problem in English with its values inside ("invalid RUT check
digit: expected 5, found 4"); each pattern here names the parts and gives the translatable
message (gettext domain ``registry``), so reports read in the person's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from asocia.i18n import N_

# Problem reasons come from the domain in English with values inside; each pattern gives the
# translatable message with named parts, so the report reads in the person's language.
REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), message)
    for p, message in (
        (
            r"^invalid RUT check digit: expected (?P<expected>\w), found (?P<found>\w)$",
            N_("invalid RUT check digit: expected %(expected)s, found %(found)s"),
        ),
        (r"^not a RUT: .*$", N_("not a RUT: digits and a check digit (0-9 or K) expected")),
        (r"^invalid check digit .*$", N_("invalid check digit")),
        (r"^not a valid (?P<kind>[\w.]+): .*$", N_("not a valid %(kind)s")),
        (r"^empty tax id$", N_("empty tax id")),
        (r"^not a JSON object$", N_("not a JSON object")),
        (r"^unknown legal class$", N_("unknown legal class")),
        (r"^unknown ILO type$", N_("unknown ILO type")),
        (r"^unknown organisation type$", N_("unknown organisation type")),
        (r"^unknown legal status$", N_("unknown legal status")),
        (r"^unknown activity$", N_("unknown activity")),
        (
            r"^unknown comuna; did you mean (?P<name>.+)\?$",
            N_("unknown comuna; did you mean %(name)s?"),
        ),
        (r"^unknown comuna$", N_("unknown comuna")),
        (r"^unknown region$", N_("unknown region")),
        (
            r"^not an ISO 3166-1 two-letter country code$",
            N_("not an ISO 3166-1 two-letter country code"),
        ),
        (r"^not an ISIC Rev\.4 section \(A to U\)$", N_("not an ISIC Rev.4 section (A to U)")),
        (r"^not an ISO 4217 currency code$", N_("not an ISO 4217 currency code")),
        (r"^not a plausible year$", N_("not a plausible year")),
        (r"^a count cannot be negative$", N_("a count cannot be negative")),
        (r"^a negative amount$", N_("a negative amount")),
        (r"^not a number.*$", N_("not a number")),
        (r"^not a whole number$", N_("not a whole number")),
        (r"^not a calendar date$", N_("not a calendar date")),
        (
            r"^not a date \(a number.*$",
            N_("not a date (a number too small or large to be an Excel date)"),
        ),
        (r"^not a date.*$", N_("not a date (expected dd-mm-yyyy, dd/mm/yyyy or yyyy-mm-dd)")),
        # Uptake files (asocia.programmes.uptake) report in the same form.
        (r"^required$", N_("required")),
        (
            r"^unknown instrument \(give its code or name in the catalogue\)$",
            N_("unknown instrument (give its code or name in the catalogue)"),
        ),
        (
            r"^the instrument belongs to (?P<agency>.+)$",
            N_("the instrument belongs to %(agency)s"),
        ),
        (
            r"^does not match the date \((?P<date>[\d-]+)\)$",
            N_("does not match the date (%(date)s)"),
        ),
        (
            r"^no cooperative with this RUT in the registry$",
            N_("no cooperative with this RUT in the registry"),
        ),
        (r"^legal name is required$", N_("legal name is required")),
        (r"^tax id or registry number is required$", N_("tax id or registry number is required")),
        (
            r"^members by sex \((?P<by_sex>\d+)\) exceed the total \((?P<total>\d+)\)$",
            N_("members by sex (%(by_sex)s) exceed the total (%(total)s)"),
        ),
        (r"^date in the future$", N_("date in the future")),
        (
            r"^dissolution \((?P<date>[\d-]+)\) before constitution \((?P<constituted>[\d-]+)\)$",
            N_("dissolution (%(date)s) before constitution (%(constituted)s)"),
        ),
        (
            r"^cancellation \((?P<date>[\d-]+)\) before constitution \((?P<constituted>[\d-]+)\)$",
            N_("cancellation (%(date)s) before constitution (%(constituted)s)"),
        ),
        (r"^not an email address$", N_("not an email address")),
        (
            r"^region does not match the comuna's region \((?P<region>.+)\)$",
            N_("region does not match the comuna's region (%(region)s)"),
        ),
        (
            r"^duplicate key inside the file \(first on line (?P<line>\d+)\)$",
            N_("duplicate key inside the file (first on line %(line)s)"),
        ),
        (
            r"^registry number already belongs to another cooperative \(tax id (?P<tax_id>.+)\)$",
            N_("registry number already belongs to another cooperative (tax id %(tax_id)s)"),
        ),
        (
            r"^tax id already used on line (?P<line>\d+) by a row with another registry number$",
            N_("tax id already used on line %(line)s by a row with another registry number"),
        ),
        (r"^unknown rubro: no legal class for it$", N_("unknown rubro: no legal class for it")),
        (r"^not an SII sales band \(1 to 13\)$", N_("not an SII sales band (1 to 13)")),
        (
            r"^title or banner row above the header \(line (?P<line>\d+)\): skipped$",
            N_("title or banner row above the header (line %(line)s): skipped"),
        ),
        (r"^totals row: skipped$", N_("totals row: skipped")),
    )
]

#: Endings added to a reason (after "; "), translated on their own.
SUFFIXES: list[tuple[str, str]] = [
    (
        "kept under its registry number: the tax id is stored as given, marked invalid, "
        "and not used as a key",
        N_(
            "kept under its registry number: the tax id is stored as given, marked invalid, "
            "and not used as a key"
        ),
    ),
    (
        "the row looks shifted (a column name or words where a number or date belongs)",
        N_("the row looks shifted (a column name or words where a number or date belongs)"),
    ),
]


def localized_reason(reason: str, gettext: Callable[[str], str]) -> str:
    """``reason`` in the language of ``gettext`` (unchanged when no pattern knows it)."""
    for pattern, message in REASONS:
        match = pattern.match(reason)
        if match:
            return str(gettext(message) % match.groupdict())
    for suffix, message in SUFFIXES:
        if reason.endswith("; " + suffix):
            head = localized_reason(reason[: -len(suffix) - 2], gettext)
            return f"{head}; {gettext(message)}"
    return reason
