"""Computed indicators: a definition (data, in ``indicators.yaml`` or the indicator row) over
the observatory's own tables, evaluated live, so that the figure follows the registry.

A definition is a dict::

    from: cooperatives            # a table of the observatory (see SOURCES)
    count: true                   # count rows ...
    count_distinct: cooperative_id  # ... or distinct values ...
    sum: members_total            # ... or sum a column ...
    numerator: [members_women]    # ... or a percent: sum(numerator) / sum(denominator)
    denominator: [members_women, members_men]
    share_where: {last_verified_on: {within_days: 365}}  # ... or the share of rows meeting it
    where: {legal_status: [vigente]}  # a list: one of; {within_days: N}: a date that recent
    by: region_code               # optional: also per region (territory "region:<code>")

Only the tables and columns listed in ``SOURCES`` may be named, so a definition can never
reach personal data.

Two more sources are not tables but the observatory's own computations, so that nothing is
copied:

    from: diagnosis_lights        # latest submitted diagnosis of each cooperative (its lights)
    category: gobernanza          # the share of diagnosed co-ops with this light in it
    light: green

    from: programme_coverage      # asocia.programmes.coverage.coverage
    measure: reached              # co-ops reached by any instrument ... or
    measure: targeting_gap        # co-ops with a red light no instrument answered
    category: gobernanza          # optional (targeting_gap): one category; else any
    years: 5                      # the window of uptake years

With ``control`` (the public: anyone without full statistics), figures go through the
statistics' disclosure control, the cell key method (:mod:`asocia.stats.cellkey`), exactly as
the dashboard's: a count of cooperatives is perturbed by the key sum of the cooperatives it
counts, a sum (members) by the magnitude rule, and a figure below ``k`` is withheld (value
``None``, ``suppressed: True``). So the progress page cannot be subtracted from the dashboard to
recover a small group. Analysts see exact figures.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, case, func, literal, select
from sqlalchemy.orm import Session

from asocia.db.models.diagnosis import Diagnosis
from asocia.db.models.registry import Cooperative
from asocia.i18n import N_, MessageError
from asocia.stats.cellkey import KEY_MODULUS, Perturbation

SOURCES: dict[str, tuple[Table, frozenset[str]]] = {
    "cooperatives": (
        Cooperative.__table__,  # type: ignore[dict-item]
        frozenset(
            {
                "region_code", "comuna_code", "legal_status", "legal_class", "ilo_type",
                "rural_class", "activity", "members_total", "members_women", "members_men",
                "employees", "worker_members", "size_band", "last_verified_on",
            }
        ),
    ),
    "diagnoses": (
        Diagnosis.__table__,  # type: ignore[dict-item]
        frozenset({"cooperative_id", "status", "instrument_id"}),
    ),
}  # fmt: skip


DERIVED = ("diagnosis_lights", "programme_coverage")


class ComputedError(MessageError):
    """A computed definition names something it may not."""

    domain = "monitoring"


def _column(table: Table, allowed: frozenset[str], name: str) -> Any:
    if name not in allowed:
        raise ComputedError(
            N_("column %(column)r may not be used in a computed indicator"), column=name
        )
    return table.c[name]


def _conditions(
    table: Table, allowed: frozenset[str], where: dict[str, Any], today: date
) -> list[ColumnElement[bool]]:
    """``{column: [values]}`` (one of) or ``{column: {"within_days": N}}`` (a recent date)."""
    conditions: list[ColumnElement[bool]] = []
    for name, accepted in where.items():
        column = _column(table, allowed, name)
        if isinstance(accepted, dict) and "within_days" in accepted:
            since = today - timedelta(days=int(accepted["within_days"]))
            conditions.append(column >= since)
        else:
            values = accepted if isinstance(accepted, list) else [accepted]
            conditions.append(column.in_(values))
    return conditions


def _point(
    value: float | None, numerator: float | None = None, den: float | None = None
) -> dict[str, Any]:
    return {"value": value, "numerator": numerator, "denominator": den}


def _diagnosis_lights(session: Session, definition: dict[str, Any]) -> dict[str, Any]:
    """Share of diagnosed cooperatives whose latest diagnosis has ``light`` in ``category``."""
    from asocia.programmes.recommend import diagnosis_lights

    category, light = definition.get("category"), definition.get("light", "green")
    if not category:
        raise ComputedError(N_("from: diagnosis_lights needs a category"))
    coops = session.execute(
        select(Diagnosis.cooperative_id, Cooperative.cell_key)
        .join(Cooperative, Cooperative.id == Diagnosis.cooperative_id)
        .where(Diagnosis.status == "submitted", Cooperative.merged_into_id.is_(None))
        .distinct()
    ).all()
    found = [(diagnosis_lights(session, cid).get(category), int(k or 0)) for cid, k in coops]
    den = sum(1 for f, _ in found if f is not None)
    num = sum(1 for f, _ in found if f == light)
    point = _point(num / den if den else None, float(num), float(den))
    # as a share_where: the keys of the diagnosed, then of those with the light
    point["_keys"] = sum(k for f, k in found if f is not None) % KEY_MODULUS
    point["_extra"] = [sum(k for f, k in found if f == light) % KEY_MODULUS]
    return point


def _programme_coverage(
    session: Session, definition: dict[str, Any], control: Perturbation | None = None
) -> dict[str, Any]:
    """Co-ops reached, or the targeting gap, from the programmes' coverage computation (which
    applies the disclosure control itself)."""
    from asocia.programmes.coverage import DEFAULT_YEARS, coverage

    measure = definition.get("measure")
    if measure not in ("reached", "targeting_gap"):
        raise ComputedError(
            N_("measure: %(value)r is not one of reached, targeting_gap"), value=measure
        )
    years = int(definition.get("years") or DEFAULT_YEARS)
    result = coverage(session, years=years, with_lights=measure == "targeting_gap", control=control)

    def figure(value: Any) -> dict[str, Any]:
        if value is None:
            return _point(None) | {"suppressed": True}
        return _point(float(value))

    if measure == "reached":
        return figure(result["total"]["reached"])
    category = definition.get("category")
    if category:
        gap = next((g for g in result["targeting_gap"] if g["category"] == category), None)
        if gap is None:
            raise ComputedError(
                N_("category: %(category)r has no targeting rule"), category=category
            )
        return figure(gap["count"])
    return figure(result["targeting_gap_total"]["count"])


def _protect(point: dict[str, Any], definition: dict[str, Any], control: Perturbation) -> Any:
    """The public figure of ``point`` (see the module's docstring); keys never leave here."""
    keys = point.pop("_keys", None)
    rows = point.pop("_rows", 0)
    extra = point.pop("_extra", [])
    if keys is None:
        # No record keys (a count of diagnoses, say): below k is withheld, the rest as is.
        counts = [point["numerator"], point["denominator"]]
        if point["denominator"] is None:
            counts = [point["value"]]
        if any(c is not None and int(c) < control.k for c in counts):
            return _point(None) | {"suppressed": True}
        return point
    if "share_where" in definition or definition.get("from") == "diagnosis_lights":
        num = control.shown_count(int(point["numerator"] or 0), int(extra[0] or 0))
        den = control.shown_count(int(point["denominator"] or 0), keys)
        value = num / den if num is not None and den else None
        shown = _point(value, num, den)
    elif point["denominator"] is not None:  # a percent of two sums (members, say)
        num_sum = control.sum(point["numerator"] or 0, rows, float(extra[0] or 0), keys, "num")
        den_sum = control.sum(point["denominator"] or 0, rows, float(extra[1] or 0), keys, "den")
        value = num_sum / den_sum if num_sum is not None and den_sum else None
        shown = _point(value, num_sum, den_sum)
    elif "sum" in definition:
        total = control.sum(point["value"] or 0, rows, float(extra[0] or 0), keys, "sum")
        shown = _point(None if total is None else float(total))
    else:
        count = control.shown_count(int(point["value"] or 0), keys)
        shown = _point(None if count is None else float(count))
    if shown["value"] is None:
        shown["suppressed"] = True
    return shown


def _exact(point: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in point.items() if not name.startswith("_")}


def evaluate(
    session: Session,
    definition: dict[str, Any],
    today: date | None = None,
    control: Perturbation | None = None,
) -> dict[str, dict[str, Any]]:
    """Values by territory (``CL`` and, with ``by``, ``region:<code>``).

    ``control``: the public's disclosure control (None: exact figures, for analysts).
    """
    source = definition.get("from")
    if source == "diagnosis_lights":
        point = _diagnosis_lights(session, definition)
        return {"CL": _protect(point, definition, control) if control else _exact(point)}
    if source == "programme_coverage":
        return {"CL": _programme_coverage(session, definition, control)}
    result = _evaluate_table(session, definition, today)
    if control is None:
        return {t: _exact(p) for t, p in result.items()}
    return {t: _protect(p, definition, control) for t, p in result.items()}


def _evaluate_table(
    session: Session, definition: dict[str, Any], today: date | None = None
) -> dict[str, dict[str, float | None]]:
    today = today or date.today()
    source = definition.get("from")
    if source not in SOURCES:
        raise ComputedError(
            N_("from: %(value)r is not one of %(choices)s"),
            value=source,
            choices=", ".join([*SOURCES, *DERIVED]),
        )
    table, allowed = SOURCES[source]
    conditions = _conditions(table, allowed, definition.get("where") or {}, today)
    if source == "cooperatives":
        conditions.append(table.c.merged_into_id.is_(None))
    percent = "numerator" in definition or "share_where" in definition
    if "share_where" in definition:
        # A share of rows: those meeting share_where among all rows meeting where.
        share = and_(*_conditions(table, allowed, definition["share_where"], today))
        measures: list[Any] = [func.sum(case((share, 1), else_=0)), func.count()]
    elif percent:
        num = sum(
            (func.coalesce(_column(table, allowed, c), 0) for c in definition["numerator"]),
            literal(0),
        )
        den_parts = definition["denominator"]
        den = sum((func.coalesce(_column(table, allowed, c), 0) for c in den_parts), literal(0))
        # Only rows that report every part of the denominator count.
        conditions.extend(_column(table, allowed, c).is_not(None) for c in den_parts)
        measures = [func.sum(num), func.sum(den)]
    elif "count_distinct" in definition:
        measures = [
            func.count(func.distinct(_column(table, allowed, definition["count_distinct"])))
        ]
    elif "sum" in definition:
        measures = [func.sum(_column(table, allowed, definition["sum"]))]
    else:
        measures = [func.count()]
    keyed = source == "cooperatives"
    if keyed:
        # What the cell key method needs: the key sums of the rows counted (and of those meeting
        # share_where), the number of rows and the largest contribution to each sum.
        key = func.coalesce(table.c.cell_key, 0)
        extra: list[Any] = [func.sum(key), func.count()]
        if "share_where" in definition:
            extra.append(func.sum(case((share, key), else_=0)))
        elif percent:
            extra += [func.max(num), func.max(den)]
        elif "sum" in definition:
            extra.append(func.max(_column(table, allowed, definition["sum"])))
        measures = [*measures, *extra]
    where = and_(*conditions) if conditions else literal(True)

    def row_values(row: Any) -> dict[str, Any]:
        if percent:
            n, d = float(row[0] or 0), float(row[1] or 0)
            point: dict[str, Any] = {
                "value": (n / d) if d else None,
                "numerator": n,
                "denominator": d,
            }
            rest = list(row[2:])
        else:
            point = {"value": float(row[0] or 0), "numerator": None, "denominator": None}
            rest = list(row[1:])
        if keyed:
            point["_keys"] = int(rest[0] or 0) % KEY_MODULUS
            point["_rows"] = int(rest[1] or 0)
            point["_extra"] = [r for r in rest[2:]]
        return point

    result = {"CL": row_values(session.execute(select(*measures).where(where)).one())}
    by = definition.get("by")
    if by:
        column = _column(table, allowed, by)
        query = select(column, *measures).where(where, column.is_not(None)).group_by(column)
        for row in session.execute(query):
            result[f"region:{row[0]}"] = row_values(row[1:])
    return result
