"""Import a synthetic registry CSV (as `asocia demo files` writes it) and print the figures.

    .venv/bin/python benchmarks/bench_registry_import.py --rows 100000 --rounds 3
    .venv/bin/python benchmarks/bench_registry_import.py --rows 1000000 --rounds 1

The timed runs are INTERLEAVED, round after round, so that a noisy machine (load from other
processes, CPU frequency) weighs on every side alike and the ratios hold: in each round

A. asocia imports the file into an empty SQLite database (a child process; rows/s, peak memory
   and the time of each phase: waiting for read and validated batches, writing, building
   indexes, commit);
B. DuckDB's ``read_csv`` loads the same file into a table;
P. asocia imports it into an empty PostgreSQL database (unless ``--no-postgres``);
E. end to end, as a user runs it: ``asocia registry import FILE --json`` into an empty SQLite
   database, timed from outside, which counts the CLI start-up, the import and the refresh of
   the statistics summary the CLI runs after it; and ``asocia --version`` (start-up alone).

It prints each round, then the medians and the ratios to DuckDB. Then, once, on SQLite: a
re-import of the same file into the filled database (nothing changes: the monthly refresh of a
registry), and the storage floor: the rows the import accepted, already parsed, written into an
empty database by the same writer (insert, deferred indexes, commit) without reading or
validating anything, and the same rows through Python's sqlite3 into a table with no constraint
or index (the driver alone); ``--no-extras`` skips these.
PostgreSQL: ``ASOCIA_TEST_POSTGRES_URL`` or postgresql://postgres@127.0.0.1:5432/postgres (a
scratch database is created and dropped each round).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
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


def reading_seconds(path: Path) -> tuple[float, float]:
    """(asocia's reader, DuckDB) handing every row of ``path`` to Python, nothing else.

    Why the importer reads with Python's csv module rather than a vectorised engine: the
    validation is Python, so the cells must become Python strings either way, and that
    conversion is most of the reading time with DuckDB too.
    """
    from itertools import islice

    import duckdb

    from asocia.registry.readers import open_table

    start = time.perf_counter()
    with open_table(path, None, None) as table:
        while list(islice(table.rows, 5000)):
            pass
        encoding, delimiter = table.encoding, table.delimiter
    ours = time.perf_counter() - start
    duck_encoding = "utf-8" if encoding.replace("_", "-").lower().startswith("utf") else "latin-1"
    start = time.perf_counter()
    connection = duckdb.connect()
    result = connection.execute(
        "SELECT * FROM read_csv(?, all_varchar = true, header = true, delim = ?, encoding = ?)",
        [str(path), delimiter, duck_encoding],
    )
    while result.fetchmany(5000):
        pass
    connection.close()
    return ours, time.perf_counter() - start


def asocia_command() -> str:
    found = Path(sys.executable).with_name("asocia")
    return str(found) if found.exists() else (shutil.which("asocia") or "asocia")


def end_to_end(url: str, path: Path) -> tuple[float, float]:
    """``asocia registry import`` (start-up, import, statistics summary) and ``--version``."""
    env = {**os.environ, "ASOCIA_DATABASE_URL": url}
    command = asocia_command()
    subprocess.run([command, "db", "upgrade"], check=True, capture_output=True, env=env)
    start = time.perf_counter()
    subprocess.run(
        [command, "registry", "import", str(path), "--json"],
        check=True,
        capture_output=True,
        env=env,
    )
    whole = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([command, "--version"], check=True, capture_output=True, env=env)
    return whole, time.perf_counter() - start


class Scratch:
    """An empty PostgreSQL database, created for one import and dropped after."""

    def __init__(self) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        from asocia.db.engine import normalise_url

        base = os.environ.get(
            "ASOCIA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        )
        self.admin_url = make_url(normalise_url(base)).set(database="postgres")
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")

    def run(self, path: Path) -> dict[str, Any]:
        from sqlalchemy import text

        name = f"asocia_bench_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = self.admin_url.set(database=name).render_as_string(hide_password=False)
            return run_child(url, path)
        finally:
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (A B A B …)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--file", type=Path, help="an existing CSV to import instead")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-end-to-end", action="store_true", help="skip the CLI runs")
    parser.add_argument("--no-extras", action="store_true", help="skip re-import and floor")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--floor-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.floor_child:
        floor_child(*args.floor_child)
        return

    from asocia.registry.synthetic_files import CSV_NAME, write_files

    if args.file:
        path = args.file
    else:
        cache = Path(tempfile.gettempdir()) / f"asocia-bench-{args.rows}-{args.seed}"
        path = cache / CSV_NAME
        if not path.exists():
            print(f"writing {args.rows:,} rows to {path} ...", flush=True)
            # Written aside and renamed: an interrupted run leaves no partial file to reuse.
            partial = cache.with_name(cache.name + f".partial-{os.getpid()}")
            write_files(args.rows, partial, args.seed, formats=["csv"])
            cache.mkdir(exist_ok=True)
            (partial / CSV_NAME).rename(path)
            shutil.rmtree(partial, ignore_errors=True)
    size_mb = path.stat().st_size / 1e6
    print(f"file: {path} ({size_mb:,.0f} MB); {args.rounds} interleaved round(s)", flush=True)
    scratch = None if args.no_postgres else Scratch()

    sqlite_s: list[float] = []
    duck_s: list[float] = []
    pg_s: list[float] = []
    e2e_s: list[float] = []
    startup_s: list[float] = []
    figures: dict[str, Any] = {}
    rows = 0
    for round_number in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            figures = run_child(f"sqlite:///{tmp}/bench.db", path)
        rows = figures["read"]
        sqlite_s.append(figures["elapsed"])
        print(
            f"[{round_number}] A SQLite:     {rows:,.0f} rows in {figures['elapsed']:.2f} s = "
            f"{rows / figures['elapsed']:,.0f} rows/s, peak memory {figures['peak_mb']:,.0f} MB "
            f"(importer {figures['own_mb']:,.0f} + reader {figures['reader_mb']:,.0f}); "
            f"{phases(figures['timings'])}  (created {figures['created']:,.0f}, rejected "
            f"{figures['rejected']:,.0f}, flagged {figures['flagged']:,.0f})",
            flush=True,
        )
        duck_s.append(duckdb_seconds(path))
        print(f"[{round_number}] B DuckDB:     read_csv in {duck_s[-1]:.2f} s", flush=True)
        if scratch is not None:
            pg = scratch.run(path)
            pg_s.append(pg["elapsed"])
            print(
                f"[{round_number}] P PostgreSQL: {pg['read']:,.0f} rows in {pg['elapsed']:.2f} s "
                f"= {pg['read'] / pg['elapsed']:,.0f} rows/s, peak memory "
                f"{pg['peak_mb']:,.0f} MB; {phases(pg['timings'])}",
                flush=True,
            )
        if not args.no_end_to_end:
            with tempfile.TemporaryDirectory() as tmp:
                whole, startup = end_to_end(f"sqlite:///{tmp}/e2e.db", path)
            e2e_s.append(whole)
            startup_s.append(startup)
            print(
                f"[{round_number}] E end to end: `asocia registry import` (start-up, import, "
                f"statistics summary) {whole:.2f} s; `asocia --version` {startup:.2f} s",
                flush=True,
            )

    duck = median(duck_s)
    sqlite = median(sqlite_s)
    print(f"\nmedians over {args.rounds} interleaved round(s), {rows:,.0f} rows:")
    print(
        f"  DuckDB read_csv into a table: {duck:.2f} s = {rows / duck:,.0f} rows/s "
        "(parses in parallel C++ and validates nothing)"
    )
    print(
        f"  asocia into SQLite:           {sqlite:.2f} s = {rows / sqlite:,.0f} rows/s "
        f"= {sqlite / duck:.1f}x DuckDB"
    )
    if pg_s:
        pg_median = median(pg_s)
        print(
            f"  asocia into PostgreSQL:       {pg_median:.2f} s = {rows / pg_median:,.0f} rows/s "
            f"= {pg_median / duck:.1f}x DuckDB"
        )
    if e2e_s:
        whole = median(e2e_s)
        print(
            f"  end to end on SQLite (CLI start-up + import + statistics summary): {whole:.2f} s "
            f"= {rows / whole:,.0f} rows/s = {whole / duck:.1f}x DuckDB; "
            f"`asocia --version` {median(startup_s):.2f} s",
            flush=True,
        )
    if scratch is not None:
        scratch.admin.dispose()
    if args.no_extras:
        return

    ours, duck = reading_seconds(path)
    print(
        f"reading alone, every row handed to Python: asocia's reader {ours:.2f} s, DuckDB "
        f"read_csv + fetch {duck:.2f} s (the validation is Python, so DuckDB's rows must become "
        f"Python values too: most of the reading time either way)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        run_child(f"sqlite:///{tmp}/bench.db", path)
        again = run_child(f"sqlite:///{tmp}/bench.db", path)
        print(
            f"SQLite re-import of the same file: {again['read']:,.0f} rows in "
            f"{again['elapsed']:.1f} s = {again['read'] / again['elapsed']:,.0f} rows/s "
            f"(unchanged {again['unchanged']:,.0f}, updated {again['updated']:,.0f}); peak "
            f"memory {again['peak_mb']:,.0f} MB; {phases(again['timings'])}",
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


if __name__ == "__main__":
    main()
