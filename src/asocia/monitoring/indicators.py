"""Indicators, DHIS2-style: values keyed by indicator × period × territory × disaggregation ×
kind, their approval workflow and locked periods; achievement and status against the target
path; series growth, CAGR and real terms.

Achievement = (actual − baseline) / (target − baseline). The same ratio reads right for "down"
indicators (both differences change sign); without a baseline it is actual / target for "up"
and target / actual for "down". The status compares achievement with the share of the way
from the baseline period to the target period that should have been covered by now (the
target path): at least (1 − on_track) of it is *on track*, at least (1 − at_risk) *at risk*,
less *off track*. Thresholds are data (per indicator, default 15 % and 30 %). No approved
actual is *not reported*, never off track.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models.monitoring import Deflator, Indicator, IndicatorValue, PeriodLock
from asocia.i18n import N_, Term
from asocia.monitoring import computed
from asocia.monitoring.defaults import ensure_defaults
from asocia.monitoring.periods import Period, parse_period
from asocia.monitoring.strategy import MonitoringError
from asocia.stats.cellkey import Perturbation

KINDS = ("baseline", "target", "actual")
VALUE_STATUSES = ("draft", "submitted", "approved", "returned")
STATUSES = ("on_track", "at_risk", "off_track", "not_reported", "no_target")
DEFAULT_THRESHOLDS = {"on_track": 0.15, "at_risk": 0.30}
NATIONAL = "CL"


# --- pure computations ---------------------------------------------------------------------


def achievement(
    actual: float, target: float, baseline: float | None, direction: str = "up"
) -> float | None:
    """Share of the way from baseline to target reached (1.0 = target met)."""
    if baseline is not None and target != baseline:
        return (actual - baseline) / (target - baseline)
    if direction == "down":
        if actual == 0:
            return 1.0 if target >= 0 else None
        return target / actual
    return actual / target if target else None


def classify(
    achieved: float | None, expected: float, thresholds: dict[str, float] | None = None
) -> str:
    """on_track / at_risk / off_track from achievement and the expected share of the path."""
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    if achieved is None:
        return "not_reported"
    if achieved >= expected * (1 - limits["on_track"]):
        return "on_track"
    if achieved >= expected * (1 - limits["at_risk"]):
        return "at_risk"
    return "off_track"


def expected_share(period: Period, baseline: Period | None, target: Period) -> float:
    """How far along the straight path from baseline to target ``period`` lies (0..1)."""
    if baseline is None or target.end <= baseline.end:
        return 1.0  # no path without a baseline: the target itself is the reference
    share = (period.end - baseline.end) / (target.end - baseline.end)
    return max(0.0, min(1.0, share))


def aggregate(
    measure: str, aggregation: str, rows: list[dict[str, float | None]]
) -> dict[str, Any]:
    """Territories (or disaggregations) combined: percents from numerators and denominators,
    never by averaging the percentages."""
    if not rows:
        return {"value": None, "numerator": None, "denominator": None}
    if measure == "percent":
        num = sum(r["numerator"] or 0 for r in rows if r.get("denominator"))
        den = sum(r["denominator"] or 0 for r in rows if r.get("denominator"))
        return {"value": num / den if den else None, "numerator": num, "denominator": den}
    values = [r["value"] for r in rows if r.get("value") is not None]
    if not values:
        return {"value": None, "numerator": None, "denominator": None}
    total = sum(v for v in values if v is not None)
    value = total / len(values) if aggregation == "average" else total
    return {"value": value, "numerator": None, "denominator": None}


def growth(first: float, last: float) -> float:
    return last / first - 1


def cagr(first: float, last: float, years: float) -> float:
    return math.pow(last / first, 1 / years) - 1 if years > 0 else 0.0


# --- reading -----------------------------------------------------------------------------------


def indicator_dict(i: Indicator) -> dict[str, Any]:
    return {
        "code": i.code,
        "name_es": i.name_es,
        "name_en": i.name_en,
        "definition": i.definition,
        "unit": i.unit,
        "measure": i.measure,
        "direction": i.direction,
        "aggregation": i.aggregation,
        "cumulative": i.cumulative,
        "frequency": i.frequency,
        "source": i.source,
        "responsible": i.responsible,
        "objective": i.objective.code if i.objective else None,
        "thresholds": {**DEFAULT_THRESHOLDS, **(i.thresholds or {})},
        "computed": i.computed,
        "provenance": i.provenance,
    }


def list_indicators(session: Session) -> list[dict[str, Any]]:
    ensure_defaults(session)
    return [indicator_dict(i) for i in session.scalars(select(Indicator).order_by(Indicator.id))]


def get_indicator(session: Session, code: str) -> Indicator:
    ensure_defaults(session)
    found = session.scalars(select(Indicator).where(Indicator.code == code)).one_or_none()
    if found is None:
        raise MonitoringError(N_("indicator: unknown code %(code)r"), code=code)
    return found


def value_dict(v: IndicatorValue) -> dict[str, Any]:
    return {
        "id": v.id,
        "indicator": v.indicator.code,
        "period": v.period,
        "territory": v.territory,
        "disaggregation": v.disaggregation,
        "kind": v.kind,
        "value": v.value,
        "numerator": v.numerator,
        "denominator": v.denominator,
        "comment": v.comment,
        "evidence": v.evidence,
        "status": v.status,
        "entered_by": v.entered_by,
        "reviewed_by": v.reviewed_by,
        "provenance": v.provenance,
    }


def list_values(session: Session, code: str) -> list[dict[str, Any]]:
    indicator = get_indicator(session, code)
    rows = session.scalars(
        select(IndicatorValue)
        .where(IndicatorValue.indicator_id == indicator.id)
        .order_by(IndicatorValue.period, IndicatorValue.kind, IndicatorValue.territory)
    )
    return [value_dict(v) for v in rows]


@dataclass
class _Point:
    period: Period
    value: float | None
    numerator: float | None = None
    denominator: float | None = None


def _series(
    session: Session, indicator: Indicator, kind: str, *, approved_only: bool
) -> list[_Point]:
    """National points of one kind, aggregated from territories when no national row."""
    query = select(IndicatorValue).where(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.kind == kind,
        IndicatorValue.disaggregation == "",
    )
    if approved_only:
        query = query.where(IndicatorValue.status == "approved")
    by_period: dict[str, list[IndicatorValue]] = {}
    for v in session.scalars(query):
        by_period.setdefault(v.period, []).append(v)
    points = []
    for code, rows in by_period.items():
        national = [r for r in rows if r.territory == NATIONAL]
        chosen = national or [r for r in rows if r.territory.startswith("region:")]
        combined = aggregate(
            indicator.measure,
            indicator.aggregation,
            [
                {"value": r.value, "numerator": r.numerator, "denominator": r.denominator}
                for r in chosen
            ],
        )
        points.append(
            _Point(
                parse_period(code),
                combined["value"],
                combined["numerator"],
                combined["denominator"],
            )
        )
    return sorted(points, key=lambda p: p.period.end)


def indicator_status(
    session: Session,
    indicator: Indicator,
    period: str | None = None,
    today: date | None = None,
    control: Perturbation | None = None,
) -> dict[str, Any]:
    """Baseline, target, actual, achievement and status of one indicator for ``period``.

    ``control``: the public's disclosure control of computed figures (the cell key method); a
    withheld figure is not reported and the row says ``suppressed``.
    """
    actuals = _series(session, indicator, "actual", approved_only=True)
    suppressed = False
    if indicator.computed:
        live = computed.evaluate(session, indicator.computed, control=control)[NATIONAL]
        year = str((today or date.today()).year)
        actuals = [p for p in actuals if p.period.code != year]
        suppressed = bool(live.get("suppressed"))
        if not suppressed:
            actuals.append(
                _Point(parse_period(year), live["value"], live["numerator"], live["denominator"])
            )
    targets = _series(session, indicator, "target", approved_only=True)
    baselines = _series(session, indicator, "baseline", approved_only=True)
    at: Period | None
    if period:
        at = parse_period(period)
    else:
        candidates = [p.period for p in actuals] or [p.period for p in targets]
        at = max(candidates, key=lambda p: p.end) if candidates else None
    out: dict[str, Any] = indicator_dict(indicator) | {
        "period": at.code if at else period,
        "baseline": None,
        "baseline_period": None,
        "target": None,
        "target_period": None,
        "actual": None,
        "numerator": None,
        "denominator": None,
        "achievement": None,
        "expected": None,
        "status": "not_reported",
        "suppressed": suppressed,
    }
    if at is None:
        return out
    actual = next((p for p in actuals if p.period.code == at.code), None)
    target = next((p for p in targets if p.period.code == at.code), None) or next(
        (p for p in targets if p.period.end >= at.end), None
    )
    if target is None and targets:
        target = targets[-1]
    baseline_candidates = [p for p in baselines if p.period.end <= at.end] or baselines
    baseline = baseline_candidates[-1] if baseline_candidates else None
    out.update(
        baseline=baseline.value if baseline else None,
        baseline_period=baseline.period.code if baseline else None,
        target=target.value if target else None,
        target_period=target.period.code if target else None,
    )
    if actual is None or actual.value is None:
        return out
    out.update(actual=actual.value, numerator=actual.numerator, denominator=actual.denominator)
    if target is None or target.value is None:
        out["status"] = "no_target"
        return out
    achieved = achievement(
        actual.value, target.value, baseline.value if baseline else None, indicator.direction
    )
    expected = expected_share(at, baseline.period if baseline else None, target.period)
    out.update(
        achievement=achieved,
        expected=expected,
        status=classify(achieved, expected, indicator.thresholds),
    )
    return out


def status_panel(
    session: Session,
    period: str | None = None,
    objective: str | None = None,
    control: Perturbation | None = None,
) -> list[dict[str, Any]]:
    ensure_defaults(session)
    if period:
        parse_period_or_fail(period)
    rows = []
    for indicator in session.scalars(select(Indicator).order_by(Indicator.id)):
        if objective and (indicator.objective is None or indicator.objective.code != objective):
            continue
        rows.append(indicator_status(session, indicator, period, control=control))
    return rows


def parse_period_or_fail(code: str) -> Period:
    try:
        return parse_period(code)
    except ValueError as exc:
        raise MonitoringError(N_("period: %(reason)s"), reason=exc) from None


# --- writing -----------------------------------------------------------------------------------


def is_locked(session: Session, period: str) -> bool:
    return session.scalar(select(PeriodLock.id).where(PeriodLock.period == period)) is not None


def lock_period(session: Session, period: str, user: str | None) -> None:
    code = parse_period_or_fail(period).code
    if not is_locked(session, code):
        session.add(PeriodLock(period=code, locked_by=user))
        session.flush()


def unlock_period(session: Session, period: str) -> None:
    code = parse_period_or_fail(period).code
    lock = session.scalars(select(PeriodLock).where(PeriodLock.period == code)).one_or_none()
    if lock is not None:
        session.delete(lock)
        session.flush()


def _number(name: str, value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MonitoringError(
            N_("%(field)s: %(value)r is not a number"), field=Term(name), value=value
        ) from None
    if math.isnan(number) or math.isinf(number):
        raise MonitoringError(
            N_("%(field)s: %(value)r is not a finite number"), field=Term(name), value=value
        )
    return number


def enter_value(
    session: Session,
    code: str,
    period: str,
    kind: str,
    *,
    value: Any = None,
    numerator: Any = None,
    denominator: Any = None,
    territory: str = NATIONAL,
    disaggregation: str = "",
    comment: str | None = None,
    evidence: str | None = None,
    user: str | None = None,
) -> IndicatorValue:
    """Enter (or re-enter) one value as a draft. A locked period refuses any change."""
    indicator = get_indicator(session, code)
    parsed = parse_period_or_fail(period)
    if kind not in KINDS:
        raise MonitoringError(
            N_("kind: %(value)r is not one of %(choices)s"), value=kind, choices=", ".join(KINDS)
        )
    territory = (territory or NATIONAL).strip()
    if territory != NATIONAL and not territory.startswith(("region:", "comuna:")):
        raise MonitoringError(
            N_("territory: %(value)r (use CL, region:<code> or comuna:<code>)"), value=territory
        )
    if is_locked(session, parsed.code):
        raise MonitoringError(N_("period: %(period)s is locked"), period=parsed.code)
    number = _number(N_("value"), value)
    num = _number(N_("numerator"), numerator)
    den = _number(N_("denominator"), denominator)
    if indicator.measure == "percent" and kind == "actual" and (num is not None or den is not None):
        if num is None or den is None:
            raise MonitoringError(N_("numerator and denominator: give both for a percent"))
        if den <= 0:
            raise MonitoringError(N_("denominator: %(value)s must be positive"), value=den)
        number = num / den
    if number is None:
        raise MonitoringError(N_("value: missing"))
    row = session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.period == parsed.code,
            IndicatorValue.territory == territory,
            IndicatorValue.disaggregation == (disaggregation or "").strip(),
            IndicatorValue.kind == kind,
        )
    ).one_or_none()
    if row is None:
        row = IndicatorValue(
            indicator_id=indicator.id,
            period=parsed.code,
            territory=territory,
            disaggregation=(disaggregation or "").strip(),
            kind=kind,
        )
        session.add(row)
    row.value, row.numerator, row.denominator = number, num, den
    row.comment, row.evidence = comment or None, evidence or None
    row.status, row.entered_by, row.entered_at = "draft", user, utcnow()
    row.reviewed_by, row.reviewed_at, row.provenance = None, None, None
    session.flush()
    return row


_TRANSITIONS = {
    "submit": ({"draft", "returned"}, "submitted"),
    "approve": ({"submitted"}, "approved"),
    "return": ({"submitted", "approved"}, "returned"),
}


def transition(
    session: Session, value_id: int, action: str, user: str | None, comment: str | None = None
) -> IndicatorValue:
    """draft → submitted → approved, or back to returned (with a comment)."""
    if action not in _TRANSITIONS:
        raise MonitoringError(
            N_("action: %(value)r is not one of %(choices)s"),
            value=action,
            choices=", ".join(_TRANSITIONS),
        )
    row = session.get(IndicatorValue, value_id)
    if row is None:
        raise MonitoringError(N_("value %(id)s does not exist"), id=value_id)
    if is_locked(session, row.period):
        raise MonitoringError(N_("period: %(period)s is locked"), period=row.period)
    sources, target = _TRANSITIONS[action]
    if row.status not in sources:
        raise MonitoringError(
            N_("value %(id)s is %(status)s: cannot %(action)s"),
            id=value_id,
            status=row.status,
            action=action,
        )
    row.status = target
    if action in ("approve", "return"):
        row.reviewed_by, row.reviewed_at = user, utcnow()
    if comment:
        row.comment = comment
    session.flush()
    return row


CSV_COLUMNS = ("indicator", "period", "kind", "value", "numerator", "denominator",
               "territory", "disaggregation", "comment", "evidence")  # fmt: skip


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of ``reader`` with the file line each starts on; a malformed CSV stops with the
    line where the reader gave up."""
    start = reader.line_num + 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise MonitoringError(
                N_("line %(line)s: not a readable CSV file (a stray quote or line break)"),
                line=reader.line_num,
            ) from None
        yield start, raw
        start = reader.line_num + 1


