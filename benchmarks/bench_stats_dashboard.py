"""The whole statistics dashboard over a large synthetic registry, on SQLite and PostgreSQL,
against DuckDB computing the same aggregates on the same data.

    python benchmarks/bench_stats_dashboard.py                      # 1,000,000 co-ops, SQLite
    python benchmarks/bench_stats_dashboard.py --postgres postgresql://postgres@127.0.0.1/postgres
    python benchmarks/bench_stats_dashboard.py -n 200000 --keep /tmp/bench.db

"The whole dashboard" is what one ``/stats`` request computes: the headline figures, every
chart (15 distributions, the Lorenz curve) and the three cross-tabs, through
``asocia.stats.report.dashboard`` with disclosure control; three filtered dashboards follow.
Figures printed: loading time, the first (cold) dashboard, which builds the materialised
summary, and the warm dashboard (best and median of several runs). DuckDB computes the same
aggregates straight from the registry table (it has no summary), and the ratio of our warm time
to its time is printed. Nothing is asserted: this prints figures.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from asocia.db import Database
from asocia.db.migrate import upgrade
from asocia.db.models import Cooperative
from asocia.registry.synthetic import generate
from asocia.stats import report
from asocia.stats.engine import Filters, StatsEngine

UF_CLP = 39_000.0
COLUMNS = [
    c.name
    for c in Cooperative.__table__.columns
    if c.name not in ("extra", "merged_into_id", "cell_key")  # the record key: its default
]
BATCH = 20_000
FILTERED = [
    Filters.of({"region": [13]}),
    Filters.of({"rural_class": ["rural"], "ilo_type": ["producer"]}),
    Filters.of({"legal_class": ["agricola", "campesina"], "region": [7, 8, 16]}),
]


def records(n: int, seed: int) -> Any:
    now = datetime(2025, 6, 30, tzinfo=UTC)
    for i, record in enumerate(generate(n, seed, uf_clp=UF_CLP)):
        row = {k: record.get(k) for k in COLUMNS if k in record}
        row.update(
            id=i + 1,
            name_key=record["legal_name"].lower(),
            ilo_type_overridden=False,
            created_at=now,
            updated_at=now,
        )
        yield row


def load(db: Database, n: int, seed: int, csv_path: Path) -> float:
    """Insert ``n`` synthetic co-ops into ``db`` and write them to ``csv_path`` for DuckDB."""
    start = time.perf_counter()
    table = Cooperative.__table__
    fields = [*COLUMNS]
    with csv_path.open("w", newline="") as handle, db.engine.begin() as connection:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        batch: list[dict[str, Any]] = []
        for row in records(n, seed):
            writer.writerow(row)
            batch.append(row)
            if len(batch) >= BATCH:
                connection.execute(insert(table), batch)
                batch = []
        if batch:
            connection.execute(insert(table), batch)
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE cooperatives"))
    return time.perf_counter() - start


def whole_dashboard(db: Database, filters: Filters = Filters()) -> None:
    """One request's work: headline figures, every chart, the Lorenz curve, three cross-tabs."""
    with db.session() as session:
        engine = StatsEngine(session, uf_clp=UF_CLP, use_summary=True)
        report.dashboard(engine, filters, public=True, k=3)


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


DUCK_SALES = "CASE WHEN sales_currency IS NULL OR sales_currency = 'CLP' THEN sales_amount END"


