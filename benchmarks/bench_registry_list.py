"""Time the registry list page and API with filters at a million cooperatives.

    .venv/bin/python benchmarks/bench_registry_list.py --cooperatives 1000000

Loads the synthetic registry into a SQLite file (kept between runs in the temp directory) or
into PostgreSQL (``--postgres URL``: a scratch database, dropped after), then requests the HTML
list page and the JSON API in-process (the whole FastAPI stack, logged in as an analyst) for a
set of filter combinations, and prints the median and worst time of each, and the overall
median. Target: median under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

QUERIES = [
    {},
    {"region": "13"},
    {"region": "8", "legal_class": "agricola"},
    {"comuna": "16101"},
    {"rural_class": "rural"},
    {"legal_class": "agua_potable"},
    {"ilo_type": "worker"},
    {"status": "disuelta"},
    {"size_band": "large"},
    {"region": "9", "rural_class": "rural", "status": "vigente"},
    {"q": "esperanza"},
    {"q": "76.5"},
    {"sort": "-members", "region": "5"},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cooperatives", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--postgres", help="PostgreSQL server URL instead of SQLite")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from asocia.auth import accounts
    from asocia.db import Database
    from asocia.db.engine import normalise_url
    from asocia.db.migrate import upgrade
    from asocia.registry.synthetic import load
    from asocia.settings import Settings
    from asocia.web.app import create_app

    scratch = None
    if args.postgres:
        admin_url = make_url(normalise_url(args.postgres)).set(database="postgres")
        scratch = f"asocia_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{scratch}"'))
        url = admin_url.set(database=scratch).render_as_string(hide_password=False)
        fresh = True
    else:
        path = Path(tempfile.gettempdir()) / f"asocia-list-{args.cooperatives}-{args.seed}.db"
        fresh = not path.exists()
        url = f"sqlite:///{path}"
    try:
        db = Database(url)
        upgrade(db)
        if fresh:
            start = time.perf_counter()
            load(db, args.cooperatives, args.seed)
            print(
                f"loaded {args.cooperatives:,} cooperatives in {time.perf_counter() - start:.0f} s"
            )
        username = f"bench-{uuid.uuid4().hex[:6]}"
        with db.session() as session:
            accounts.create_user(session, username, "a long bench password", "analyst")
        app = create_app(Settings(database_url=url, secret_key="b" * 40), database=db)
        with TestClient(app) as client:
            login_page = client.get("/login").text
            token = login_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            response = client.post(
                "/login",
                data={
                    "username": username,
                    "password": "a long bench password",
                    "csrf_token": token,
                },
                follow_redirects=False,
            )
            assert response.status_code == 303, response.text
            medians = []
            for kind, prefix in (("page", "/registry"), ("API", "/api/v1/registry/cooperatives")):
                for params in QUERIES:
                    client.get(prefix, params=params)  # warm the cache once
                    times = []
                    for _ in range(args.runs):
                        start = time.perf_counter()
                        response = client.get(prefix, params=params)
                        times.append((time.perf_counter() - start) * 1000)
                        assert response.status_code == 200, response.text[:300]
                    median = statistics.median(times)
                    medians.append(median)
                    print(
                        f"{kind:4} {params!s:55} median {median:7.1f} ms  "
                        f"worst {max(times):7.1f} ms"
                    )
            print(
                f"overall median {statistics.median(medians):.1f} ms over "
                f"{len(medians)} filter sets ({db.dialect}, {args.cooperatives:,} cooperatives)"
            )
        db.dispose()
    finally:
        if scratch:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
