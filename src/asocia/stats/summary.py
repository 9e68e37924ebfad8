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
the rebuild and every later one reads the cubes; imports call :func:`warm` when they finish.
The tables can be emptied at any time: they are rebuilt on demand.

The rebuild (:func:`refresh`) is set-based, in the database, with no loop over cooperatives:
three ``INSERT … SELECT … GROUP BY`` passes over one narrow row per cooperative whose text
dimensions are packed into integers (:class:`PackedKeys`; on SQLite a temporary copy of the
registry, on PostgreSQL a subquery merged into each parallel scan) — one *stage* from which
five cubes of both populations are summed, and the two cubes too fine to share it.
(One ``GROUPING SETS`` scan on PostgreSQL was tried: slower than parallel scans.)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    case,
    cast,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from asocia.db.models import Cooperative
from asocia.db.models.stats import CUBE_TABLES, stats_summary_state
from asocia.db.session import Database
from asocia.stats import concentration as conc
from asocia.stats.definitions import Definitions
from asocia.stats.dimensions import (
    MEASURE_INPUTS,
    MEASURES,
    StatsContext,
    dimension,
    sales_clp,
)
from asocia.stats.engine import Filters, Grouped, matches_any, split_row
from asocia.stats.packed import FILTER_DIMENSIONS as FILTER_DIMENSIONS
from asocia.stats.packed import PACKED, PackedKeys


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


def registry_state(executor: Any) -> list[Any]:
    """Row count, highest id and latest update of the registry, read by ``executor`` (a
    session or a connection)."""
    table = Cooperative.__table__
    row = executor.execute(
        select(func.count(), func.max(table.c.id), func.max(table.c.updated_at))
    ).one()
    return [row[0], row[1], str(row[2])]


def fingerprint(session: Session, context: StatsContext, definitions: Definitions) -> str:
    """A string that changes whenever the registry or the summary's parameters change."""
    params = {
        "registry": registry_state(session),
        "uf_clp": context.uf_clp,
        "as_of": context.as_of.isoformat(),
        "populations": {
            k: [p.legal_status, p.activity] for k, p in sorted(definitions.populations.items())
        },
        "cubes": [[c.name, c.population, c.extra] for c in CUBES],
    }
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def _work_table(definitions: Definitions, keys: PackedKeys) -> Table:
    """A temporary table of one narrow row per cooperative: the text dimensions packed into
    integer keys (:class:`PackedKeys`), every other cube dimension, a flag per population, and
    the columns measures read. The stages are grouped from it, so the wide registry table is
    scanned once per rebuild instead of once per cube."""
    columns: list[Column[Any]] = [Column(name, Integer) for name in PACKED]
    columns += [
        Column(d, Integer if dimension(d).numeric else String(40)) for d in _plain_dimensions(keys)
    ]
    columns += [Column(f"in_{key}", Integer) for key in definitions.populations]
    registry = Cooperative.__table__.c
    columns += [Column(name, registry[name].type) for name in MEASURE_INPUTS]
    return Table("stats_work", MetaData(), *columns, prefixes=["TEMPORARY"])


def _plain_dimensions(packed: PackedKeys) -> list[str]:
    """Cube dimensions kept as their own columns of the work table (not packed)."""
    dims: list[str] = []
    for cube in CUBES:
        dims.extend(d for d in cube.dimensions if d not in packed.key_of and d not in dims)
    return dims


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


@dataclass(frozen=True)
class Stage:
    """An intermediate grouping of the registry by the dimensions of several cubes at once.

    A rebuild groups the registry (or SQLite's work table) once per stage, into a temporary
    table of tens of thousands of rows, and sums each of the stage's cubes from it: because
    the measures are additive (or maxima), a cube summed from the stage holds the same figures
    as one grouped from the registry, for a fraction of the work. A stage may serve cubes of
    several populations: it holds the cooperatives of any of them with a flag per population,
    and a dimension only some of them need is NULL in the others' rows (so that, e.g., the
    sizes of the cooperatives in force do not split the groups of the dissolved ones).
    """

    name: str
    cubes: tuple[str, ...]

    def populations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.population for c in CUBES if c.name in self.cubes))

    def dimensions(self) -> tuple[str, ...]:
        dims: list[str] = list(FILTER_DIMENSIONS)
        for cube in CUBES:
            if cube.name in self.cubes:
                dims.extend(d for d in cube.extra if d not in dims)
        return tuple(dims)

    def needed(self, d: str) -> tuple[str, ...]:
        """The populations whose cubes in this stage have dimension ``d``."""
        return tuple(
            dict.fromkeys(c.population for c in CUBES if c.name in self.cubes and d in c.dimensions)
        )


