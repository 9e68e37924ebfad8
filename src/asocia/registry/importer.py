"""The import pipeline: read a registry file, validate each row, upsert what is accepted.

One import is one transaction: every accepted row is written, or (on any failure) none is.
Rows are streamed in batches; memory holds one batch plus the keys seen so far in the file.

>>> result = import_file(database, Path("registro.csv"))      # doctest: +SKIP
>>> result.summary()                                           # doctest: +SKIP
{'read': 2150, 'created': 2100, 'updated': 0, 'unchanged': 0, 'rejected': 38, 'flagged': 12}
"""

from __future__ import annotations

import gc
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress, islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from asocia.db.base import utcnow
from asocia.db.models.registry import CooperativeFlag, ImportRun
from asocia.db.session import Database
from asocia.locks import serialised
from asocia.registry.columns import ColumnMap, Mapping, resolve_columns
from asocia.registry.flags import flag_code
from asocia.registry.parallel import worker_batches
from asocia.registry.readers import ReadError, open_table
from asocia.registry.store import (
    SQLITE_MAX_PARAMETERS,
    Actor,
    RegistryWriter,
    record_failed_run,
    start_import_run,
)
from asocia.registry.validation import (
    FLAGGED,
    KEPT_BY_REGISTRY,
    REJECTED,
    Batch,
    BatchValidator,
    Problem,
)

#: How many problems an :class:`ImportResult` keeps in memory (all are stored with the run and
#: all go to ``problem_sink``, which the CLI's ``--report`` writes).
PROBLEMS_KEPT = 10_000
BATCH_SIZE = 5_000
PARALLEL_BYTES = 32 * 1024 * 1024

Progress = Callable[[int, int | None, str | None], None]
ProblemSink = Callable[[Sequence[Problem]], None]
#: The progress message once every row is written: indexes are built and the run committed.
SAVING = "saving: indexes and commit"


