"""Uptake import speed: a Ley 19.862 transfers file of N rows matched to 5,000 cooperatives.

    .venv/bin/python benchmarks/bench_programmes_uptake.py [N]

Prints the time of the whole import (read, validate, match by RUT, write to a fresh migrated
SQLite file) and of coverage over the result. N defaults to 50,000.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from asocia.db import Database
from asocia.db.migrate import upgrade
from asocia.db.models import Cooperative
from asocia.programmes import catalogue, coverage, uptake
from asocia.registry.taxid import rut_check_digit

AGENCIES = ("Instituto de Desarrollo Agropecuario", "Servicio de Cooperación Técnica", "CNR")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rng = random.Random(7)
    ruts = [f"{b}-{rut_check_digit(b)}" for b in range(76_000_000, 76_005_000)]
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(db)
        with db.session() as session:
            session.add_all(
                Cooperative(legal_name=f"Cooperativa {t}", name_key=t, tax_id=t, region_code=7)
                for t in ruts
            )
            catalogue.ensure_defaults(session)
        path = Path(folder) / "transferencias.csv"
        lines = ["RUT Receptor;Institución que transfiere;Monto Transferido;Fecha;Finalidad"]
        for _ in range(n):
            day = f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(2019, 2023)}"
            amount = f"{rng.randint(1, 900) * 100_000:,}".replace(",", ".")
            lines.append(f"{rng.choice(ruts)};{rng.choice(AGENCIES)};{amount};{day};apoyo")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        start = time.perf_counter()
        with db.session() as session:
            report = uptake.import_file(session, path)
        imported = time.perf_counter() - start
        start = time.perf_counter()
        with db.session() as session:
            result = coverage.coverage(session, public_k=3, with_lights=False)
        covered = time.perf_counter() - start
        db.dispose()
    print(
        f"uptake import: {n:,} rows in {imported:.2f} s ({n / imported:,.0f} rows/s), "
        f"{report.created:,} written, {report.rejected} rejected"
    )
    print(f"coverage: {covered:.2f} s ({result['total']['reached']:,} cooperatives reached)")


if __name__ == "__main__":
    main()
