"""The summary's rebuild against a straightforward Python computation, on random registries.

Hypothesis draws small registries whose values are taken from short lists, so that groups
collide, and that reach every edge the cubes' dimensions have: NULL everywhere, band bounds
(19/20 members, sales equal to a Ley 20.416 bound), zero and negative sales, sales in another
currency, dates on and around the day of reference (completed years), stored size classes,
merged records, records without a key. Each cube is then computed in plain Python from the
rows as stored (after the rebuild gave missing record keys) and compared group by group with
what :func:`asocia.stats.summary.refresh` wrote, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.stats.definitions import load_definitions
from asocia.stats.dimensions import (
    AGE_BANDS,
    MEASURES,
    MEMBER_BANDS,
    SALES_BANDS_UF,
    SALES_BINS_PER_DECADE,
    StatsContext,
    younger_than_from,
)
from asocia.stats.summary import CUBES, TABLES, refresh

UF = 1000.0
TABLE = Cooperative.__table__

Row = dict[str, Any]


def _sales(row: Row) -> float | None:
    if row["sales_currency"] in (None, "CLP"):
        amount: float | None = row["sales_amount"]
        return amount
    return None


def _size_members(row: Row) -> str:
    members = row["members_total"]
    if members is None:
        return "unknown"
    return next((key for key, upper in MEMBER_BANDS if members < upper), "250_plus")


def _size_sales(row: Row) -> str:
    sales = _sales(row)
    if sales is None:
        stored = row["size_band"]
        return stored if stored in ("micro", "small", "medium", "large") else "unknown"
    return next((key for key, upper in SALES_BANDS_UF if sales <= upper * UF), "large")


def _age(row: Row, as_of: date) -> str:
    born: date | None = row["constituted_on"]
    if born is None:
        return "unknown"
    years = as_of.year - born.year - ((born.month, born.day) > (as_of.month, as_of.day))
    return next((key for key, upper in AGE_BANDS if years < upper), "50_plus")


def _sales_bin(row: Row) -> int | None:
    sales = _sales(row)
    if sales is None:
        return None
    if sales <= 0:
        return -1
    return math.floor(math.log10(sales) * SALES_BINS_PER_DECADE + 1e-9)


def _year(value: date | None) -> int | None:
    return None if value is None else value.year


def dimensions(as_of: date) -> dict[str, Callable[[Row], Any]]:
    return {
        "region": lambda r: r["region_code"],
        "rural_class": lambda r: r["rural_class"],
        "legal_class": lambda r: r["legal_class"],
        "ilo_type": lambda r: r["ilo_type"],
        "sector": lambda r: r["isic_section"],
        "legal_status": lambda r: r["legal_status"],
        "size_members": _size_members,
        "size_sales": _size_sales,
        "age": lambda r: _age(r, as_of),
        "sales_bin": _sales_bin,
        "constitution_year": lambda r: _year(r["constituted_on"]),
        "dissolution_year": lambda r: _year(r["dissolved_on"]),
    }


def _total(values: list[Any]) -> Any:
    """SQL's SUM: NULL when every value is NULL."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if all(isinstance(v, int) for v in present):
        return sum(present)
    return math.fsum(present)


