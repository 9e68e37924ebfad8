"""Figures for the hardening of issue 13: memory and time for hostile uploads, and login timing.

Run with the code to measure on ``PYTHONPATH`` (e.g. an older checkout) to compare:

    .venv/bin/python benchmarks/hardening.py [--memory-cap-mb 1500]

Each case runs in a child process under an address-space cap (so a bomb that would take the
machine's memory fails there instead), and prints its outcome, wall time and peak RSS.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(case: Callable[[], str], cap_mb: int, out: object) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (cap_mb << 20, cap_mb << 20))
    started = time.perf_counter()
    try:
        outcome = case()
    except MemoryError:
        outcome = "MemoryError (hit the cap)"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {str(exc)[:110]}"
    out.send((outcome, time.perf_counter() - started, _peak_mb()))  # type: ignore[attr-defined]


def run(name: str, case: Callable[[], str], cap_mb: int, timeout: float = 120) -> None:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(case, cap_mb, send))
    process.start()
    if receive.poll(timeout):
        outcome, seconds, peak = receive.recv()
        print(f"{name:<34} {seconds:7.2f} s  peak {peak:7.0f} MB  {outcome}")
    else:
        print(f"{name:<34} >{timeout:.0f} s (stopped)")
        process.kill()
    process.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory-cap-mb", type=int, default=1500)
    args = parser.parse_args()
    from tests.hardening import bombs

    folder = Path(tempfile.mkdtemp())
    string_bomb = folder / "string.xlsx"
    row_bomb = folder / "row.xlsx"
    wide = folder / "wide.csv"
    bombs.huge_string_xlsx(string_bomb)
    bombs.wide_row_xlsx(row_bomb)
    bombs.wide_csv(wide)
    print(
        f"files: string bomb {string_bomb.stat().st_size / 1e6:.1f} MB, row bomb "
        f"{row_bomb.stat().st_size / 1e6:.2f} MB, "
        f"100,000-column CSV {wide.stat().st_size / 1e6:.1f} MB"
    )

    def registry_preview(path: Path) -> Callable[[], str]:
        def case() -> str:
            from asocia.registry.importer import preview

            shown = preview(path)
            return f"preview built: {len(shown['columns'])} columns"

        return case

    def diagnosis(path: Path) -> Callable[[], str]:
        def case() -> str:
            from asocia.diagnosis.loader import load_instruments
            from asocia.diagnosis.submissions import parse_export

            export = parse_export(path.read_bytes(), path.name, load_instruments())
            return f"parsed {len(export.submissions)} submissions"

        return case

    cap = args.memory_cap_mb
    import asocia.diagnosis.loader
    import asocia.diagnosis.submissions
    import asocia.registry.importer

    asocia.diagnosis.loader.load_instruments()
    run("registry: 1.5 GB shared string", registry_preview(string_bomb), cap)
    run("registry: 5-million-cell row", registry_preview(row_bomb), cap)
    run("registry: 100,000-column CSV", registry_preview(wide), cap)
    run("diagnosis: 1.5 GB shared string", diagnosis(string_bomb), cap)
    run("diagnosis: 5-million-cell row", diagnosis(row_bomb), cap)

    from argon2 import PasswordHasher

    from asocia.auth import accounts
    from asocia.db import Database
    from asocia.db.migrate import upgrade

    db = Database(f"sqlite:///{folder / 'timing.db'}")
    upgrade(db)
    with db.session() as session:
        accounts.create_user(session, "existe", "una clave larga", "field")
    assert isinstance(PasswordHasher(), PasswordHasher)
    for name in ("existe", "no-existe"):
        timings = []
        for i in range(5):
            with db.session() as session:
                started = time.perf_counter()
                accounts.authenticate(
                    session,
                    name,
                    "clave equivocada",
                    client=f"10.1.{i}.1",
                    max_failures=100,
                    window=__import__("datetime").timedelta(minutes=15),
                )
                timings.append(time.perf_counter() - started)
        print(
            f"login, wrong password, user {name!r:<12} median {sorted(timings)[2] * 1000:6.0f} ms"
        )


if __name__ == "__main__":
    main()
