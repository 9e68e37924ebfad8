"""Reading and validating a large file in a second process while this one writes.

The import is CPU-bound on both sides (Python validation; driver binding and index building),
so on a machine with two or more cores a worker process reads and validates batches and sends
them through a bounded queue, while the importing process checks the keys used twice in the file
and writes. When the importing process finds no batch waiting, the worker hands it the next one
raw, to validate itself: the two share the work whichever side is faster (SQLite or PostgreSQL,
a busy machine). The transaction stays in the importing process, so "all or nothing" is
unchanged.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue as queue_module
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from asocia.processes import exit_with_parent
from asocia.registry.columns import Mapping
from asocia.registry.readers import ReadError
from asocia.registry.validation import BatchValidator

QUEUE_BATCHES = 4  # batches in flight: bounds the memory both processes use


class WorkerFailed(RuntimeError):
    """The reading process stopped with an error; the message is its one-line reason."""


def _produce(
    out: Any,
    hungry: Any,
    path: Path,
    sheet: str | None,
    mapping: Mapping | None,
    country: str,
    uf_clp: float,
    today: date | None,
    batch_size: int,
) -> None:
    from asocia.registry.columns import resolve_columns
    from asocia.registry.importer import _batches
    from asocia.registry.readers import open_table
    from asocia.registry.validation import BatchValidator

    exit_with_parent()  # a killed importer must not leave this process (and its queue) behind
    gc.disable()  # as in the importing process: no cycles, and the memos grow large
    try:
        with open_table(path, sheet, mapping.header_row if mapping else None) as table:
            columns = resolve_columns(table.headers, mapping)
            validator = BatchValidator(
                columns, country=country, uf_clp=uf_clp, today=today, mapping=mapping
            )
            for chunk in _batches(table.rows, batch_size):
                position = table.position()
                if hungry.is_set():
                    # The importing process ran out of batches and waited: it validates this
                    # one itself while this process reads and validates the next (validation is
                    # deterministic, so either process gives the same batch).
                    hungry.clear()
                    out.put(("rows", (chunk, position)))
                else:
                    out.put(("batch", (validator.validate(chunk), len(chunk), position)))
        out.put(("end", None))
    except ReadError as exc:
        out.put(("read_error", str(exc)))
    except Exception as exc:  # reported to the importing process, which fails the import
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def worker_batches(
    path: Path,
    sheet: str | None,
    mapping: Mapping | None,
    country: str,
    uf_clp: float,
    today: date | None,
    batch_size: int,
    validator: BatchValidator,
) -> Iterator[Any]:
    """The batches of ``importer.local_batches`` before its key check (left to the caller),
    read and mostly validated by a worker process.

    The worker hands over raw the batches it read while the caller was waiting for one;
    ``validator`` (the same as the worker's: validation is deterministic) validates them here.
    """
    context = multiprocessing.get_context("spawn")
    channel: Any = context.Queue(maxsize=QUEUE_BATCHES)
    hungry = context.Event()  # set by this process when it found no batch waiting
    worker = context.Process(
        target=_produce,
        args=(channel, hungry, path, sheet, mapping, country, uf_clp, today, batch_size),
        name="asocia-import-reader",
        daemon=True,
    )
    worker.start()
    try:
        while True:
            try:
                kind, payload = channel.get_nowait()
            except queue_module.Empty:
                hungry.set()
                try:
                    kind, payload = channel.get(timeout=1.0)
                except queue_module.Empty:
                    kind = None
            if kind is None:
                if not worker.is_alive():
                    raise WorkerFailed(
                        f"the reading process stopped (exit code {worker.exitcode})"
                    ) from None
                continue
            if kind == "batch":
                yield payload
            elif kind == "rows":
                chunk, position = payload
                yield validator.validate(chunk), len(chunk), position
            elif kind == "end":
                return
            elif kind == "read_error":
                raise ReadError(payload)
            else:
                raise WorkerFailed(payload)
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=10)
        channel.close()
