"""``kill -9`` of an importing process leaves no reading process (or resource tracker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.registry.conftest import Files, row

PARENT = """
import sys, time
from datetime import date
from pathlib import Path
from asocia.registry.columns import resolve_columns
from asocia.registry.parallel import worker_batches
from asocia.registry.readers import open_table
from asocia.registry.validation import BatchValidator

path = Path(sys.argv[1])
with open_table(path) as table:
    columns = resolve_columns(table.headers, None)
validator = BatchValidator(columns, country="CL", uf_clp=39000.0, today=date(2024, 1, 1))
batches = worker_batches(path, None, None, "CL", 39000.0, date(2024, 1, 1), 5, validator)
next(batches)
print("ready", flush=True)
time.sleep(600)  # stops reading: the worker blocks on its full queue
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_reader_and_tracker_exit_when_the_importer_is_killed(tmp_path: Path) -> None:
    files = Files(tmp_path)
    rows = [row(rut="", name=f"Cooperativa Número {i}") for i in range(400)]
    path = files.csv(rows)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    children: list[int] = []
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "ready"
        children = _children(parent.pid)
        assert len(children) >= 2, children  # the reader and the resource tracker
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(c) for c in children):
            time.sleep(0.1)
        left = [c for c in children if _alive(c)]
        assert not left, f"processes left running after kill -9 of their parent: {left}"
    finally:
        if parent.poll() is None:
            parent.kill()
        for child in children:
            if _alive(child):
                os.kill(child, signal.SIGKILL)
