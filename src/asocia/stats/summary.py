"""The materialised summary: the registry's additive measures pre-grouped by the dimensions the
dashboard uses, so that a dashboard over a million cooperatives reads thousands of rows.

Each *cube* is a table ``stats_cube_<name>`` holding, for one population, the sums of every
measure of :mod:`asocia.stats.dimensions` grouped by the four filter dimensions of the
dashboard (region, rural class, legal class, ILO type) plus the dimensions its charts need.
Because the measures are additive, any coarser grouping is a ``SUM … GROUP BY`` over a cube:
the engine (:class:`asocia.stats.engine.StatsEngine`) runs the same query builder on a cube as
on the ``cooperatives`` table.

The cubes (tables declared in ``asocia.db.models.stats``, migration ``0004_stats``) are a
cache derived from the registry: ``stats_summary_state`` keeps a fingerprint of
the ``cooperatives`` table (row count, highest id, latest update) and of the parameters the
derived dimensions depend on (UF value, date of reference: ages are completed years).
:meth:`Summary.fresh` rebuilds the
cubes when the fingerprint changed, so the first statistics request after an import pays for
the rebuild (a few scans) and every later one reads the cubes; an import may also call
:func:`refresh` itself. The tables can be emptied at any time: they are rebuilt on demand.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from asocia.db.models import Cooperative
from asocia.db.models.stats import CUBE_TABLES, stats_summary_state
from asocia.db.session import Database
from asocia.stats import concentration as conc
from asocia.stats.definitions import Definitions
from asocia.stats.dimensions import MEASURE_INPUTS, MEASURES, StatsContext, dimension
from asocia.stats.engine import Filters, Grouped, matches_any, split_row

FILTER_DIMENSIONS = ("region", "rural_class", "legal_class", "ilo_type")


@dataclass(frozen=True)
class Cube:
    """One summary table: a population grouped by the filter dimensions plus ``extra``."""

    name: str
    population: str
    extra: tuple[str, ...]

    @property
    def dimensions(self) -> tuple[str, ...]:
        return (*FILTER_DIMENSIONS, *self.extra)

    def covers(self, dims: Sequence[str], population: str) -> bool:
        return population == self.population and set(dims) <= set(self.dimensions)


CUBES: tuple[Cube, ...] = (
    Cube("main", "current", ("size_members", "size_sales")),
    Cube("sector", "current", ("sector",)),
    Cube("age", "current", ("age",)),
    Cube("sales_bins", "current", ("sales_bin",)),
    Cube("status", "registered", ("legal_status",)),
    Cube("constituted", "registered", ("constitution_year",)),
    Cube("dissolved", "registered", ("dissolution_year",)),
)


TABLES: dict[str, Table] = CUBE_TABLES
state_table = stats_summary_state


def check_tables() -> None:
    """Fail loudly if the summary tables (asocia.db.models.stats) and the cubes disagree."""
    for cube in CUBES:
        columns = [c.name for c in TABLES[cube.name].columns]
        if columns != [*cube.dimensions, *MEASURES]:
            raise RuntimeError(f"stats_cube_{cube.name} does not match its cube definition")


def ensure_state(session: Session) -> None:
    """Create the summary's state row where missing (e.g. after the tables were emptied)."""
    if session.execute(select(state_table.c.id).where(state_table.c.id == 1)).first() is None:
        dialect = session.connection().dialect.name
        try:
            with session.begin_nested() if dialect == "postgresql" else _noop():
                session.execute(insert(state_table).values(id=1, fingerprint=None))
        except IntegrityError:  # another process created it meanwhile
            pass