# One stage: the cubes of cooperatives in force by sizes, sector and age, and of all registered
# ones by status and year of dissolution (NULL for nearly all in force), grouped in one pass
# (once two stages, one per population). The cubes by year of constitution and by sales bin
# (a hundred years, hundreds of bins, per group of filters) gain nothing from a stage and are
# grouped directly: a stage holding them with the others would be nearly as large as the
# registry.
STAGES: tuple[Stage, ...] = (Stage("all", ("main", "sector", "age", "status", "dissolved")),)


def _stage_table(stage: Stage) -> Table:
    dims = stage.dimensions()
    columns: list[Column[Any]] = [
        Column(d, Integer if dimension(d).numeric else String(40)) for d in dims
    ]
    columns += [Column(f"in_{p}", Integer) for p in stage.populations()]
    columns += [Column(m, column.type) for m, column in _measure_columns().items()]
    # Cooperatives with a record key, to find those without one (see ``refresh``).
    columns.append(Column("keyed", BigInteger))
    return Table(f"stats_stage_{stage.name}", MetaData(), *columns, prefixes=["TEMPORARY"])


def _measure_columns() -> dict[str, Column[Any]]:
    table = TABLES[CUBES[0].name]
    return {m: table.c[m] for m in MEASURES}


def _drop_temporary(connection: Any, name: str) -> None:
    connection.execute(text(f"DROP TABLE IF EXISTS {name}"))


def refresh(session: Session, context: StatsContext, definitions: Definitions) -> int:
    """Rebuild every cube from the ``cooperatives`` table; returns the cooperatives counted.

    Set-based, in the database: the registry is grouped once per :data:`STAGES` entry (and
    once for each cube no stage holds), and the stages' cubes are summed from those
    few-thousand-row stages. Takes the summary's lock first (an UPDATE of the state row), so
    that concurrent refreshes run one after the other.
    """
    ensure_state(session)
    session.execute(update(state_table).where(state_table.c.id == 1).values(fingerprint=None))
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Room to hash the stages' groups in memory instead of sorting them on disk. No JIT:
        # the groupings' estimated cost makes PostgreSQL compile their expressions, which took
        # 3 s of each 6 s grouping at 1M cooperatives, longer than it saved.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))
    packed = PackedKeys(session)
    unkeyed = _build(connection, context, definitions, packed)
    # Cooperatives a bulk write left without a record key: give them one and start again (the
    # stages counted them, so no separate scan of the registry looks for them).
    if unkeyed:
        ensure_record_keys(session)
        return refresh(session, context, definitions)
    count = session.execute(
        select(func.coalesce(func.sum(TABLES["status"].c.cooperatives), 0))
    ).scalar_one()
    session.execute(
        update(state_table)
        .where(state_table.c.id == 1)
        .values(fingerprint=fingerprint(session, context, definitions), cooperatives=int(count))
    )
    return int(count)


