"""An instrument's yearly series of budget (CLP, nominal) and beneficiaries, with growth."""

from __future__ import annotations

from typing import Any

from asocia.db.models.programmes import Instrument


def _growth(first: float | None, last: float | None) -> float | None:
    if first in (None, 0) or last is None:
        return None
    assert first is not None
    return last / first - 1


def _cagr(first: float | None, last: float | None, years: int) -> float | None:
    if first in (None, 0) or last is None or years <= 0:
        return None
    assert first is not None
    return float((last / first) ** (1 / years) - 1)


def series_of(instrument: Instrument) -> dict[str, Any]:
    """Years, budget and beneficiaries, and growth over the whole series as fractions.

    ``budget_growth`` and ``beneficiaries_growth`` compare the last year with the first
    (0.80 is +80 %); ``*_cagr`` is the compound annual rate over the years between them.
    """
    points = sorted(instrument.series or [], key=lambda p: p["year"])
    years = [p["year"] for p in points]
    budget = [p.get("budget_clp") for p in points]
    beneficiaries = [p.get("beneficiaries") for p in points]
    span = years[-1] - years[0] if years else 0
    first_b, last_b = (budget[0], budget[-1]) if budget else (None, None)
    first_n, last_n = (beneficiaries[0], beneficiaries[-1]) if beneficiaries else (None, None)
    return {
        "id": instrument.id,
        "code": instrument.code,
        "name": instrument.name,
        "agency": instrument.agency,
        "years": years,
        "budget_clp": budget,
        "beneficiaries": beneficiaries,
        "estimated": [bool(p.get("estimated")) for p in points],
        "budget_growth": _growth(first_b, last_b),
        "beneficiaries_growth": _growth(first_n, last_n),
        "budget_cagr": _cagr(first_b, last_b, span),
        "beneficiaries_cagr": _cagr(first_n, last_n, span),
        "budget_per_beneficiary": [
            None if b is None or not n else b / n
            for b, n in zip(budget, beneficiaries, strict=True)
        ],
    }