class _noop:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def fingerprint(session: Session, context: StatsContext, definitions: Definitions) -> str:
    """A string that changes whenever the registry or the summary's parameters change."""
    table = Cooperative.__table__
    row = session.execute(
        select(func.count(), func.max(table.c.id), func.max(table.c.updated_at))
    ).one()
    params = {
        "registry": [row[0], row[1], str(row[2])],
        "uf_clp": context.uf_clp,
        "as_of": context.as_of.isoformat(),
        "populations": {
            k: [p.legal_status, p.activity] for k, p in sorted(definitions.populations.items())
        },
        "cubes": [[c.name, c.population, c.extra] for c in CUBES],
    }
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def _work_table(definitions: Definitions) -> tuple[Table, list[str]]:
    """A temporary table of one narrow row per cooperative: every cube dimension, a flag per
    population, and the columns measures read. The cubes are grouped from it, so the wide
    registry table is scanned once per rebuild instead of once per cube."""
    dims: list[str] = []
    for cube in CUBES:
        dims.extend(d for d in cube.dimensions if d not in dims)
    columns: list[Column[Any]] = [
        Column(d, Integer if dimension(d).numeric else String(40)) for d in dims
    ]
    columns += [Column(f"in_{key}", Integer) for key in definitions.populations]
    registry = Cooperative.__table__.c
    columns += [Column(name, registry[name].type) for name in MEASURE_INPUTS]
    table = Table("stats_work", MetaData(), *columns, prefixes=["TEMPORARY"])
    return table, dims


def _ensure_sqlite_math(connection: Any) -> None:
    """Provide ``log`` (base 10) and ``floor`` where SQLite was built without its math
    functions (the sales bins need them)."""
    try:
        connection.execute(text("SELECT log(100.0), floor(2.5)"))
    except OperationalError:
        raw = connection.connection.driver_connection
        raw.create_function("log", 1, _log10, deterministic=True)
        raw.create_function("floor", 1, _floor, deterministic=True)


def _log10(value: float | None) -> float | None:
    return math.log10(value) if value is not None and value > 0 else None


def _floor(value: float | None) -> int | None:
    return math.floor(value) if value is not None else None


def refresh(session: Session, context: StatsContext, definitions: Definitions) -> int:
    """Rebuild every cube from the ``cooperatives`` table; returns the cooperatives counted.

    Takes the summary's lock first (an UPDATE of the state row), so that concurrent refreshes
    run one after the other.
    """
    ensure_state(session)
    session.execute(update(state_table).where(state_table.c.id == 1).values(fingerprint=None))
    connection = session.connection()
    registry = Cooperative.__table__.c
    ensure_record_keys(session)
    # SQLite scans the wide registry table slowly and in one thread: copy the narrow derived
    # rows once into a temporary table and group every cube from it. PostgreSQL scans the
    # registry in parallel, faster than it fills a temporary table: it groups each cube directly.
    work: Table | None = None
    if connection.dialect.name == "sqlite":
        _ensure_sqlite_math(connection)
        work, dims = _work_table(definitions)
        connection.execute(text("DROP TABLE IF EXISTS stats_work"))
        work.create(connection)
        flags = [
            case((population.condition(), 1), else_=0).label(f"in_{key}")
            for key, population in definitions.populations.items()
        ]
        rows = select(
            *[dimension(d).expression(context).label(d) for d in dims],
            *flags,
            *[registry[name] for name in MEASURE_INPUTS],
        ).where(registry.merged_into_id.is_(None))
        session.execute(insert(work).from_select([c.name for c in work.columns], rows))
    for cube in CUBES:
        table = TABLES[cube.name]
        session.execute(delete(table))
        if work is not None:
            keys: list[Any] = [work.c[d] for d in cube.dimensions]
            source: Any = work.c
            where = work.c[f"in_{cube.population}"] == 1
        else:
            keys = [dimension(d).expression(context).label(d) for d in cube.dimensions]
            source = registry
            where = definitions.population(cube.population).condition()
        query = (
            select(*keys, *[m.expression(source).label(k) for k, m in MEASURES.items()])
            .where(where)
            .group_by(*keys)
        )
        session.execute(insert(table).from_select([*cube.dimensions, *MEASURES], query))
    if work is not None:
        connection.execute(text("DROP TABLE stats_work"))
    count = session.execute(
        select(func.coalesce(func.sum(TABLES["status"].c.cooperatives), 0))
    ).scalar_one()
    session.execute(
        update(state_table)
        .where(state_table.c.id == 1)
        .values(fingerprint=fingerprint(session, context, definitions), cooperatives=int(count))
    )
    return int(count)


RANDOM_KEY = {
    "sqlite": "abs(random()) % 2147483648",
    "postgresql": "floor(random() * 2147483648)::integer",
}


