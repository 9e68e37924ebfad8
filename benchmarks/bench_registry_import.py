"""Import a synthetic registry CSV (as `asocia demo files` writes it) and print the figures.

    .venv/bin/python benchmarks/bench_registry_import.py --rows 1000000

Prints, for an empty SQLite database and an empty PostgreSQL database: rows/s end to end
(reading, validating, writing, committing) and the peak memory of the importing process; then
the time DuckDB's ``read_csv`` takes to load the same file into a table, and our ratio to it.
Each import runs in a child process so that its peak memory (ru_maxrss, plus that of the
reading process it starts for large files) is its own. Each import prints the time of its
phases (waiting for read and validated batches, writing, building indexes, commit).

Then, on SQLite, two more figures: a re-import of the same file into the filled database
(nothing changes: the monthly refresh of a registry), and the storage floor: the rows the
import accepted, already parsed, written into an empty database by the same writer (insert,
deferred indexes, commit) without reading or validating anything, the bound that no faster
reading or validation can pass on this machine; and the same rows through Python's sqlite3
into a table with no constraint or index (the driver alone).
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
from typing import Any


def floor_child(url: str, source: str) -> None:
    import sqlite3

    from asocia.db import Database
    from asocia.db.migrate import upgrade
    from asocia.registry.store import COLUMNS, Actor, RegistryWriter

    def read_rows() -> sqlite3.Cursor:
        return sqlite3.connect(source).execute(
            f"SELECT {', '.join(COLUMNS)} FROM cooperatives ORDER BY id"
        )

    database = Database(url)
    upgrade(database)
    spent = 0.0
    count = 0
    rows_read = read_rows()
    with database.session() as session:
        writer = RegistryWriter(session, actor=Actor(), bulk=True)
        while rows := rows_read.fetchmany(5000):
            columns = zip(*rows, strict=True)
            values = {name: list(column) for name, column in zip(COLUMNS, columns, strict=True)}
            values["extra"] = [None if e is None else json.loads(e) for e in values["extra"]]
            start = time.perf_counter()
            writer.create_columns(values, list(range(len(rows))))
            spent += time.perf_counter() - start
            count += len(rows)
        start = time.perf_counter()
        writer.finish(analyse=True)
        indexes = time.perf_counter() - start
        start = time.perf_counter()
    commit = time.perf_counter() - start
    database.dispose()
    # The same tuples through Python's sqlite3 into a table with no constraint and no index:
    # what the driver alone costs.
    bare = sqlite3.connect(url.removeprefix("sqlite:///") + ".bare", isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute(f"CREATE TABLE bare ({', '.join(COLUMNS)})")
    marks = ", ".join("?" * len(COLUMNS))
    rows_read = read_rows()
    bare_seconds = 0.0
    bare.execute("BEGIN")
    while rows := rows_read.fetchmany(5000):
        start = time.perf_counter()
        bare.executemany(f"INSERT INTO bare VALUES ({marks})", rows)
        bare_seconds += time.perf_counter() - start
    start = time.perf_counter()
    bare.execute("COMMIT")
    bare_seconds += time.perf_counter() - start
    print(
        json.dumps(
            {
                "rows": count,
                "writing": spent,
                "indexes": indexes,
                "commit": commit,
                "bare": bare_seconds,
            }
        )
    )


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
                "timings": result.timings,
                **result.summary(),
            }
        )
    )


def run_child(url: str, path: Path, kind: str = "--child") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, kind, url, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def phases(timings: dict[str, float]) -> str:
    return ", ".join(
        f"{name} {timings[name]:.1f} s"
        for name in ("waiting", "writing", "indexes", "commit")
        if name in timings
    )


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
    parser.add_argument("--floor-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.floor_child:
        floor_child(*args.floor_child)
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
            f"SQLite:     {rows:,.0f} rows in {figures['elapsed']:.1f} s = {sqlite_rate:,.0f} "
            f"rows/s, peak memory {figures['peak_mb']:,.0f} MB (importer "
            f"{figures['own_mb']:,.0f} + reader {figures['reader_mb']:,.0f})  (created "
            f"{figures['created']:,.0f}, rejected {figures['rejected']:,.0f}, flagged "
            f"{figures['flagged']:,.0f})\n            phases: {phases(figures['timings'])}",
            flush=True,
        )
        again = run_child(f"sqlite:///{tmp}/bench.db", path)
        print(
            f"SQLite re-import of the same file: {again['read']:,.0f} rows in "
            f"{again['elapsed']:.1f} s = {again['read'] / again['elapsed']:,.0f} rows/s "
            f"(unchanged {again['unchanged']:,.0f}, updated {again['updated']:,.0f})",
            flush=True,
        )
        floor = run_child(f"sqlite:///{tmp}/floor.db", Path(f"{tmp}/bench.db"), "--floor-child")
        floor_seconds = floor["writing"] + floor["indexes"] + floor["commit"]
        print(
            f"SQLite storage floor (the {floor['rows']:,.0f} accepted rows, already parsed, "
            f"through the same writer): {floor_seconds:.1f} s = "
            f"{floor['rows'] / floor_seconds:,.0f} rows/s ({phases(floor)}); the same rows "
            f"through Python's sqlite3 into a table with no constraint or index: "
            f"{floor['bare']:.1f} s = {floor['rows'] / floor['bare']:,.0f} rows/s",
            flush=True,
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
                f"(importer {pg['own_mb']:,.0f} + reader {pg['reader_mb']:,.0f})\n"
                f"            phases: {phases(pg['timings'])}",
                flush=True,
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