def _build(
    connection: Any, context: StatsContext, definitions: Definitions, packed: PackedKeys
) -> int:
    """Group the registry into the cubes, written into the cube tables (emptied first).
    Returns how many cooperatives have no record key (nothing written then)."""
    # The groupings read one narrow row per cooperative whose text dimensions are packed into
    # integers (:func:`_work_rows`): SQLite copies them once into a temporary table (it scans
    # the wide registry slowly, in one thread); PostgreSQL reads them as a subquery that it
    # merges into each grouping, scanning the registry in parallel.
    work: Any
    if connection.dialect.name == "sqlite":
        _ensure_sqlite_math(connection)
        work = _fill_work_table(connection, context, definitions, packed)
    else:
        work = _work_rows(context, definitions, packed).subquery("stats_work")

    def grouped_rows(
        dims: Sequence[str],
        populations: Sequence[str],
        needed: Callable[[str], Sequence[str]] | None = None,
        *,
        stage: bool = False,
    ) -> Any:
        """The cooperatives of any of ``populations`` grouped by ``dims`` (each NULL outside
        the populations ``needed`` lists for it); for a stage, with a flag per population and
        the count of those with a record key."""
        source: Any = work.c
        measures = [_per_cooperative(k, source).label(k) for k in MEASURES]
        if stage:
            measures.append(func.count(source.cell_key).label("keyed"))

        def only_in(pops: set[str], value: ColumnElement[Any]) -> ColumnElement[Any]:
            if needed is None or pops >= set(populations):
                return value
            return case((or_(*[inside[p] for p in populations if p in pops]), value), else_=null())

        inside = {p: work.c[f"in_{p}"] == 1 for p in populations}
        codes: list[ColumnElement[Any]] = []
        shown: dict[str, Any] = {}
        for grouping in packed.groups(work, dims):
            group = only_in(
                {p for d in grouping.held for p in (needed(d) if needed else ())}, grouping.value
            )
            codes.append(group)
            shown.update((d, packed.decode(group, grouping.is_key, d)) for d in grouping.held)
        for d in dims:
            if d not in packed.key_of:
                codes.append(only_in(set(needed(d) or ()) if needed else set(), work.c[d]))
                shown[d] = codes[-1]
        stage_flags: list[Any] = [work.c[f"in_{p}"] for p in populations] if stage else []
        query = select(*[shown[d].label(d) for d in dims], *stage_flags, *measures)
        return query.where(or_(*inside.values())).group_by(*codes, *stage_flags)

    staged: dict[str, Table] = {}
    for stage in STAGES:
        table = _stage_table(stage)
        _drop_temporary(connection, table.name)
        table.create(connection)
        grouped = grouped_rows(stage.dimensions(), stage.populations(), stage.needed, stage=True)
        connection.execute(insert(table).from_select([c.name for c in table.columns], grouped))
        staged.update((name, table) for name in stage.cubes)
    temporary = {t.name for t in staged.values()} | (
        {work.name} if isinstance(work, Table) else set()
    )
    unkeyed = sum(
        connection.execute(
            select(func.coalesce(func.sum(t.c.cooperatives - t.c.keyed), 0))
        ).scalar_one()
        for t in set(staged.values())
    )
    if unkeyed:
        for name in temporary:
            _drop_temporary(connection, name)
        return int(unkeyed)
    for cube in CUBES:
        stage_table = staged.get(cube.name)
        if stage_table is None:
            query = grouped_rows(cube.dimensions, [cube.population])
        else:
            keys = [stage_table.c[d] for d in cube.dimensions]
            query = (
                select(
                    *keys,
                    *[
                        (func.max if m.combine == "max" else func.sum)(stage_table.c[k]).label(k)
                        for k, m in MEASURES.items()
                    ],
                )
                .where(stage_table.c[f"in_{cube.population}"] == 1)
                .group_by(*keys)
            )
        target = TABLES[cube.name]
        connection.execute(delete(target))
        connection.execute(insert(target).from_select([*cube.dimensions, *MEASURES], query))
    for name in temporary:
        _drop_temporary(connection, name)
    return 0


def _per_cooperative(key: str, source: Any) -> ColumnElement[Any]:
    """Measure ``key`` over cooperatives' rows. The workers are the sum of the employees' and
    worker members' sums (each NULL as 0): the same integer as the sum of each cooperative's
    workers, without adding them up row by row."""
    if key == "workers":
        return func.coalesce(func.sum(source.employees), 0) + func.coalesce(
            func.sum(source.worker_members), 0
        )
    return MEASURES[key].expression(source)


def _work_rows(
    context: StatsContext,
    definitions: Definitions,
    packed: PackedKeys,
) -> Any:
    """One narrow row per cooperative: packed keys, the other dimensions, a flag per
    population and the columns measures read."""
    registry = Cooperative.__table__.c
    flags = [
        case((population.condition(), 1), else_=0).label(f"in_{key}")
        for key, population in definitions.populations.items()
    ]
    return select(
        *[packed.encode(key, context) for key in PACKED],
        *[dimension(d).expression(context).label(d) for d in _plain_dimensions(packed)],
        *flags,
        *[_measure_input(name) for name in MEASURE_INPUTS],
    ).where(registry.merged_into_id.is_(None))


def _fill_work_table(
    connection: Any,
    context: StatsContext,
    definitions: Definitions,
    packed: PackedKeys,
) -> Table:
    """Create (again) and fill SQLite's work table."""
    work = _work_table(definitions, packed)
    _drop_temporary(connection, work.name)
    work.create(connection)
    rows = _work_rows(context, definitions, packed)
    connection.execute(insert(work).from_select([c.name for c in work.columns], rows))
    return work


def _measure_input(name: str) -> ColumnElement[Any]:
    """A column measures read, for the work table. Sales are stored already in pesos (amounts
    in another currency as NULL) with no currency: the sales measures, which read them four
    times per row and pass, then skip the currency test."""
    registry = Cooperative.__table__.c
    if name == "sales_amount":
        return sales_clp(registry).label(name)
    if name == "sales_currency":
        return cast(null(), String(3)).label(name)
    return registry[name]


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
