"""Time the statistics summary's refresh (what ``asocia registry import`` runs when it ends) on
SQLite and PostgreSQL, at 100,000 and 1,000,000 synthetic cooperatives.

    .venv/bin/python benchmarks/bench_stats_refresh.py                      # SQLite, 100k and 1M
    .venv/bin/python benchmarks/bench_stats_refresh.py --postgres postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python benchmarks/bench_stats_refresh.py --sizes 100000 --runs 5 --cache /tmp/x

The databases are built once with the synthetic generator (as bench_stats_dashboard.py does)
and kept in ``--cache`` (SQLite files) or as PostgreSQL databases ``asocia_bench_refresh_<n>``,
so that a second run measures the refresh alone. Each run empties the summary's fingerprint
and times ``warm``: the whole rebuild, in its own transaction, committed. With ``--before REV``
the ``src`` tree of that git revision (all of it: the summary and the dimensions it groups by)
is extracted beside this checkout's and each version runs in its own process, alternately
(A B A B …), so that a busy machine slows both alike. Printed: every run (wall seconds, and
the process's CPU seconds, which on SQLite is the rebuild's whole work and varies less with the
load than the wall time; on PostgreSQL the work is in the server), the load average before
each run, the medians and the best, and the ratio of the medians. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stats_dashboard import UF_CLP, load

from asocia.db import Database
from asocia.db.migrate import upgrade


def prepared(db: Database, n: int, seed: int, scratch: Path) -> None:
    upgrade(db)
    with db.engine.connect() as c:
        existing = c.execute(text("SELECT count(*) FROM cooperatives")).scalar_one()
    if existing != n:
        if existing:
            raise SystemExit(f"{db.url} holds {existing:,} cooperatives, not {n:,}")
        print(f"  loading {n:,} cooperatives…", flush=True)
        print(f"  load: {load(db, n, seed, scratch / f'coops-{n}.csv'):.1f} s", flush=True)


# One refresh in a process of its own: ``python -c ONE_RUN URL UF`` prints "wall cpu".
ONE_RUN = """
import sys, time
from sqlalchemy import text
from asocia.db import Database
from asocia.stats.summary import warm
db = Database(sys.argv[1])
with db.engine.begin() as c:
    c.execute(text("UPDATE stats_summary_state SET fingerprint = NULL"))
wall, cpu = time.perf_counter(), time.process_time()
warm(db, uf_clp=float(sys.argv[2]))
print(time.perf_counter() - wall, time.process_time() - cpu)
"""

Run = tuple[float, float, float]  # wall, CPU, load average before


def timed_refreshes(url: str, versions: dict[str, Path], runs: int) -> dict[str, list[Run]]:
    times: dict[str, list[Run]] = {name: [] for name in versions}
    for _ in range(runs):
        for name, src in versions.items():
            load = os.getloadavg()[0]
            done = subprocess.run(
                [sys.executable, "-c", ONE_RUN, url, str(UF_CLP)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONPATH": str(src)},
            )
            wall, cpu = (float(x) for x in done.stdout.split())
            times[name].append((wall, cpu, load))
    return times


def source_at(revision: str) -> Path:
    """The ``src`` tree of a git revision, extracted into a temporary directory."""
    root = Path(__file__).resolve().parents[1]
    out = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", revision, "src"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out / "src"


def report(engine: str, n: int, times: dict[str, list[Run]]) -> None:
    for name, runs in times.items():
        shown = " ".join(f"{w:.2f}/{c:.2f}@{load:.1f}" for w, c, load in runs)
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        median = statistics.median(walls)
        print(
            f"  {engine} {n:>9,} co-ops, {name:<6}: refresh median {median:6.2f} s"
            f" (CPU {statistics.median(cpus):5.2f} s), best {min(walls):6.2f} s"
            f"  (runs, wall/CPU@load: {shown})",
            flush=True,
        )
    if "before" in times:
        before, after = times["before"], times["after"]
        ratio = statistics.median(r[0] for r in before) / statistics.median(r[0] for r in after)
        cpu = statistics.median(r[1] for r in before) / statistics.median(r[1] for r in after)
        print(f"  {engine} {n:>9,} co-ops: before / after (medians) wall {ratio:.2f}×", end="")
        print(f", CPU {cpu:.2f}×" if engine.strip() == "sqlite" else "", flush=True)


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
    here = Path(__file__).resolve().parents[1] / "src"
    versions: dict[str, Path] = {"after": here}
    if args.before:
        versions = {"before": source_at(args.before), "after": here}
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    print("statistics summary refresh (asocia.stats.summary.warm), seconds")
    print(f"  load average at start: {os.getloadavg()[0]:.2f}, cores: {os.cpu_count()}")
    for n in args.sizes:
        if not args.no_sqlite:
            db = Database(f"sqlite:///{cache / f'refresh-{n}.db'}")
            prepared(db, n, args.seed, cache)
            report("sqlite    ", n, timed_refreshes(db.url, versions, args.runs))
            db.dispose()
        if args.postgres:
            db = postgres_database(args.postgres, n)
            prepared(db, n, args.seed, cache)
            report("postgresql", n, timed_refreshes(db.url, versions, args.runs))
            db.dispose()


if __name__ == "__main__":
    main()
