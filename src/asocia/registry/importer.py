"""The import pipeline: read a registry file, validate each row, upsert what is accepted.

One import is one transaction: every accepted row is written, or (on any failure) none is.
Rows are streamed in batches; memory holds one batch plus the keys seen so far in the file.

>>> result = import_file(database, Path("registro.csv"))      # doctest: +SKIP
>>> result.summary()                                           # doctest: +SKIP
{'read': 2150, 'created': 2100, 'updated': 0, 'unchanged': 0, 'rejected': 38, 'flagged': 12}
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import update

from asocia.db.base import utcnow
from asocia.db.models.registry import ImportRun
from asocia.db.session import Database
from asocia.registry.columns import ColumnMap, Mapping, resolve_columns
from asocia.registry.readers import ReadError, open_table
from asocia.registry.store import (
    Actor,
    RegistryWriter,
    record_failed_run,
    start_import_run,
)
from asocia.registry.validation import REJECTED, Batch, BatchValidator, Problem

#: How many problems an :class:`ImportResult` keeps in memory (all are stored with the run).
PROBLEMS_KEPT = 10_000
BATCH_SIZE = 5_000

Progress = Callable[[int, int | None, str | None], None]


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
    with open_table(path, sheet or (mapping.sheet if mapping else None)) as table:
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
            "problem": required_columns_missing(columns),
        }


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
) -> ImportResult:
    """Import a registry file (CSV, XLSX or JSON lines) into ``database``.

    ``country`` is the default country of rows (a mapping file's ``country`` otherwise, else
    ``CL``). Raises :class:`~asocia.registry.readers.ReadError` when the file cannot be read at
    all and :class:`ImportFailed` when writing failed (then nothing was written).
    """
    actor = actor or Actor()
    country = (country or (mapping.country if mapping else None) or "CL").upper()
    sheet = sheet or (mapping.sheet if mapping else None)
    name = source_name or path.name
    with open_table(path, sheet) as table:
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
        validator = BatchValidator(columns, country=country, uf_clp=uf_clp, today=today)
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
                )
                _run(table.rows, validator, writer, result, batch_size, progress, table)
                if dry_run:
                    session.rollback()
                else:
                    writer.finish(analyse=result.created > 10_000)
                    session.execute(
                        update(ImportRun)
                        .where(ImportRun.id == run_id)
                        .values(status="committed", finished_at=utcnow(), **result.summary())
                    )
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
    return result


def _run(
    rows: Iterator[tuple[int, Sequence[Any] | None]],
    validator: BatchValidator,
    writer: RegistryWriter,
    result: ImportResult,
    batch_size: int,
    progress: Progress | None,
    table: Any,
) -> None:
    # Keys seen so far in the file: the only state that grows with the file (a few dozen
    # bytes per row), needed to reject a key used twice instead of failing the transaction.
    seen_tax: dict[str, dict[int | str, int]] = {}
    seen_registry: dict[str, dict[int | str, int]] = {}
    for chunk in _batches(rows, batch_size):
        batch = validator.validate(chunk)
        _reject_repeated_keys(batch, validator, seen_tax, seen_registry)
        _apply(writer, batch, result, validator)
        result.read += len(chunk)
        problems = batch.problems
        if problems:
            result.problem_count += len(problems)
            room = PROBLEMS_KEPT - len(result.problems)
            if room > 0:
                result.problems.extend(problems[:room])
            writer.add_problems(problems)
        if progress is not None:
            progress(table.position(), table.size or None, f"{result.read} rows read")


_CHECK_DIGITS = {d: i for i, d in enumerate("0123456789K")}


def _compact(value: str) -> int | str:
    """A key that takes little memory: ``"76086428-5"`` and ``"1000"`` become integers."""
    if value.isdigit():
        return int(value) * 16 + 15
    body, dash, check = value.rpartition("-")
    if dash and body.isdigit() and check in _CHECK_DIGITS:
        return int(body) * 16 + _CHECK_DIGITS[check]
    return value


def _reject_repeated_keys(
    batch: Batch,
    validator: BatchValidator,
    seen_tax: dict[str, dict[int | str, int]],
    seen_registry: dict[str, dict[int | str, int]],
) -> None:
    values, keep, lines = batch.values, batch.keep, batch.lines
    countries = values["country"]
    taxes = values.get("tax_id") or [None] * len(lines)
    registries = values.get("registry_number") or [None] * len(lines)
    by_tax = seen_tax
    for i, (country, tax, registry) in enumerate(zip(countries, taxes, registries, strict=True)):
        if not keep[i]:
            continue
        taxes_seen = by_tax.get(country)
        if taxes_seen is None:
            taxes_seen = by_tax[country] = {}
        registries_seen = seen_registry.get(country)
        if registries_seen is None:
            registries_seen = seen_registry[country] = {}
        tax_key = _compact(tax) if tax is not None else None
        registry_key = _compact(registry) if registry is not None else None
        first = column = value = None
        if tax_key is not None and tax_key in taxes_seen:
            first, column, value = taxes_seen[tax_key], "tax_id", tax
        elif registry_key is not None and registry_key in registries_seen:
            first, column, value = registries_seen[registry_key], "registry_number", registry
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
            taxes_seen[tax_key] = lines[i]
        if registry_key is not None:
            registries_seen[registry_key] = lines[i]


def _apply(
    writer: RegistryWriter, batch: Batch, result: ImportResult, validator: BatchValidator
) -> None:
    batch.values["source_row"] = batch.lines
    keep = batch.keep
    if writer.was_empty:
        kept = [i for i, k in enumerate(keep) if k]
        writer.create_columns(batch.values, kept)
        result.created += len(kept)
        result.rejected += len(keep) - len(kept)
        result.flagged += sum(1 for i in kept if batch.flagged[i])
        return
    values = batch.values
    by_tax, by_registry = writer.existing(
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
    for i, line in enumerate(batch.lines):
        if not keep[i]:
            continue
        record = batch.record(i)
        country = record["country"]
        tax_id, registry = record.get("tax_id"), record.get("registry_number")
        current = by_tax.get((country, tax_id)) if tax_id else None
        holder = by_registry.get((country, registry)) if registry else None
        if current is None and holder is not None and (holder["tax_id"] is None or tax_id is None):
            current = holder  # the same cooperative, known so far by its registry number
        if holder is not None and (current is None or holder["id"] != current["id"]):
            batch.reject(
                i,
                Problem(
                    line,
                    validator.header("registry_number"),
                    registry,
                    "registry number already belongs to another cooperative "
                    f"(tax id {holder['tax_id']})",
                    REJECTED,
                ),
            )
            continue
        if current is None:
            new.append(i)
            continue
        record.pop("source_row", None)
        changed = writer.compare(record, current)
        if changed:
            writer.update(current["id"], current, changed, line=line)
            result.updated += 1
        else:
            result.unchanged += 1
    writer.create_columns(batch.values, new)
    result.created += len(new)
    result.rejected += keep.count(False)
    result.flagged += sum(1 for i, k in enumerate(keep) if k and batch.flagged[i])
