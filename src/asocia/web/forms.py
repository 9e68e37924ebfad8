"""Form input in the interface's language: numbers typed as people write them, and the reasons
an answer was refused said in the visitor's language.

In Spanish (Chile) ``1.234,5`` is one thousand two hundred thirty-four and a half, and a saved
``824.77`` is shown back as ``824,77``; in English, ``1,234.5`` and ``824.77``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
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
    (re.compile(r"^expected one of (?P<value>.+)$"), N_("expected one of: %(value)s")),
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
            return gettext(template) % {"value": value}
    return gettext(reason)
