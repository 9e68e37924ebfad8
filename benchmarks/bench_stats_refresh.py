"""Time the statistics summary's refresh (what ``asocia registry import`` runs when it ends) on
SQLite and PostgreSQL, at 100,000 and 1,000,000 synthetic cooperatives.

    .venv/bin/python benchmarks/bench_stats_refresh.py                      # SQLite, 100k and 1M
    .venv/bin/python benchmarks/bench_stats_refresh.py --postgres postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python benchmarks/bench_stats_refresh.py --sizes 100000 --runs 5 --cache /tmp/x

The databases are built once with the synthetic generator (as bench_stats_dashboard.py does)
and kept in ``--cache`` (SQLite files) or as PostgreSQL databases ``asocia_bench_refresh_<n>``,
so that a second run (e.g. after a code change) measures the refresh alone. Each run empties
the summary's fingerprint and times ``asocia.stats.summary.warm``: the whole rebuild, in its
own transaction, committed. Printed: every run, the median and the best. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stats_dashboard import UF_CLP, load  # noqa: E402

from asocia.db import Database  # noqa: E402
from asocia.db.migrate import upgrade  # noqa: E402
from asocia.stats.summary import warm  # noqa: E402


def prepared(db: Database, n: int, seed: int, scratch: Path) -> None:
    upgrade(db)
    with db.engine.connect() as c:
        existing = c.execute(text("SELECT count(*) FROM cooperatives")).scalar_one()
    if existing != n:
        if existing:
            raise SystemExit(f"{db.url} holds {existing:,} cooperatives, not {n:,}")
        print(f"  loading {n:,} cooperatives…", flush=True)
        print(f"  load: {load(db, n, seed, scratch / f'coops-{n}.csv'):.1f} s", flush=True)


def timed_refreshes(db: Database, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with db.engine.begin() as c:
            c.execute(text("UPDATE stats_summary_state SET fingerprint = NULL"))
        start = time.perf_counter()
        warm(db, uf_clp=UF_CLP)
        times.append(time.perf_counter() - start)
    return times


def report(name: str, n: int, times: list[float]) -> None:
    runs = " ".join(f"{t:.2f}" for t in times)
    print(
        f"  {name} {n:>9,} co-ops: refresh median {statistics.median(times):.2f} s, "
        f"best {min(times):.2f} s  (runs: {runs})",
        flush=True,
    )


def postgres_database(url: str, n: int) -> Database:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from asocia.db.engine import normalise_url

    name = f"asocia_bench_refresh_{n}"
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        exists = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return Database(make_url(normalise_url(url)).set(database=name).render_as_string(False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", default="/tmp/asocia-bench-refresh", help="SQLite files")
    parser.add_argument("--postgres", help="PostgreSQL server URL (databases kept there)")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    print("statistics summary refresh (asocia.stats.summary.warm), seconds")
    for n in args.sizes:
        if not args.no_sqlite:
            db = Database(f"sqlite:///{cache / f'refresh-{n}.db'}")
            prepared(db, n, args.seed, cache)
            report("sqlite    ", n, timed_refreshes(db, args.runs))
            db.dispose()
        if args.postgres:
            db = postgres_database(args.postgres, n)
            prepared(db, n, args.seed, cache)
            report("postgresql", n, timed_refreshes(db, args.runs))
            db.dispose()


if __name__ == "__main__":
    main()