def ensure_record_keys(session: Session) -> int:
    """Give a record key (asocia.stats.cellkey) to every cooperative still without one, e.g.
    rows a bulk import wrote without going through the model. Returns how many."""
    dialect = session.connection().dialect.name
    expression = RANDOM_KEY.get(dialect, RANDOM_KEY["sqlite"])
    result = session.execute(
        text(f"UPDATE cooperatives SET cell_key = {expression} WHERE cell_key IS NULL")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def warm(database: Database, *, uf_clp: float) -> None:
    """Bring the summary up to date now, in its own transaction.

    Imports call this when they finish, so that the first dashboard visitor after a large
    import does not wait for the rebuild.
    """
    from asocia.stats.definitions import load_definitions

    with database.session() as session:
        Summary.fresh(session, StatsContext(uf_clp=uf_clp, as_of=date.today()), load_definitions())


class Summary:
    """Read access to fresh cubes for one session."""

    def __init__(self, session: Session, context: StatsContext) -> None:
        self.session = session
        self.context = context

    @classmethod
    def fresh(
        cls, session: Session, context: StatsContext, definitions: Definitions
    ) -> Summary | None:
        """The summary, rebuilt first if the registry changed; None when it cannot be used
        (another process holds the write lock of an SQLite database for too long)."""
        try:
            ensure_state(session)
            current = fingerprint(session, context, definitions)
            query = select(state_table.c.fingerprint).where(state_table.c.id == 1)
            # When stale: lock the state row (PostgreSQL waits here for a concurrent rebuild
            # and then sees its result), look again, and rebuild only if still needed. Fresh
            # summaries are read without any lock.
            if (
                session.execute(query).scalar_one_or_none() != current
                and session.execute(query.with_for_update()).scalar_one_or_none() != current
            ):
                refresh(session, context, definitions)
        except OperationalError:
            session.rollback()
            return None
        return cls(session, context)

    def cube_for(self, dims: Sequence[str], population: str) -> Cube | None:
        """The smallest cube holding ``dims`` for ``population``."""
        fitting = [c for c in CUBES if c.covers(dims, population) and c.name != "sales_bins"]
        if not fitting and "sales_bin" in dims:
            fitting = [c for c in CUBES if c.covers(dims, population)]
        return min(fitting, key=lambda c: len(c.dimensions), default=None)

    def grouped(
        self,
        dims: tuple[str, ...],
        measures: tuple[str, ...],
        filters: Filters,
        population: str,
    ) -> Grouped | None:
        cube = self.cube_for((*dims, *filters.dimensions), population)
        if cube is None:
            return None
        table = TABLES[cube.name]
        query = select(
            *[table.c[d] for d in dims],
            *[
                (func.max if MEASURES[m].combine == "max" else func.sum)(table.c[m])
                for m in measures
            ],
        )
        for key, values in filters.values:
            query = query.where(matches_any(table.c[key], values))
        if dims:
            query = query.group_by(*[table.c[d] for d in dims])
        rows = self.session.execute(query).all()
        if not dims and rows and rows[0][0] is None:
            rows = []
        return Grouped(dims, measures, [split_row(r, len(dims), measures) for r in rows])

    def sales_bins(self, filters: Filters, population: str) -> conc.Concentration | None:
        if not Cube("sales_bins", "current", ("sales_bin",)).covers(
            ("sales_bin", *filters.dimensions), population
        ):
            return None
        table = TABLES["sales_bins"]
        query = (
            select(
                table.c.sales_bin,
                func.sum(table.c.sales_reported),
                func.sum(table.c.sales),
                func.sum(table.c.sales_squares),
            )
            .where(table.c.sales_bin.is_not(None))
            .group_by(table.c.sales_bin)
            .order_by(table.c.sales_bin)
        )
        for key, values in filters.values:
            query = query.where(matches_any(table.c[key], values))
        rows = self.session.execute(query).all()
        bins = [(int(r[1] or 0), float(r[2] or 0.0)) for r in rows]
        squares = sum(float(r[3] or 0.0) for r in rows)
        return conc.from_bins(bins, squares)


check_tables()
