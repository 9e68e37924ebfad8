"""Form input in the interface's language: numbers typed as people write them, and the reasons
an answer was refused said in the visitor's language.

In Spanish (Chile) ``1.234,5`` is one thousand two hundred thirty-four and a half, and a saved
``824.77`` is shown back as ``824,77``; in English, ``1,234.5`` and ``824.77``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from typing import Any

from babel.numbers import format_decimal

from asocia.i18n import N_

# Reasons the diagnosis answers give (asocia.diagnosis.answers), translated on the pages.
REASONS = (
    N_("required answer missing"),
    N_("expected a number"),
    N_("expected a whole number"),
    N_("expected a whole number from 1 to 5"),
    N_("not one of the choices"),
    N_("unknown question"),
    N_("computed from its inputs; not answered directly"),
    N_("answers not saved"),
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^below the minimum (?P<value>\S+)$"), N_("below the minimum %(value)s")),
    (re.compile(r"^above the maximum (?P<value>\S+)$"), N_("above the maximum %(value)s")),
    (re.compile(r"^expected one of (?P<value>.+)$"), N_("not one of the choices")),
    (re.compile(r"^not among the choices: (?P<value>.+)$"), N_("not among the choices: %(value)s")),
)

_GROUPED = {
    "es": re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$"),
    "en": re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"),
}
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d+)?|[.,]\d+)$")


def parse_number(text: str, lang: str) -> str:
    """``text`` as typed in ``lang``, rewritten in the machine form (``1234.5``).

    Accepts grouped thousands (``1.234,5`` in Spanish, ``1,234.5`` in English) and a plain
    number with either decimal mark (``824,77`` or ``824.77``). Anything else is returned as it
    is, for the validator to refuse with its reason.
    """
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    group, decimal = (".", ",") if lang == "es" else (",", ".")
    pattern = _GROUPED.get(lang, _GROUPED["en"])
    if pattern.match(value):
        return value.replace(group, "").replace(decimal, ".")
    if _PLAIN.match(value):
        return value.replace(",", ".")
    return text


def input_number(value: Any, lang: str) -> str:
    """A stored number as the value of a text field in ``lang`` (``824,77`` in Spanish)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    number = float(value)
    if number.is_integer():
        return str(format_decimal(int(number), format="#,##0", locale=lang))
    return str(format_decimal(number, format="#,##0.##########", locale=lang))


def reason_text(reason: str, gettext: Callable[[str], str], lang: str) -> str:
    """A validator's English reason in the visitor's language."""
    for pattern, template in _PATTERNS:
        match = pattern.match(reason)
        if match:
            value = match["value"]
            with contextlib.suppress(ValueError):
                value = input_number(float(value), lang)
            text = gettext(template)
            return text % {"value": value} if "%(value)s" in text else text
    return gettext(reason)


# What the registry readers say about a file they cannot read (asocia.registry.readers).
_UPLOAD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^the file is empty or has no header line$"),
     N_("the file is empty or has no header line")),
    (re.compile(r"^not a text file \(CSV expected\)$"), N_("not a text file (CSV expected)")),
    (re.compile(r"^JSON lines must be UTF-8$"), N_("JSON lines must be UTF-8")),
    (re.compile(r"^no JSON objects found \(one object per line expected\)$"),
     N_("no JSON objects found (one object per line expected)")),
    (re.compile(r"^no such file$"), N_("no such file")),
    (re.compile(r"^cannot decode the file as (?P<value>[^:]+):.*$"),
     N_("cannot decode the file as %(value)s")),
    (re.compile(r"^not a readable XLSX workbook \((?P<value>.*)\)$"),
     N_("not a readable XLSX workbook (%(value)s)")),
    (re.compile(r"^the sheet (?P<value>.+) is empty$"), N_("the sheet %(value)s is empty")),
    (re.compile(r"^no sheet named (?P<value>.+)$"), N_("no sheet named %(value)s")),
    (re.compile(r"^nothing was imported: (?P<value>.*)$"), N_("nothing was imported: %(value)s")),
)  # fmt: skip
_LINE = re.compile(r"^, line (?P<line>\d+): (?P<rest>.*)$", re.S)


def upload_error(
    message: str, stored: Iterable[str], original: str, gettext: Callable[[str], str]
) -> str:
    """A reader's message about an uploaded file, naming the file as the person called it
    (``empty.csv``, not the stored ``Zqmcu4tSpQcCung9.csv``), in the visitor's language."""
    for name in sorted(stored, key=len, reverse=True):  # the full path before the bare name
        if name:
            message = message.replace(name, original)
    if not message.startswith(original) or message == original:
        return message
    prefix, rest = original, message[len(original) :]
    line = _LINE.match(rest)
    if line:
        prefix = f"{original}, {gettext('line')} {line['line']}"
        rest = line["rest"]
    else:
        rest = rest.removeprefix(": ")
    for pattern, template in _UPLOAD_PATTERNS:
        match = pattern.match(rest)
        if match:
            values = match.groupdict()
            rest = gettext(template) % values if values else gettext(template)
            break
    return f"{prefix}: {rest}"


# What account administration refuses (asocia.auth.accounts.AccountError).
_ACCOUNT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^unknown role (?P<value>'[^']*')"), N_("unknown role %(value)s")),
    (re.compile(r"^the coop role needs the cooperative the person represents$"),
     N_("the coop role needs the cooperative the person represents")),
    (re.compile(r"^there is no cooperative with id (?P<value>\S+)$"),
     N_("there is no cooperative with id %(value)s")),
    (re.compile(r"^only the coop role is tied to a cooperative$"),
     N_("only the coop role is tied to a cooperative")),
    (re.compile(r"^a username is 1 to 80 characters with no spaces$"),
     N_("a username is 1 to 80 characters with no spaces")),
    (re.compile(r"^a password needs at least (?P<value>\d+) characters$"),
     N_("a password needs at least %(value)s characters")),
    (re.compile(r"^the username (?P<value>.+) is taken$"), N_("the username %(value)s is taken")),
    (re.compile(r"^there is no user (?P<value>.+)$"), N_("there is no user %(value)s")),
    (re.compile(r"^a token needs a name of 1 to 100 characters$"),
     N_("a token needs a name of 1 to 100 characters")),
)  # fmt: skip


def account_error(message: str, gettext: Callable[[str], str]) -> str:
    """An account administration error in the visitor's language."""
    for pattern, template in _ACCOUNT_PATTERNS:
        match = pattern.match(message)
        if match:
            values = match.groupdict()
            return gettext(template) % values if values else gettext(template)
    return gettext(message)
