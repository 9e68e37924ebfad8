"""Batch scoring speed: diagnoses of diagnostico-cooperativo scored per second on one core.

    .venv/bin/python benchmarks/bench_diagnosis_scoring.py [N]

Prints the figure; the target is at least 20,000 diagnoses/s (N defaults to 100,000).
"""

from __future__ import annotations

import random
import sys
import time

from asocia.diagnosis.loader import get_instrument
from asocia.diagnosis.sample import random_answers
from asocia.diagnosis.scoring import compile_instrument, score_batch


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    instrument = get_instrument("diagnostico-cooperativo", "1")
    rng = random.Random(20261122)
    distinct = [random_answers(instrument, rng) for _ in range(2_000)]
    answer_sets = [distinct[i % len(distinct)] for i in range(n)]
    compile_instrument(instrument)
    start = time.perf_counter()
    result = score_batch(instrument, answer_sets)
    elapsed = time.perf_counter() - start
    assert len(result) == n
    print(
        f"scored {n:,} diagnoses of {instrument.key} "
        f"({instrument.scored_question_count} scored questions) in {elapsed:.2f} s: "
        f"{n / elapsed:,.0f} diagnoses/s"
    )


if __name__ == "__main__":
    main()