def _largest(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def measures(rows: list[Row]) -> dict[str, Any]:
    def column(name: str) -> list[Any]:
        return [r[name] for r in rows]

    sales = [_sales(r) for r in rows]
    workers = [(r["employees"] or 0) + (r["worker_members"] or 0) for r in rows]
    out = {
        "cooperatives": len(rows),
        "sales": _total(sales),
        "sales_reported": sum(s is not None for s in sales),
        "sales_squares": _total([None if s is None else s * s for s in sales]),
        "sales_max": _largest(sales),
        "workers": sum(workers),
        "workers_max": max(workers),
        "members_reported": sum(r["members_total"] is not None for r in rows),
        "members": _total(column("members_total")),
        "members_max": _largest(column("members_total")),
        "record_keys": sum(r["cell_key"] or 0 for r in rows),
    }
    for name in ("members_women", "members_men", "employees", "worker_members"):
        out[name] = _total(column(name))
        out[f"{name}_max"] = _largest(column(name))
    assert set(out) == set(MEASURES)
    return out


def in_population(row: Row, population: str) -> bool:
    if row["merged_into_id"] is not None:
        return False
    if population == "registered":
        return True
    assert population == "current"
    return row["legal_status"] == "vigente" and row["activity"] in ("activa", None)


def expected_cubes(rows: list[Row], as_of: date) -> dict[str, dict[tuple[Any, ...], Any]]:
    dims = dimensions(as_of)
    out: dict[str, dict[tuple[Any, ...], Any]] = {}
    for cube in CUBES:
        groups: dict[tuple[Any, ...], list[Row]] = {}
        for row in rows:
            if in_population(row, cube.population):
                key = tuple(dims[d](row) for d in cube.dimensions)
                groups.setdefault(key, []).append(row)
        out[cube.name] = {key: measures(members) for key, members in groups.items()}
    return out


def close(expected: Any, found: Any) -> bool:
    if expected is None or found is None:
        return expected is found
    if isinstance(expected, int) and not isinstance(expected, bool):
        return bool(found == expected)
    return math.isclose(float(expected), float(found), rel_tol=1e-12)


AS_OF = (date(2026, 6, 30), date(2024, 2, 29), date(2026, 1, 1))
YEARS_AGO = (0, 1, 4, 5, 9, 10, 19, 20, 49, 50, 51, 80)


@st.composite
def a_date(draw: st.DrawFn, as_of: date) -> date | None:
    if draw(st.booleans()):
        return None
    years = draw(st.sampled_from(YEARS_AGO))
    day = draw(st.integers(-2, 2))  # around the day of reference: completed years or not
    base = date(as_of.year - years, as_of.month, 28 if as_of.day == 29 else as_of.day)
    if draw(st.booleans()):
        return base + timedelta(days=day)
    return date(as_of.year - years, draw(st.integers(1, 12)), draw(st.integers(1, 28)))


COUNTS = st.one_of(st.none(), st.sampled_from([0, 1, 7, 19, 20, 49, 50, 249, 250, 1200]))
SALES = st.one_of(
    st.none(),
    st.sampled_from(
        [0.0, -5.0, 1.0, 10.0, 999.5, 2400 * UF, 2400 * UF + 1, 25_000 * UF, 100_000 * UF]
    ),
    st.floats(1.0, 1e12, allow_nan=False),
)


@st.composite
def a_registry(draw: st.DrawFn) -> tuple[date, list[Row]]:
    as_of = draw(st.sampled_from(AS_OF))
    n = draw(st.integers(1, 40))
    rows: list[Row] = []
    for i in range(1, n + 1):
        rows.append(
            {
                "id": i,
                "legal_name": f"Cooperativa {i}",
                "name_key": f"cooperativa {i}",
                "region_code": draw(st.sampled_from([None, 1, 2, 13])),
                "rural_class": draw(st.sampled_from([None, "rural", "mixta", "urbana"])),
                "legal_class": draw(st.sampled_from([None, "agricola", "trabajo", "consumo"])),
                "ilo_type": draw(st.sampled_from([None, "producer", "worker"])),
                "isic_section": draw(st.sampled_from([None, "A", "G"])),
                "legal_status": draw(st.sampled_from([None, "vigente", "vigente", "disuelta"])),
                "activity": draw(st.sampled_from([None, "activa", "inactiva"])),
                "constituted_on": draw(a_date(as_of)),
                "dissolved_on": draw(a_date(as_of)),
                "members_total": draw(COUNTS),
                "members_women": draw(COUNTS),
                "members_men": draw(COUNTS),
                "employees": draw(COUNTS),
                "worker_members": draw(COUNTS),
                "sales_amount": draw(SALES),
                "sales_currency": draw(st.sampled_from([None, "CLP", "CLP", "USD"])),
                "size_band": draw(st.sampled_from([None, "micro", "large", "otro"])),
                "cell_key": draw(st.one_of(st.none(), st.integers(0, 2**31 - 1))),
                "merged_into_id": None,
            }
        )
    for row in rows[1:]:
        if draw(st.integers(0, 9)) == 0:
            row["merged_into_id"] = 1
    return as_of, rows


COLUMNS = [
    "id",
    "region_code",
    "rural_class",
    "legal_class",
    "ilo_type",
    "isic_section",
    "legal_status",
    "activity",
    "constituted_on",
    "dissolved_on",
    "members_total",
    "members_women",
    "members_men",
    "employees",
    "worker_members",
    "sales_amount",
    "sales_currency",
    "size_band",
    "cell_key",
    "merged_into_id",
]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(registry=a_registry())
def test_refresh_equals_a_python_computation(
    db: Database, registry: tuple[date, list[Row]]
) -> None:
    as_of, rows = registry
    with db.session() as session:
        session.execute(update(TABLE).values(merged_into_id=None))
        session.execute(delete(TABLE))
        unmerged = [{**r, "merged_into_id": None} for r in rows]
        session.execute(insert(TABLE), unmerged)
        for row in rows:
            if row["merged_into_id"] is not None:
                session.execute(
                    update(TABLE).where(TABLE.c.id == row["id"]).values(merged_into_id=1)
                )
    with db.session() as session:
        refresh(session, StatsContext(uf_clp=UF, as_of=as_of), load_definitions())
    with db.session() as session:
        stored_rows = [
            dict(r._mapping)
            for r in session.execute(select(*[TABLE.c[c] for c in COLUMNS]).order_by(TABLE.c.id))
        ]
        found = {
            cube.name: {
                tuple(r[: len(cube.dimensions)]): dict(
                    zip(MEASURES, r[len(cube.dimensions) :], strict=True)
                )
                for r in session.execute(select(TABLES[cube.name])).all()
            }
            for cube in CUBES
        }
    # Every cooperative counted has a record key (merged records count nowhere: theirs may
    # stay missing, as before).
    assert all(r["cell_key"] is not None for r in stored_rows if r["merged_into_id"] is None)
    expected = expected_cubes(stored_rows, as_of)
    for cube in CUBES:
        assert set(found[cube.name]) == set(expected[cube.name]), cube.name
        for key, figures in expected[cube.name].items():
            wrong = {
                m: (v, found[cube.name][key][m])
                for m, v in figures.items()
                if not close(v, found[cube.name][key][m])
            }
            assert wrong == {}, (cube.name, key, wrong)


@given(
    born=st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    as_of=st.dates(date(1960, 1, 1), date(2100, 12, 31)),
    years=st.sampled_from([upper for _key, upper in AGE_BANDS]),
)
def test_age_bounds_are_completed_years(born: date, as_of: date, years: int) -> None:
    """The age bands compare the date of constitution with one bound per band: the same as
    counting completed years (29 February included)."""
    completed = as_of.year - born.year - ((born.month, born.day) > (as_of.month, as_of.day))
    assert (born >= younger_than_from(as_of, years)) == (completed < years)
