"""Import speed: an ODK Central export of N submissions, parsed and stored.

    .venv/bin/python benchmarks/bench_diagnosis_import.py [N]

Prints the time to parse the export and the time of the whole import (parse + write to a
fresh, migrated SQLite file with 500 cooperatives). N defaults to 10,000; target < 10 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from asocia.db import Database
from asocia.db.migrate import upgrade
from asocia.db.models import Cooperative
from asocia.diagnosis import store
from asocia.diagnosis.loader import get_instrument, load_instruments
from asocia.diagnosis.sample_exports import odk_central_csv, sample_submissions
from asocia.diagnosis.submissions import parse_export
from asocia.registry.taxid import rut_check_digit


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    instrument = get_instrument("diagnostico-cooperativo", "1")
    coops = [f"{b}-{rut_check_digit(b)}" for b in range(76_000_000, 76_000_500)]
    data = odk_central_csv(
        instrument, sample_submissions(instrument, coops, n), split_multiples=True
    ).encode()
    instruments = load_instruments()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(db)
        with db.session() as session:
            session.add_all(
                Cooperative(legal_name=f"Cooperativa {t}", name_key=t, tax_id=t) for t in coops
            )
        start = time.perf_counter()
        export = parse_export(data, "bench.csv", instruments)
        parsed = time.perf_counter() - start
        with db.session() as session:
            summary = store.import_submissions(session, export, instruments, store.Actor())
        total = time.perf_counter() - start
        db.dispose()
    print(
        f"ODK Central export of {n:,} submissions ({len(data) / 1e6:.1f} MB): parsed in "
        f"{parsed:.2f} s; imported into SQLite in {total:.2f} s in all "
        f"(created {summary.created:,}, rejected {summary.rejected:,})"
    )


if __name__ == "__main__":
    main()