def duckdb_queries() -> list[str]:
    """The same aggregates as the dashboard, from the registry table (no summary)."""
    current = "legal_status = 'vigente' AND (activity = 'activa' OR activity IS NULL)"
    registered = "TRUE"  # the benchmark registry has no merged records
    size_m = (
        "CASE WHEN members_total IS NULL THEN 'unknown' WHEN members_total < 20 THEN 'lt_20' "
        "WHEN members_total < 50 THEN '20_49' WHEN members_total < 250 THEN '50_249' "
        "ELSE '250_plus' END"
    )
    s = DUCK_SALES
    size_s = (
        f"CASE WHEN {s} IS NULL THEN 'unknown' WHEN {s} <= 2400*{UF_CLP} THEN 'micro' "
        f"WHEN {s} <= 25000*{UF_CLP} THEN 'small' WHEN {s} <= 100000*{UF_CLP} THEN 'medium' "
        "ELSE 'large' END"
    )
    measures = (
        "count(*), sum(members_total), sum(members_women), sum(members_men), "
        "count(members_total), sum(employees), sum(worker_members), "
        "sum(coalesce(employees,0)+coalesce(worker_members,0)), "
        f"sum({s}), count({s}), sum({s}*{s})"
    )
    dims4 = "region_code, rural_class, legal_class, ilo_type"
    queries = [
        f"SELECT {dims4}, {size_m}, {size_s}, {measures} FROM coops WHERE {current} GROUP BY ALL",
        f"SELECT isic_section, {measures} FROM coops WHERE {current} GROUP BY ALL",
        f"SELECT 2025 - year(constituted_on), {measures} FROM coops WHERE {current} GROUP BY ALL",
        f"SELECT legal_status, count(*) FROM coops WHERE {registered} GROUP BY ALL",
        f"SELECT year(constituted_on), count(*) FROM coops WHERE {registered} GROUP BY ALL",
        f"SELECT year(dissolved_on), count(*) FROM coops WHERE {registered} GROUP BY ALL",
        "SELECT count(*), sum(x), sum(rn*x), sum(x*x) FROM (SELECT x, row_number() OVER "
        f"(ORDER BY x) rn FROM (SELECT {s} x FROM coops WHERE {current}) WHERE x IS NOT NULL)",
        "SELECT b, count(*), sum(x) FROM (SELECT x, (row_number() OVER (ORDER BY x) - 1) * 100 "
        f"// count(*) OVER () b FROM (SELECT {s} x FROM coops WHERE {current}) "
        "WHERE x IS NOT NULL) GROUP BY b ORDER BY b",
    ]
    return queries


def bench_duckdb(csv_path: Path, runs: int) -> tuple[float, float] | None:
    try:
        import duckdb
    except ImportError:
        print("duckdb not installed: skipped")
        return None
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(
        f"CREATE TABLE coops AS SELECT * FROM read_csv_auto('{csv_path}', header=true, "
        "types={'sales_currency': 'VARCHAR', 'sales_amount': 'DOUBLE'})"
    )
    loaded = time.perf_counter() - start
    queries = duckdb_queries()

    def run() -> None:
        for q in queries:
            con.execute(q).fetchall()

    times = timed(run, runs)
    print(
        f"  duckdb: load {loaded:.2f} s; same aggregates: best {min(times):.3f} s, "
        f"median {statistics.median(times):.3f} s ({len(queries)} queries)"
    )
    return min(times), statistics.median(times)


