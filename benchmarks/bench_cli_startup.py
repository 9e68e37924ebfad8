"""Time the start-up of ``asocia`` commands, before (a git revision) → after (this checkout).

    .venv/bin/python benchmarks/bench_cli_startup.py [--before REV] [--rounds N]

Each command runs in a fresh interpreter of this virtual environment, ``--rounds`` times,
alternating the two versions (A B A B …) so that a busy machine slows both alike; the script
prints the median wall and CPU time of each and the ratios (CPU time is the steadier figure
on a shared machine). The "before" code is ``git archive``d from
``--before`` (default: the commit before the lazy CLI, ed9a00c) into a scratch folder and run
with ``PYTHONPATH`` pointing at it. Commands that need a database get a migrated scratch
SQLite file holding a 300-co-op demo registry. Target: ``--help``, ``--version``, a group's
``--help`` and light commands under 0.5 s. The load average is printed before and after: the
machine is shared, and wall times only mean something next to it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "ed9a00c"
COMMANDS = [
    ["--version"],
    ["--help"],
    ["db", "--help"],
    ["registry", "--help"],
    ["stats", "--help"],
    ["diagnosis", "--help"],
    ["stats", "indicators"],
    ["diagnosis", "instruments"],
    # Light commands that open the database (a small demo registry of 300 co-ops).
    ["db", "status"],
    ["users", "list"],
    ["registry", "list", "--limit", "5"],
    ["registry", "show", "1"],
    ["stats", "summary"],
    ["stats", "summary", "--json"],
]
RUN = "import sys; from asocia.cli.main import main; sys.argv[0] = 'asocia'; main()"


def run(src: Path, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUN, *args],
        env={**env, "PYTHONPATH": str(src)},
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({src}): {done.stderr.decode()[-500:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BASE, help="git revision measured as 'before'")
    parser.add_argument("--rounds", type=int, default=7, help="runs of each command per version")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", options.before, "src"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(scratch)], input=archive, check=True)
        versions = {"before": scratch / "src", "after": ROOT / "src"}
        # Each version gets its own database, migrated and filled by its own code (an older
        # asocia refuses a schema newer than its migrations).
        envs = {
            name: {
                **os.environ,
                "ASOCIA_DATABASE_URL": f"sqlite:///{scratch / f'bench-{name}.db'}",
                "LANGUAGE": "en",
            }
            for name in versions
        }
        for name, src in versions.items():
            run(src, ["db", "upgrade"], envs[name])
            run(src, ["demo", "--cooperatives", "300"], envs[name])
            run(src, ["stats", "summary"], envs[name])  # builds the statistics summary
        print(f"asocia start-up, median of {options.rounds} runs (before = {options.before})")
        print("load average (1, 5, 15 min) at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        print(f"{'':<34} {'wall time':^28} {'CPU time (user + system)':^28}")
        print(f"{'command':<34}" + f" {'before':>9} {'after':>9} {'ratio':>7}  " * 2)
        for args in COMMANDS:
            times: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
            for _round in range(options.rounds):
                for name, src in versions.items():
                    times[name].append(run(src, args, envs[name]))
            line = f"{'asocia ' + ' '.join(args):<34}"
            for column in (0, 1):
                before = statistics.median(t[column] for t in times["before"])
                after = statistics.median(t[column] for t in times["after"])
                line += f" {before:>8.3f}s {after:>8.3f}s {before / after:>6.1f}×  "
            print(line.rstrip(), flush=True)
        print("load average (1, 5, 15 min) at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
