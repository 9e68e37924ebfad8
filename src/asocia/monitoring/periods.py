"""Periods as DHIS2 writes them: ``2021`` (year), ``2021S1`` (semester), ``2021Q3``
(quarter), ``2021-05`` (month), ``2022-2023`` (biennium).

A period is placed on the time line by its start and end as fractional years, which is all the
target path needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from asocia.i18n import N_, MessageError

_PATTERNS = (
    ("biennium", re.compile(r"^(\d{4})-(\d{4})$")),
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("semester", re.compile(r"^(\d{4})S([12])$")),
    ("quarter", re.compile(r"^(\d{4})Q([1-4])$")),
    ("year", re.compile(r"^(\d{4})$")),
)


class PeriodError(MessageError):
    """A period code that does not read (a ``ValueError``, as before)."""

    domain = "monitoring"


@dataclass(frozen=True)
class Period:
    code: str
    kind: str
    start: float
    end: float

    @property
    def year(self) -> int:
        return int(self.start)


def parse_period(code: str) -> Period:
    """The period of ``code``; ``ValueError`` with the reason when it is not one."""
    text = code.strip().upper()
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        if kind == "year":
            return Period(text, kind, year, year + 1)
        number = int(match.group(2))
        if kind == "biennium":
            if number != year + 1:
                raise PeriodError(
                    N_("%(code)r: a biennium is two consecutive years (e.g. 2022-2023)"), code=code
                )
            return Period(text, kind, year, year + 2)
        if kind == "month":
            if not 1 <= number <= 12:
                raise PeriodError(
                    N_("%(code)r: month %(month)s does not exist"), code=code, month=number
                )
            return Period(text, kind, year + (number - 1) / 12, year + number / 12)
        if kind == "semester":
            return Period(text, kind, year + (number - 1) / 2, year + number / 2)
        return Period(text, kind, year + (number - 1) / 4, year + number / 4)
    raise PeriodError(
        N_("%(code)r is not a period (use 2021, 2021S1, 2021Q3, 2021-05 or 2022-2023)"), code=code
    )