def import_values(session: Session, text: str, user: str | None) -> dict[str, Any]:
    """Import values from CSV (columns ``CSV_COLUMNS``; ``indicator``, ``period``, ``kind``
    required). All or nothing: any bad row and nothing is written; errors name line, column,
    value and reason."""
    ensure_defaults(session)
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    # newline="": the csv module reads \r, \n and \r\n itself (and quoted line breaks).
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
    except csv.Error:
        raise MonitoringError(
            N_("line %(line)s: not a readable CSV file (a stray quote or line break)"), line=1
        ) from None
    missing = [c for c in ("indicator", "period", "kind") if c not in header]
    if missing:
        raise MonitoringError(
            N_("line 1: missing column(s) %(columns)s"), columns=", ".join(missing)
        )
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise MonitoringError(
            N_("line 1: unknown column(s) %(columns)s"), columns=", ".join(unknown)
        )
    reader.fieldnames = header
    errors: list[dict[str, Any]] = []
    written = 0
    with session.begin_nested() as savepoint:
        for line, raw in _rows(reader):
            row = {k: (v or "").strip() for k, v in raw.items() if k}
            try:
                enter_value(
                    session,
                    row["indicator"],
                    row["period"],
                    row["kind"],
                    value=row.get("value"),
                    numerator=row.get("numerator"),
                    denominator=row.get("denominator"),
                    territory=row.get("territory") or NATIONAL,
                    disaggregation=row.get("disaggregation", ""),
                    comment=row.get("comment"),
                    evidence=row.get("evidence"),
                    user=user,
                )
                written += 1
            except MonitoringError as exc:
                message = str(exc)
                column = message.split(":", 1)[0].split(" ")[0]
                column = column if column in CSV_COLUMNS else "indicator"
                errors.append(
                    {"line": line, "column": column, "value": row.get(column), "reason": message}
                )
        if errors:
            savepoint.rollback()
            written = 0
    return {"written": written, "errors": errors}