def bench(name: str, db: Database, n: int, seed: int, runs: int, workdir: Path) -> float:
    csv_path = workdir / "coops.csv"
    with db.engine.connect() as c:
        existing = c.execute(text("SELECT count(*) FROM cooperatives")).scalar_one()
    if existing != n:
        print(f"  loading {n:,} cooperatives…", flush=True)
        loaded = load(db, n, seed, csv_path)
        print(f"  load: {loaded:.1f} s")
    cold = timed(lambda: whole_dashboard(db), 1)[0]
    warm = timed(lambda: whole_dashboard(db), runs)
    print(f"  {name}: first dashboard (builds the summary) {cold:.2f} s")
    print(
        f"  {name}: whole dashboard warm (headline, 15 charts, Lorenz, 3 cross-tabs): "
        f"best {min(warm):.3f} s, median {statistics.median(warm):.3f} s"
    )
    for filters in FILTERED:
        times = timed(lambda f=filters: whole_dashboard(db, f), runs)
        print(f"  {name}: filtered {filters.as_dict()}: best {min(times):.3f} s")
    combos = combinations(db)
    medians: list[tuple[float, Filters]] = []
    for filters in combos:
        times = timed(lambda f=filters: whole_dashboard(db, f), max(2, runs // 2))
        medians.append((statistics.median(times), filters))
    medians.sort(key=lambda item: item[0])
    values = [m for m, _ in medians]
    base = statistics.median(warm)
    p50 = statistics.median(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    print(
        f"  {name}: {len(values)} filter combinations (several values per filter, every pair "
        f"of filters, sizes around the exact-concentration threshold): p50 {p50:.3f} s, "
        f"p95 {p95:.3f} s, worst {values[-1]:.3f} s = {values[-1] / base:.1f}× unfiltered"
    )
    for seconds, filters in medians[-3:]:
        print(f"    slowest: {seconds:.3f} s {filters.as_dict()}")
    return min(warm)


def combinations(db: Database) -> list[Filters]:
    """Filter combinations a visitor may choose: several values per filter, every pair of
    filters, and single regions and pairs of regions whose numbers of cooperatives reporting
    sales lie around the limit where concentration switches from exact to binned."""
    from asocia.stats.concentration import EXACT_LIMIT

    with db.engine.connect() as c:
        sizes = dict(
            c.execute(
                text(
                    "SELECT region_code, count(sales_amount) FROM cooperatives "
                    "WHERE legal_status = 'vigente' GROUP BY region_code"
                )
            ).all()
        )
    regions = sorted((r for r in sizes if r is not None), key=lambda r: sizes[r])
    combos = [
        Filters.of({"region": [1, 2]}),
        Filters.of({"region": [5, 13, 8]}),
        Filters.of({"rural_class": ["rural", "mixta"]}),
        Filters.of({"legal_class": ["agricola", "campesina", "trabajo"]}),
        Filters.of({"ilo_type": ["producer", "worker"]}),
        Filters.of({"region": [7], "rural_class": ["rural"]}),
        Filters.of({"region": [9, 10], "legal_class": ["agricola"]}),
        Filters.of({"region": [13], "ilo_type": ["consumer_user"]}),
        Filters.of({"rural_class": ["urbana"], "legal_class": ["vivienda", "consumo"]}),
        Filters.of({"rural_class": ["rural"], "ilo_type": ["producer"]}),
        Filters.of({"legal_class": ["trabajo"], "ilo_type": ["worker"]}),
    ]
    below = [r for r in regions if sizes[r] <= EXACT_LIMIT][-2:]
    above = [r for r in regions if sizes[r] > EXACT_LIMIT][:2]
    combos += [Filters.of({"region": [r]}) for r in below + above]
    if len(below) == 2:
        combos.append(Filters.of({"region": below}))
    return combos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="cooperatives")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="PostgreSQL URL of a server to create a scratch db in")
    parser.add_argument("--keep", help="SQLite file to create or reuse")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-stats-"))
    results: dict[str, float] = {}
    csv_path = workdir / "coops.csv"
    if not args.no_sqlite:
        path = Path(args.keep) if args.keep else workdir / "bench.db"
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        print(f"SQLite {path}")
        results["sqlite"] = bench("sqlite", db, args.n, args.seed, args.runs, workdir)
        db.dispose()
    if args.postgres:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        from asocia.db.engine import normalise_url

        name = "asocia_bench_stats"
        admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(normalise_url(args.postgres)).set(database=name).render_as_string(False)
        db = Database(url)
        upgrade(db)
        print("PostgreSQL")
        try:
            results["postgresql"] = bench("postgresql", db, args.n, args.seed, args.runs, workdir)
        finally:
            db.dispose()
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    if not csv_path.exists():
        print("(no CSV for DuckDB: the SQLite file was reused; pass no --keep to compare)")
        return
    duck = bench_duckdb(csv_path, args.runs)
    if duck:
        for name, ours in results.items():
            print(f"  ratio {name} / duckdb (warm, best): {ours / duck[0]:.2f}")


if __name__ == "__main__":
    main()
