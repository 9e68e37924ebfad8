"""Import a synthetic registry CSV (as `asocia demo files` writes it) and print the figures.

    .venv/bin/python benchmarks/bench_registry_import.py --rows 1000000

Prints, for an empty SQLite database and an empty PostgreSQL database: rows/s end to end
(reading, validating, writing, committing) and the peak memory of the importing process; then
the time DuckDB's ``read_csv`` takes to load the same file into a table, and our ratio to it.
Each import runs in a child process so that its peak memory (ru_maxrss, plus that of the
reading process it starts for large files) is its own.
PostgreSQL: ``ASOCIA_TEST_POSTGRES_URL`` or postgresql://postgres@127.0.0.1:5432/postgres (a
scratch database is created and dropped); ``--no-postgres`` skips it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


def child(url: str, path: str) -> None:
    from asocia.db import Database
    from asocia.db.migrate import upgrade
    from asocia.registry.importer import import_file

    database = Database(url)
    upgrade(database)
    start = time.perf_counter()
    result = import_file(database, Path(path))
    elapsed = time.perf_counter() - start
    database.dispose()
    # The importing process and, for large files, its reading process run at the same time:
    # the sum of their peaks bounds the memory the import takes.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reader = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "elapsed": elapsed,
                "peak_mb": own + reader,
                "own_mb": own,
                "reader_mb": reader,
                **result.summary(),
            }
        )
    )


def run_child(url: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def duckdb_seconds(path: Path) -> float:
    import duckdb

    connection = duckdb.connect()
    start = time.perf_counter()
    connection.execute(
        "CREATE TABLE registry AS SELECT * FROM read_csv(?, delim=';', header=true, "
        "encoding='latin-1')",
        [str(path)],
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--file", type=Path, help="an existing CSV to import instead")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from asocia.db.engine import normalise_url
    from asocia.registry.synthetic_files import CSV_NAME, write_files

    if args.file:
        path = args.file
    else:
        cache = Path(tempfile.gettempdir()) / f"asocia-bench-{args.rows}-{args.seed}"
        path = cache / CSV_NAME
        if not path.exists():
            print(f"writing {args.rows:,} rows to {path} ...", flush=True)
            write_files(args.rows, cache, args.seed, formats=["csv"])
    size_mb = path.stat().st_size / 1e6
    print(f"file: {path} ({size_mb:,.0f} MB)")

    with tempfile.TemporaryDirectory() as tmp:
        figures = run_child(f"sqlite:///{tmp}/bench.db", path)
    rows = figures["read"]
    sqlite_rate = rows / figures["elapsed"]
    print(
        f"SQLite:     {rows:,.0f} rows in {figures['elapsed']:.1f} s = {sqlite_rate:,.0f} rows/s, "
        f"peak memory {figures['peak_mb']:,.0f} MB (importer {figures['own_mb']:,.0f} + reader "
        f"{figures['reader_mb']:,.0f})  "
        f"(created {figures['created']:,.0f}, rejected {figures['rejected']:,.0f}, "
        f"flagged {figures['flagged']:,.0f})"
    )

    if not args.no_postgres:
        base = os.environ.get(
            "ASOCIA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        )
        admin_url = make_url(normalise_url(base)).set(database="postgres")
        name = f"asocia_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = admin_url.set(database=name).render_as_string(hide_password=False)
            pg = run_child(url, path)
            print(
                f"PostgreSQL: {pg['read']:,.0f} rows in {pg['elapsed']:.1f} s = "
                f"{pg['read'] / pg['elapsed']:,.0f} rows/s, peak memory {pg['peak_mb']:,.0f} MB "
                f"(importer {pg['own_mb']:,.0f} + reader {pg['reader_mb']:,.0f})"
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    seconds = duckdb_seconds(path)
    print(
        f"DuckDB read_csv into a table: {seconds:.2f} s = {rows / seconds:,.0f} rows/s; "
        f"asocia SQLite import takes {figures['elapsed'] / seconds:.1f}x as long "
        "(DuckDB parses in parallel C++ and validates nothing)"
    )


if __name__ == "__main__":
    main()