# --- series ------------------------------------------------------------------------------------


def deflators(session: Session, series: str) -> dict[str, float]:
    rows = session.scalars(select(Deflator).where(Deflator.series == series))
    return {r.period: r.value for r in rows}


def set_deflator(session: Session, series: str, period: str, value: float) -> None:
    code = parse_period_or_fail(period).code
    row = session.scalars(
        select(Deflator).where(Deflator.series == series, Deflator.period == code)
    ).one_or_none()
    if row is None:
        session.add(Deflator(series=series, period=code, value=value))
    else:
        row.value = value
    session.flush()


def series_summary(
    session: Session, code: str, deflator: str | None = None, base: str | None = None
) -> dict[str, Any]:
    """Approved actuals of an indicator with growth, CAGR and, with a deflator, real terms
    (in prices of ``base``, default the last period)."""
    indicator = get_indicator(session, code)
    points = [p for p in _series(session, indicator, "actual", approved_only=True) if p.value]
    out: dict[str, Any] = {
        "indicator": code,
        "points": [{"period": p.period.code, "value": p.value} for p in points],
        "growth": None,
        "cagr": None,
        "real": None,
    }
    if len(points) < 2:
        return out
    first, last = points[0], points[-1]
    assert first.value is not None and last.value is not None
    years = last.period.start - first.period.start
    out.update(growth=growth(first.value, last.value), cagr=cagr(first.value, last.value, years))
    if deflator:
        index = deflators(session, deflator)
        base_code = base or last.period.code
        if base_code not in index or any(p.period.code not in index for p in points):
            raise MonitoringError(
                N_("deflator %(deflator)r lacks a period of this series"), deflator=deflator
            )
        real = [(p.value or 0) * index[base_code] / index[p.period.code] for p in points]
        out["real"] = {
            "deflator": deflator,
            "base": base_code,
            "points": [
                {"period": p.period.code, "value": v} for p, v in zip(points, real, strict=True)
            ],
            "growth": growth(real[0], real[-1]),
            "cagr": cagr(real[0], real[-1], years),
        }
    return out
