"""Time the statistics summary's refresh (what ``asocia registry import`` runs when it ends) on
SQLite and PostgreSQL, at 100,000 and 1,000,000 synthetic cooperatives.

    .venv/bin/python benchmarks/bench_stats_refresh.py                      # SQLite, 100k and 1M
    .venv/bin/python benchmarks/bench_stats_refresh.py --postgres postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python benchmarks/bench_stats_refresh.py --sizes 100000 --runs 5 --cache /tmp/x

The databases are built once with the synthetic generator (as bench_stats_dashboard.py does)
and kept in ``--cache`` (SQLite files) or as PostgreSQL databases ``asocia_bench_refresh_<n>``,
so that a second run measures the refresh alone. Each run empties the summary's fingerprint
and times ``warm``: the whole rebuild, in its own transaction, committed. With ``--before REV``
the ``asocia/stats/summary.py`` of that git revision is loaded beside this checkout's and the
two are timed alternately (A B A B …), so that a busy machine slows both alike. Printed: every
run, the median and the best, and the ratio of the medians. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stats_dashboard import UF_CLP, load

from asocia.db import Database
from asocia.db.migrate import upgrade
from asocia.stats.summary import warm


def prepared(db: Database, n: int, seed: int, scratch: Path) -> None:
    upgrade(db)
    with db.engine.connect() as c:
        existing = c.execute(text("SELECT count(*) FROM cooperatives")).scalar_one()
    if existing != n:
        if existing:
            raise SystemExit(f"{db.url} holds {existing:,} cooperatives, not {n:,}")
        print(f"  loading {n:,} cooperatives…", flush=True)
        print(f"  load: {load(db, n, seed, scratch / f'coops-{n}.csv'):.1f} s", flush=True)


Warm = Callable[..., None]


def timed_refreshes(db: Database, versions: dict[str, Warm], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in versions}
    for _ in range(runs):
        for name, refresh in versions.items():
            with db.engine.begin() as c:
                c.execute(text("UPDATE stats_summary_state SET fingerprint = NULL"))
            start = time.perf_counter()
            refresh(db, uf_clp=UF_CLP)
            times[name].append(time.perf_counter() - start)
    return times


def summary_at(revision: str) -> Warm:
    """``warm`` of ``asocia/stats/summary.py`` as it was at a git revision."""
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(
        ["git", "-C", str(root), "show", f"{revision}:src/asocia/stats/summary.py"],
        capture_output=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="bench-refresh-")) / "summary_before.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("asocia_summary_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    before: Warm = module.warm
    return before


def report(engine: str, n: int, times: dict[str, list[float]]) -> None:
    for name, runs in times.items():
        shown = " ".join(f"{t:.2f}" for t in runs)
        print(
            f"  {engine} {n:>9,} co-ops, {name:<6}: refresh median "
            f"{statistics.median(runs):6.2f} s, best {min(runs):6.2f} s  (runs: {shown})",
            flush=True,
        )
    if "before" in times:
        ratio = statistics.median(times["before"]) / statistics.median(times["after"])
        print(f"  {engine} {n:>9,} co-ops: before / after (medians) {ratio:.1f}×", flush=True)


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
    parser.add_argument("--before", help="git revision whose refresh is timed alternately")
    args = parser.parse_args()
    versions: dict[str, Warm] = {"after": warm}
    if args.before:
        versions = {"before": summary_at(args.before), "after": warm}
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    print("statistics summary refresh (asocia.stats.summary.warm), seconds")
    for n in args.sizes:
        if not args.no_sqlite:
            db = Database(f"sqlite:///{cache / f'refresh-{n}.db'}")
            prepared(db, n, args.seed, cache)
            report("sqlite    ", n, timed_refreshes(db, versions, args.runs))
            db.dispose()
        if args.postgres:
            db = postgres_database(args.postgres, n)
            prepared(db, n, args.seed, cache)
            report("postgresql", n, timed_refreshes(db, versions, args.runs))
            db.dispose()


if __name__ == "__main__":
    main()