class ImportFailed(Exception):
    """The import could not be completed and wrote nothing; the message is one line."""


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    flagged: int = 0
    dry_run: bool = False
    committed: bool = False
    import_run_id: int | None = None
    file_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    columns: list[dict[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    #: Seconds spent in each phase: ``waiting`` for read and validated batches, ``writing``
    #: them, ``indexes`` (building deferred indexes, refreshing statistics), ``commit``, and
    #: ``total``.
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """The six counts: ``read, created, updated, unchanged, rejected, flagged``."""
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "flagged": self.flagged,
        }

    def as_dict(self) -> dict[str, Any]:
        """Everything, JSON-able (problems limited to those kept)."""
        return {
            **self.summary(),
            "dry_run": self.dry_run,
            "committed": self.committed,
            "import_run_id": self.import_run_id,
            "file_format": self.file_format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "columns": self.columns,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _batches(rows: Iterator[tuple[int, Sequence[Any] | None]], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(rows, size)):
        yield batch


def required_columns_missing(columns: ColumnMap) -> str | None:
    """Why a file cannot be imported at all because of its columns, or None."""
    found = ", ".join(h for h in columns.headers if h) or "none"
    if "legal_name" not in columns.fields:
        return f"no column for the legal name (razón social); columns found: {found}"
    if "tax_id" not in columns.fields and "registry_number" not in columns.fields:
        return f"no column for the tax id (RUT) or registry number; columns found: {found}"
    return None


def preview(
    path: Path, *, mapping: Mapping | None = None, sheet: str | None = None, rows: int = 5
) -> dict[str, Any]:
    """The columns of a file as asocia understands them, and its first rows (for the wizard)."""
    header_row = mapping.header_row if mapping else None
    with open_table(path, sheet or (mapping.sheet if mapping else None), header_row) as table:
        columns = resolve_columns(table.headers, mapping)
        sample = [
            ["" if v is None else str(v) for v in cells]
            for _, cells in islice(table.rows, rows)
            if cells is not None
        ]
        return {
            "format": table.format,
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "columns": columns.describe(),
            "rows": sample,
            "header_row": table.header_row,
            "notes": [p.as_dict() for p in table.notes],
            "problem": required_columns_missing(columns),
        }


@serialised  # one import at a time per database (asocia.locks)
def import_file(
    database: Database,
    path: Path,
    *,
    country: str | None = None,
    mapping: Mapping | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    actor: Actor | None = None,
    uf_clp: float = 39_000.0,
    progress: Progress | None = None,
    source_name: str | None = None,
    today: date | None = None,
    batch_size: int = BATCH_SIZE,
    parallel: bool | None = None,
    problem_sink: ProblemSink | None = None,
) -> ImportResult:
    """Import a registry file (CSV, XLSX or JSON lines) into ``database``.

    ``country`` is the default country of rows (a mapping file's ``country`` otherwise, else
    ``CL``). Raises :class:`~asocia.registry.readers.ReadError` when the file cannot be read at
    all and :class:`ImportFailed` when writing failed (then nothing was written).
    ``parallel`` reads and validates in a second process while this one writes (by default for
    files of :data:`PARALLEL_BYTES` or more on a machine with several cores).
    ``problem_sink`` receives every problem, batch by batch (``--report`` writes them all).
    A mapping's ``header_row`` says on which line the header is (else it is detected).
    """
    started = time.perf_counter()
    actor = actor or Actor()
    country = (country or (mapping.country if mapping else None) or "CL").upper()
    sheet = sheet or (mapping.sheet if mapping else None)
    name = source_name or path.name
    header_row = mapping.header_row if mapping else None
    with open_table(path, sheet, header_row) as table:
        columns = resolve_columns(table.headers, mapping)
        missing = required_columns_missing(columns)
        if missing:
            raise ReadError(f"{name}: {missing}")
        result = ImportResult(
            dry_run=dry_run,
            file_format=table.format,
            encoding=table.encoding,
            delimiter=table.delimiter,
            columns=columns.describe(),
        )
        validator = BatchValidator(
            columns, country=country, uf_clp=uf_clp, today=today, mapping=mapping
        )
        # The cyclic garbage collector would re-scan every batch's rows and the growing key
        # maps again and again (a third of the time of a million-row import); the pipeline
        # makes no reference cycles, so it is paused for the import and restored after.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with database.session() as session:
                run_id = None
                if not dry_run:
                    run = start_import_run(
                        session,
                        source_file=name,
                        file_format=table.format,
                        country=country,
                        actor=actor,
                        columns=result.columns,
                    )
                    run_id = result.import_run_id = run.id
                writer = RegistryWriter(
                    session,
                    actor=actor,
                    import_run_id=run_id,
                    source_file=name,
                    write=not dry_run,
                    bulk=True,
                )
                if parallel is None:
                    parallel = path.stat().st_size >= PARALLEL_BYTES and (os.cpu_count() or 1) > 1
                if not parallel:
                    source = local_batches(table, validator, batch_size)
                else:
                    # This process checks the keys used twice in the file, and validates the
                    # batches the reader hands over raw when this one would wait: the reader
                    # and the writer share the work rather than one waiting for the other.
                    source = checked_keys(
                        worker_batches(
                            path, sheet, mapping, country, uf_clp, today, batch_size, validator
                        ),
                        validator,
                    )
                _run(source, validator, writer, result, progress, table.size, problem_sink)
                # Banner rows above the header and totals rows: skipped, with a note each.
                _keep_problems(result, writer, list(table.notes), problem_sink)
                if dry_run:
                    session.rollback()
                else:
                    if progress is not None:
                        progress(table.size, table.size or None, SAVING)
                    mark = time.perf_counter()
                    writer.finish(analyse=result.created > 10_000)
                    session.execute(
                        update(ImportRun)
                        .where(ImportRun.id == run_id)
                        .values(status="committed", finished_at=utcnow(), **result.summary())
                    )
                    result.timings["indexes"] = time.perf_counter() - mark
                mark = time.perf_counter()
            result.timings["commit"] = time.perf_counter() - mark
        except ReadError:
            raise
        except Exception as exc:
            message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            if not dry_run:
                with database.session() as session:
                    result.import_run_id = record_failed_run(
                        session,
                        source_file=name,
                        file_format=table.format,
                        country=country,
                        actor=actor,
                        message=message,
                    )
            raise ImportFailed(f"{name}: nothing was imported: {message}") from exc
        finally:
            if collecting:
                gc.enable()
    result.committed = not dry_run
    result.timings["total"] = time.perf_counter() - started
    return result


def _keep_problems(
    result: ImportResult,
    writer: RegistryWriter,
    problems: list[Problem],
    problem_sink: ProblemSink | None,
) -> None:
    if not problems:
        return
    result.problem_count += len(problems)
    room = PROBLEMS_KEPT - len(result.problems)
    if room > 0:
        result.problems.extend(problems[:room])
    writer.add_problems(problems)
    if problem_sink is not None:
        problem_sink(problems)


BatchSource = Iterator[tuple[Batch, int, int]]  # (batch, rows in it, reader position)


def local_batches(table: Any, validator: BatchValidator, batch_size: int) -> BatchSource:
    """Validated batches of ``table``, keys used twice in the file already rejected."""
    source = (
        (validator.validate(chunk), len(chunk), table.position())
        for chunk in _batches(table.rows, batch_size)
    )
    return checked_keys(source, validator)


def checked_keys(source: BatchSource, validator: BatchValidator) -> BatchSource:
    """``source``'s batches with the keys already used earlier in the file rejected."""
    # Keys seen so far, to reject a key used twice instead of failing the transaction.
    seen = SeenKeys(validator.country)
    for batch, count, position in source:
        _reject_repeated_keys(batch, validator, seen)
        yield batch, count, position


def _run(
    source: BatchSource,
    validator: BatchValidator,
    writer: RegistryWriter,
    result: ImportResult,
    progress: Progress | None,
    size: int,
    problem_sink: ProblemSink | None = None,
) -> None:
    waiting = writing = 0.0
    mark = time.perf_counter()
    for batch, count, position in source:
        now = time.perf_counter()
        waiting += now - mark
        _apply(writer, batch, result, validator)
        result.read += count
        _keep_problems(result, writer, batch.problems, problem_sink)
        if progress is not None:
            progress(position, size or None, f"{result.read} rows read")
        mark = time.perf_counter()
        writing += mark - now
    result.timings["waiting"] = waiting + time.perf_counter() - mark
    result.timings["writing"] = writing


class SeenKeys:
    """Keys already used in the file (tax ids, registry numbers) with the line of first use.

    Kept in an in-memory SQLite table rather than Python dicts: a million rows' keys take
    tens of megabytes there and over 200 MB as dicts, and this is the only state that grows
    with the file. Keys of the file's default country are stored as given (canonical tax ids,
    registry numbers), others with their country in front.
    """

    _CHUNK = min(10_000, SQLITE_MAX_PARAMETERS)  # keys a query

    def __init__(self, default_country: str) -> None:
        self.default_country = default_country
        self.db = sqlite3.connect(":memory:")
        for kind in ("tax", "reg"):
            self.db.execute(f"CREATE TABLE {kind} (key PRIMARY KEY, line INTEGER) WITHOUT ROWID")

    def keys(self, countries: list[str], values: list[str | None]) -> list[str | None]:
        """The stored form of each of ``values`` (None stays None), of its row's country."""
        if set(countries) <= {self.default_country}:
            return values
        default = self.default_country
        return [
            v if v is None or c == default else f"{c}:{v}"
            for c, v in zip(countries, values, strict=True)
        ]

    def first_lines(self, kind: str, keys: list[str]) -> dict[str, int]:
        """The keys among ``keys`` already seen, with their first line."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), self._CHUNK):
            chunk = keys[start : start + self._CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(f"SELECT key, line FROM {kind} WHERE key IN ({marks})", chunk)
            )
        return found

    def add(self, kind: str, pairs: list[tuple[str, int]]) -> None:
        """Remember new keys with their line."""
        self.db.executemany(f"INSERT INTO {kind} VALUES (?, ?)", pairs)


def _reject_repeated_keys(batch: Batch, validator: BatchValidator, seen: SeenKeys) -> None:
    values, keep, lines = batch.values, batch.keep, batch.lines
    n = len(lines)
    countries = values["country"]
    taxes = values.get("tax_id") or [None] * n
    registries = values.get("registry_number") or [None] * n
    tax_keys = seen.keys(countries, taxes)
    registry_keys = seen.keys(countries, registries)
    kept = list(compress(range(n), keep))
    known_tax = seen.first_lines("tax", [k for k in map(tax_keys.__getitem__, kept) if k])
    known_reg = seen.first_lines("reg", [k for k in map(registry_keys.__getitem__, kept) if k])
    here_tax: dict[str, int] = {}
    here_reg: dict[str, int] = {}
    for i in kept:
        tax_key, registry_key = tax_keys[i], registry_keys[i]
        first = column = value = None
        if tax_key is not None:
            first = known_tax.get(tax_key) or here_tax.get(tax_key)
            column, value = "tax_id", taxes[i]
            if (
                first is not None
                and registry_key is not None
                and known_reg.get(registry_key) is None
                and here_reg.get(registry_key) is None
            ):
                # The same tax id on a row with another registry number: two co-ops, one of
                # them with a wrong tax id. Keep this one under its registry number.
                _drop_tax_id(batch, validator, i, taxes[i], first)
                tax_key = None
                first = None
        if first is None and registry_key is not None:
            first = known_reg.get(registry_key) or here_reg.get(registry_key)
            column, value = "registry_number", registries[i]
        if first is not None:
            batch.reject(
                i,
                Problem(
                    lines[i],
                    validator.header(column or ""),
                    value,
                    f"duplicate key inside the file (first on line {first})",
                    REJECTED,
                ),
            )
            continue
        if tax_key is not None:
            here_tax[tax_key] = lines[i]
        if registry_key is not None:
            here_reg[registry_key] = lines[i]
    seen.add("tax", list(here_tax.items()))
    seen.add("reg", list(here_reg.items()))


def _drop_tax_id(
    batch: Batch, validator: BatchValidator, i: int, tax: str | None, first: int
) -> None:
    header = validator.header("tax_id")
    batch.values["tax_id"][i] = None
    extras = batch.values.setdefault("extra", [None] * len(batch.lines))
    extra = dict(extras[i] or {})
    extra[header] = tax
    extras[i] = extra
    batch.problems.append(
        Problem(
            batch.lines[i],
            header,
            tax,
            f"tax id already used on line {first} by a row with another registry number"
            + KEPT_BY_REGISTRY,
            FLAGGED,
            "tax_id",
        )
    )
    batch.flagged[i] = True


def _write_flags(writer: RegistryWriter, batch: Batch, ids: dict[int, int]) -> None:
    """One open flag per flagged problem of a kept row (the correction queue)."""
    if not writer.write or not ids:
        return
    index = {line: i for i, line in enumerate(batch.lines)}
    rows = []
    for p in batch.problems:
        if p.outcome != FLAGGED:
            continue
        i = index.get(p.line)
        coop_id = ids.get(i) if i is not None else None
        if coop_id is None:
            continue
        rows.append(
            {
                "cooperative_id": coop_id,
                "field": (p.field or p.column or "")[:300],
                "code": flag_code(p.reason),
                "value": p.value,
                "reason": p.reason,
                "import_run_id": writer.import_run_id,
                "line": p.line,
                "created_at": writer.now,
            }
        )
    if rows and not writer.was_empty:
        # A flag already noted for the same value (open, or resolved by an analyst) is not
        # added again when the same file is imported again.
        flags = CooperativeFlag.__table__.c
        known = {
            tuple(row)
            for row in writer.connection.execute(
                select(flags.cooperative_id, flags.field, flags.code, flags.value).where(
                    flags.cooperative_id.in_({r["cooperative_id"] for r in rows})
                )
            )
        }
        rows = [
            r for r in rows if (r["cooperative_id"], r["field"], r["code"], r["value"]) not in known
        ]
    if rows:
        writer.connection.execute(insert(CooperativeFlag), rows)


#: Columns of a batch the quick "unchanged" test leaves out: the country is part of the key,
#: the line is bookkeeping, and extra attributes merge with those stored.
_NOT_COMPARED = frozenset(("country", "source_row", "extra"))


def _getter(positions: list[int | None]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function picking ``positions`` of a row as a tuple (None for a position of None)."""
    if None in positions:
        return lambda row: tuple(None if k is None else row[k] for k in positions)
    picked = [k for k in positions if k is not None]
    if not picked:
        return lambda row: ()
    if len(picked) == 1:
        only = picked[0]
        return lambda row: (row[only],)
    return itemgetter(*picked)


def _apply(
    writer: RegistryWriter, batch: Batch, result: ImportResult, validator: BatchValidator
) -> None:
    batch.values["source_row"] = batch.lines
    keep = batch.keep
    if writer.was_empty:
        kept = [i for i, k in enumerate(keep) if k]
        created = writer.create_columns(batch.values, kept)
        result.created += len(kept)
        result.rejected += len(keep) - len(kept)
        result.flagged += sum(1 for i in kept if batch.flagged[i])
        _write_flags(writer, batch, dict(zip(kept, created, strict=False)))
        return
    values = batch.values
    names, by_tax, by_registry = writer.existing(
        [
            (c, t)
            for c, t, k in zip(
                values["country"], values.get("tax_id") or [None] * len(keep), keep, strict=True
            )
            if k and t
        ],
        [
            (c, r)
            for c, r, k in zip(
                values["country"],
                values.get("registry_number") or [None] * len(keep),
                keep,
                strict=True,
            )
            if k and r
        ],
    )
    new: list[int] = []
    ids: dict[int, int] = {}
    changes: list[tuple[int, dict[str, Any], dict[str, Any], int | None]] = []
    n = len(keep)
    countries = values["country"]
    taxes = values.get("tax_id") or [None] * n
    registries = values.get("registry_number") or [None] * n
    # A re-import mostly brings rows that changed nothing: each row's values, as one tuple,
    # are compared at once with the same columns of the stored cooperative (a tuple as read,
    # picked by one C-level getter). Only rows that differ (or carry extra attributes, merged
    # key by key) become a dict and go through the field-by-field comparison, which gives
    # the same verdict.
    position = {name: k for k, name in enumerate(names)}
    id_at, tax_at = position["id"], position["tax_id"]
    compared = [c for c in values if c not in _NOT_COMPARED]
    incoming = list(zip(*(values[c] for c in compared), strict=True))
    stored = _getter([position.get(c) for c in compared])
    extras = values.get("extra") or [None] * n
    # Cooperatives changed by an earlier row of this batch, as dicts with their new values:
    # a later row reaching the same one compares with, and records as old, what that row wrote.
    changed_rows: dict[int, dict[str, Any]] = {}

    def tax_of(row: Sequence[Any]) -> Any:
        edited = changed_rows.get(row[id_at])
        return row[tax_at] if edited is None else edited["tax_id"]

    for i, line in enumerate(batch.lines):
        if not keep[i]:
            continue
        country = countries[i]
        tax_id, registry = taxes[i], registries[i]
        found = by_tax.get((country, tax_id)) if tax_id else None
        holder = by_registry.get((country, registry)) if registry else None
        if found is None and holder is not None and (tax_of(holder) is None or tax_id is None):
            found = holder  # the same cooperative, known so far by its registry number
        if holder is not None and (found is None or holder[id_at] != found[id_at]):
            batch.reject(
                i,
                Problem(
                    line,
                    validator.header("registry_number"),
                    registry,
                    "registry number already belongs to another cooperative "
                    f"(tax id {tax_of(holder)})",
                    REJECTED,
                ),
            )
            continue
        if found is None:
            new.append(i)
            continue
        coop_id = ids[i] = found[id_at]
        current = changed_rows.get(coop_id)
        if current is None:
            if extras[i] is None and incoming[i] == stored(found):
                result.unchanged += 1
                continue
            current = dict(zip(names, found, strict=True))
        record = batch.record(i)
        record.pop("source_row", None)
        changed = writer.compare(record, current)
        if changed:
            # The old values as they are now; then ``current`` takes the new ones.
            changes.append((coop_id, {c: current.get(c) for c in changed}, changed, line))
            current.update(changed)
            changed_rows[coop_id] = current
            result.updated += 1
        else:
            result.unchanged += 1
    writer.update_many(changes)
    created = writer.create_columns(batch.values, new)
    ids.update(zip(new, created, strict=False))
    _write_flags(writer, batch, ids)
    result.created += len(new)
    result.rejected += keep.count(False)
    result.flagged += sum(1 for i, k in enumerate(keep) if k and batch.flagged[i])
