"""The one place that writes cooperatives, their contacts and their history.

Imports, the demonstration data and merges all come through here. Writing is designed for
volume: new cooperatives go in batches straight to the database driver (``executemany`` on
SQLite, ``COPY`` on PostgreSQL) with ids allocated up front, so no ORM object is built per row;
existing cooperatives are looked up per batch, compared field by field, and every changed value
leaves a :class:`~asocia.db.models.CooperativeChange` (who, when, which import run, old → new).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from typing import Any, cast

from sqlalchemy import (
    Connection,
    String,
    Table,
    Update,
    any_,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models import Cooperative, CooperativeContact
from asocia.db.models.registry import (
    CooperativeChange,
    DuplicateDecision,
    ImportProblem,
    ImportRun,
    record_keys,
)
from asocia.registry.columns import CONTACT_FIELDS
from asocia.registry.validation import Problem

COOPS = cast(Table, Cooperative.__table__)
CONTACTS = cast(Table, CooperativeContact.__table__)
CHANGES = cast(Table, CooperativeChange.__table__)
PROBLEMS = cast(Table, ImportProblem.__table__)

#: Columns of ``cooperatives`` an import or the demo data fills, in insert order.
# Binding None makes Python's sqlite3 try two protocol lookups that fail with exceptions, which
# costs more than the insert itself; a registered adapter returns None (NULL) directly. The
# result is identical for every connection of the process, only faster.
sqlite3.register_adapter(type(None), {}.get)  # type: ignore[arg-type]

COLUMNS: tuple[str, ...] = (
    "country", "tax_id", "registry_number", "legal_name", "trade_name", "name_key",
    "organisation_type", "legal_class", "ilo_type", "ilo_type_overridden", "isic_section",
    "rubro", "sub_rubro", "region_code", "province_code", "comuna_code", "rural_class",
    "admin_division", "city", "legal_status", "activity", "constituted_on", "in_force_on",
    "dissolved_on", "cancelled_on", "members_total", "members_women", "members_men",
    "members_legal_persons", "members_founding", "employees", "worker_members", "sales_amount",
    "sales_currency", "sales_year", "size_band", "extra", "source_file", "source_row",
    "import_run_id", "last_verified_on",
)  # fmt: skip
_DATE_COLUMNS = frozenset(
    ("constituted_on", "in_force_on", "dissolved_on", "cancelled_on", "last_verified_on")
)
# Columns that are bookkeeping, not facts about the cooperative: never a history entry.
_NOT_HISTORY = frozenset(("name_key", "ilo_type_overridden", "source_file", "source_row",
                          "import_run_id", "country"))  # fmt: skip
#: Page cache of a bulk-writing SQLite connection, in KiB (SQLite's default is 2 MB).
SQLITE_BULK_CACHE_KIB = -65536
#: Parameters one SQLite statement may bind: 32,766 since SQLite 3.32, 999 before.
SQLITE_MAX_PARAMETERS = 32_766 if sqlite3.sqlite_version_info >= (3, 32) else 999
#: Keys looked up per query when an import reads the stored co-ops of a batch: round trips
#: are what a re-import into PostgreSQL waits on (the country takes one more parameter).
LOOKUP_CHUNK = min(5000, SQLITE_MAX_PARAMETERS - 1)
#: ``maintenance_work_mem`` for building the indexes deferred by a first PostgreSQL load.
POSTGRES_INDEX_MEMORY = "256MB"
_DEFAULTS = {"organisation_type": "cooperativa", "ilo_type_overridden": False}
# What an import compares an incoming row with: the facts and the contacts, without the
# timestamps (converting two datetimes per row cost more than the lookup itself).
# Dates come back as ISO text, the form imports carry them in, on both engines: no conversion
# per value, and a row read back compares equal with the same row read from the file.
_CURRENT = select(
    COOPS.c.id, COOPS.c.merged_into_id,
    *(sql_cast(COOPS.c[c], String).label(c) if c in _DATE_COLUMNS else COOPS.c[c] for c in COLUMNS),
    *(CONTACTS.c[c] for c in CONTACT_FIELDS),
).outerjoin(CONTACTS, CONTACTS.c.cooperative_id == COOPS.c.id)  # fmt: skip


@dataclass(frozen=True)
class Actor:
    """Who writes: recorded on every history entry."""

    user_id: int | None = None
    username: str | None = None


def _text(value: Any) -> str | None:
    """A value as history text."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _comparable(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _DATE_COLUMNS and isinstance(value, date):
        return value.isoformat()
    if column == "sales_amount":
        return float(value)
    return value


class RegistryWriter:
    """Writes cooperatives in one transaction of ``session``.

    ``write=False`` makes a dry run: it looks up and compares but writes nothing, so the
    counts are exactly those a real import would give.
    """

    def __init__(
        self,
        session: Session,
        *,
        actor: Actor,
        import_run_id: int | None = None,
        source_file: str | None = None,
        write: bool = True,
        bulk: bool = False,
    ) -> None:
        self.session = session
        self.connection: Connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.actor = actor
        self.import_run_id = import_run_id
        self.source_file = source_file
        self.write = write
        self.bulk = bulk
        self.now = utcnow()
        self.was_empty = self.connection.execute(select(COOPS.c.id).limit(1)).first() is None
        self._deferred_indexes: list[str] = []
        if self.dialect == "sqlite" and write and bulk:
            # A page cache big enough for the indexes being written (default: 2 MB) keeps
            # index maintenance in memory; reset by :meth:`finish`.
            self.connection.exec_driver_sql(f"PRAGMA cache_size={SQLITE_BULK_CACHE_KIB}")
            if self.was_empty:
                # Into an empty table, building the secondary indexes once at the end is
                # cheaper than maintaining them row by row. SQLite's DDL is transactional:
                # if the import fails, the indexes come back with the rollback.
                found = self.connection.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = 'cooperatives' AND sql IS NOT NULL"
                ).fetchall()
                self._deferred_indexes = [sql for _, sql in found]
                for name, _ in found:
                    self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
        elif self.dialect == "postgresql" and write and bulk and self.was_empty:
            # The first load of an empty registry: maintaining the indexes row by row costs
            # most of a COPY's time, building them once at the end a fraction of it. The
            # secondary indexes, the unique constraints on the keys and the contacts' foreign
            # key are dropped inside the import's transaction (PostgreSQL's DDL is
            # transactional: a failed import gets them back with the rollback) and created
            # again before commit, which checks them over the whole table at once: a key used
            # twice (the import rejects those rows first) or a contact without its
            # cooperative would fail the import, writing nothing. Dropping them locks the
            # tables, so readers of the registry wait until this first load commits —
            # acceptable for an empty registry, and never the case for later imports.
            self.connection.exec_driver_sql("LOCK TABLE cooperatives IN ACCESS EXCLUSIVE MODE")
            # Re-checked under the lock: another import may have filled it meanwhile.
            self.was_empty = self.connection.execute(select(COOPS.c.id).limit(1)).first() is None
            if self.was_empty:
                found = self.connection.exec_driver_sql(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE i.indrelid = 'cooperatives'::regclass "
                    "AND NOT i.indisunique AND NOT i.indisprimary"
                ).fetchall()
                self._deferred_indexes = [sql for _, sql in found]
                for name, _ in found:
                    self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
                constraints = self.connection.exec_driver_sql(
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                    "FROM pg_constraint WHERE (conrelid = 'cooperatives'::regclass "
                    "AND contype = 'u') OR (conrelid = 'cooperative_contacts'::regclass "
                    "AND contype = 'f') ORDER BY contype DESC, conname"
                ).fetchall()
                for table, name, definition in constraints:
                    self.connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                    self._deferred_indexes.append(
                        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                    )
        self._next_id: int | None = None

    # -- creation --------------------------------------------------------------------------

    def _allocate_ids(self, count: int) -> list[int]:
        if self.dialect == "postgresql":
            rows = self.connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('cooperatives', 'id')) "
                f"FROM generate_series(1, {int(count)})"
            ).fetchall()
            return [int(r[0]) for r in rows]
        if self._next_id is None:
            # The transaction already holds SQLite's write lock (the import run row is written
            # first), so no other writer can take these ids.
            current = self.connection.execute(select(func.max(COOPS.c.id))).scalar()
            self._next_id = (current or 0) + 1
        start = self._next_id
        self._next_id += count
        return list(range(start, start + count))

    def create(self, records: Sequence[dict[str, Any]]) -> list[int]:
        """Insert new cooperatives given as dicts (and their contacts); returns their ids."""
        names: dict[str, None] = {}
        for record in records:
            names.update(dict.fromkeys(record))
        values = {name: [r.get(name) for r in records] for name in names}
        return self.create_columns(values, list(range(len(records))))

    def create_columns(self, values: dict[str, list[Any]], rows: list[int]) -> list[int]:
        """Insert rows ``rows`` of column-wise ``values`` as new cooperatives; returns their ids.

        Only the columns present are sent; constant ones (provenance, timestamps) are repeated
        without per-row work.
        """
        if not rows or not self.write:
            return []
        ids = self._allocate_ids(len(rows))
        size = len(next(iter(values.values()), rows))
        columns: list[str] = ["id"]
        ids_by_row: list[int | None] = [None] * size
        for i, coop_id in zip(rows, ids, strict=True):
            ids_by_row[i] = coop_id
        data: list[Iterable[Any]] = [ids_by_row]
        sqlite = self.dialect == "sqlite"
        for name in COLUMNS:
            column = values.get(name)
            if column is None:
                continue
            if name == "extra":
                column = [None if e is None else json.dumps(e, ensure_ascii=False) for e in column]
            elif name == "ilo_type_overridden" and sqlite:
                column = [1 if v else 0 for v in column]
            columns.append(name)
            data.append(column)
        now = self._bind_now()
        constants: dict[str, Any] = {"created_at": now, "updated_at": now}
        if "organisation_type" not in values:
            constants["organisation_type"] = _DEFAULTS["organisation_type"]
        if "ilo_type_overridden" not in values:
            constants["ilo_type_overridden"] = 0 if sqlite else False
        if "source_file" not in values and self.source_file is not None:
            constants["source_file"] = self.source_file
        if "import_run_id" not in values and self.import_run_id is not None:
            constants["import_run_id"] = self.import_run_id
        for name, constant in constants.items():
            columns.append(name)
            data.append(repeat(constant, size))
        # Each new cooperative's secret record key for the cell key method of public statistics
        # (the model's default, new_record_key, does not run on this raw path).
        columns.append("cell_key")
        data.append(record_keys(size))
        if len(rows) == size:
            picked = list(zip(*data, strict=False))  # constants are endless repeats
        else:
            # One pass over whole rows beats picking the kept rows out of every column.
            all_rows = list(zip(*data, strict=False))
            picked = [all_rows[i] for i in rows]
        self._insert_raw("cooperatives", columns, picked)
        contact_columns = [c for c in CONTACT_FIELDS if c in values]
        if contact_columns:
            picked_contacts = [[values[c][i] for i in rows] for c in contact_columns]
            contacts = [row for row in zip(ids, *picked_contacts, strict=True) if any(row[1:])]
            if contacts:
                self._insert_raw(
                    "cooperative_contacts",
                    ("cooperative_id", *contact_columns),
                    contacts,
                )
        return ids

    def _bind_now(self) -> Any:
        processor = COOPS.c.created_at.type.dialect_impl(self.connection.dialect).bind_processor(
            self.connection.dialect
        )
        return processor(self.now) if processor else self.now

    def _insert_raw(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        driver = self.connection.connection.driver_connection
        assert driver is not None
        names = ", ".join(f'"{c}"' for c in columns)
        cursor = driver.cursor()
        try:
            if self.dialect == "postgresql":
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        finally:
            cursor.close()

    # -- lookups and updates ---------------------------------------------------------------

    def existing(
        self, country_tax: Iterable[tuple[str, str]], country_registry: Iterable[tuple[str, str]]
    ) -> tuple[
        tuple[str, ...],
        dict[tuple[str, str], Sequence[Any]],
        dict[tuple[str, str], Sequence[Any]],
    ]:
        """Current rows (with contacts) by (country, tax id) and by (country, registry number).

        Rows are tuples in the order of the returned column names (no dict per row: a
        re-import compares most of them as they are). A row found by its tax id also answers
        for its registry number, so only the registry numbers not already seen are looked up:
        a re-import reads each row once.
        """
        names = tuple(c.name for c in _CURRENT.selected_columns)
        by_tax: dict[tuple[str, str], Sequence[Any]] = {}
        by_registry: dict[tuple[str, str], Sequence[Any]] = {}
        if self.was_empty:
            return names, by_tax, by_registry
        country, tax_id, registry_number = map(
            names.index, ("country", "tax_id", "registry_number")
        )
        for row in self._rows_by(COOPS.c.tax_id, country_tax):
            by_tax[(row[country], row[tax_id])] = row
            if row[registry_number] is not None:
                by_registry[(row[country], row[registry_number])] = row
        wanted = [pair for pair in country_registry if pair not in by_registry]
        for row in self._rows_by(COOPS.c.registry_number, wanted):
            by_registry[(row[country], row[registry_number])] = row
        return names, by_tax, by_registry

    def _rows_by(self, column: Any, pairs: Iterable[tuple[str, str]]) -> Iterable[Sequence[Any]]:
        """The cooperatives (facts and contacts, no bookkeeping) whose ``column`` is among
        ``pairs`` of (country, value), looked up through the unique (country, key) index."""
        by_country: dict[str, list[str]] = {}
        for country, key in pairs:
            by_country.setdefault(country, []).append(key)
        for country, keys in by_country.items():
            for start in range(0, len(keys), LOOKUP_CHUNK):
                chunk = keys[start : start + LOOKUP_CHUNK]
                if self.dialect == "postgresql":
                    # One array parameter, not thousands: the driver parses the query each time.
                    among = column == any_(literal(chunk, ARRAY(String)))
                else:
                    among = column.in_(chunk)
                result = self.connection.execute(_CURRENT.where(COOPS.c.country == country, among))
                yield from result.fetchall()

    def compare(self, record: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
        """The columns whose value ``record`` changes: column → new value (empty cells keep)."""
        changed: dict[str, Any] = {}
        for column, value in record.items():
            if column == "extra":
                merged = {**(current.get("extra") or {}), **value}
                if merged != (current.get("extra") or {}):
                    changed["extra"] = merged
                continue
            if column == "country" or value is None:
                continue
            old = current.get(column)
            if old != value and _comparable(column, old) != value:
                changed[column] = value
        return changed

    def update(
        self,
        cooperative_id: int,
        current: dict[str, Any],
        changed: dict[str, Any],
        *,
        action: str = "update",
        line: int | None = None,
    ) -> None:
        """Apply ``changed`` to one cooperative and record one history entry per fact."""
        self.update_many([(cooperative_id, current, changed, line)], action=action)

    def update_many(
        self,
        changes: Sequence[tuple[int, dict[str, Any], dict[str, Any], int | None]],
        *,
        action: str = "update",
    ) -> None:
        """Apply several ``(cooperative id, current row, changed values, file line)`` at once.

        Each changed fact leaves one history entry. Statements are sent per set of changed
        columns with ``executemany``, so a re-import that changes many rows costs a few round
        trips per batch rather than three per row.
        """
        if not self.write:
            return
        # Statements grouped by columns are sent in no particular order, so a cooperative
        # changed twice (two rows of a file may reach it, one by tax id, one by registry
        # number) starts a new segment: its changes are applied in the file's order.
        segment: list[tuple[int, dict[str, Any], dict[str, Any], int | None]] = []
        ids: set[int] = set()
        for change in changes:
            if change[0] in ids:
                self._update_segment(segment, action)
                segment, ids = [], set()
            segment.append(change)
            ids.add(change[0])
        self._update_segment(segment, action)

    def _update_segment(
        self,
        changes: Sequence[tuple[int, dict[str, Any], dict[str, Any], int | None]],
        action: str,
    ) -> None:
        """:meth:`update_many` for changes that name each cooperative at most once."""
        history: list[dict[str, Any]] = []
        coop_rows: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        contact_values: dict[int, dict[str, Any]] = {}
        for cooperative_id, current, changed, line in changes:
            if not changed:
                continue
            history.extend(
                {
                    "cooperative_id": cooperative_id,
                    "changed_at": self.now,
                    "user_id": self.actor.user_id,
                    "username": self.actor.username,
                    "import_run_id": self.import_run_id,
                    "action": action,
                    "field": column,
                    "old_value": _text(current.get(column)),
                    "new_value": _text(value),
                    "personal": column in CONTACT_FIELDS,
                }
                for column, value in changed.items()
                if column not in _NOT_HISTORY
            )
            values = {c: v for c, v in changed.items() if c not in CONTACT_FIELDS}
            contacts = {c: v for c, v in changed.items() if c in CONTACT_FIELDS}
            if values:
                for column in _DATE_COLUMNS & values.keys():
                    value = values[column]
                    values[column] = date.fromisoformat(value) if isinstance(value, str) else value
                values["updated_at"] = self.now
                if self.import_run_id is not None:
                    values.update(import_run_id=self.import_run_id, source_file=self.source_file)
                    if line is not None:
                        values["source_row"] = line
                _add_update(coop_rows, cooperative_id, values)
            if contacts:
                contact_values[cooperative_id] = contacts
        for columns, rows in coop_rows.items():
            self.connection.execute(_update_by_id(COOPS, COOPS.c.id, columns), rows)
        if contact_values:
            self._write_contacts(contact_values)
        if history:
            self.connection.execute(insert(CHANGES), history)

    def _write_contacts(self, contact_values: dict[int, dict[str, Any]]) -> None:
        ids = list(contact_values)
        have: set[int] = set()
        for start in range(0, len(ids), 500):
            have.update(
                self.connection.execute(
                    select(CONTACTS.c.cooperative_id).where(
                        CONTACTS.c.cooperative_id.in_(ids[start : start + 500])
                    )
                ).scalars()
            )
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        inserts: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for cooperative_id, values in contact_values.items():
            if cooperative_id in have:
                _add_update(updates, cooperative_id, values)
            else:
                inserts.setdefault(tuple(sorted(values)), []).append(
                    {"cooperative_id": cooperative_id, **values}
                )
        for columns, rows in updates.items():
            self.connection.execute(
                _update_by_id(CONTACTS, CONTACTS.c.cooperative_id, columns), rows
            )
        for rows in inserts.values():
            self.connection.execute(insert(CONTACTS), rows)

    # -- import bookkeeping ----------------------------------------------------------------

    def add_problems(self, problems: Sequence[Problem]) -> None:
        """Store the problems of the current import run."""
        if not self.write or not problems or self.import_run_id is None:
            return
        self.connection.execute(
            insert(PROBLEMS),
            [
                {
                    "import_run_id": self.import_run_id,
                    "line": p.line,
                    "column": p.column,
                    "value": None if p.value is None else str(p.value)[:1000],
                    "reason": p.reason,
                    "outcome": p.outcome,
                }
                for p in problems
            ],
        )

    def finish(self, *, analyse: bool) -> None:
        """Rebuild deferred indexes, refresh planner statistics if asked, reset the cache."""
        if self._deferred_indexes and self.dialect == "postgresql":
            # Index builds sort in memory up to this much (default 64 MB), for this
            # transaction only.
            self.connection.exec_driver_sql(
                f"SET LOCAL maintenance_work_mem = '{POSTGRES_INDEX_MEMORY}'"
            )
        for sql in self._deferred_indexes:
            self.connection.exec_driver_sql(sql)
        self._deferred_indexes = []
        if analyse and self.write:
            self.analyse()
        if self.dialect == "sqlite" and self.write and self.bulk:
            self.connection.exec_driver_sql("PRAGMA cache_size=-2000")

    def analyse(self) -> None:
        """Refresh the planner's statistics after a large write (keeps list queries fast)."""
        if not self.write:
            return
        self.connection.exec_driver_sql("ANALYZE cooperatives")


def _update_by_id(table: Table, key: Any, columns: Sequence[str]) -> Update:
    """``UPDATE table SET column = :_column, ... WHERE key = :_id``, for ``executemany``."""
    return (
        update(table)
        .where(key == bindparam("_id"))
        .values({c: bindparam(f"_{c}", type_=table.c[c].type) for c in columns})
    )


def _add_update(
    groups: dict[tuple[str, ...], list[dict[str, Any]]], row_id: int, values: dict[str, Any]
) -> None:
    """Queue ``values`` for row ``row_id`` among the updates of the same columns, with the
    parameter names of :func:`_update_by_id`."""
    groups.setdefault(tuple(sorted(values)), []).append(
        {"_id": row_id, **{f"_{c}": v for c, v in values.items()}}
    )


def start_import_run(
    session: Session,
    *,
    source_file: str,
    file_format: str,
    country: str,
    actor: Actor,
    columns: list[dict[str, str]],
) -> ImportRun:
    """Create the import run row (inside the import's transaction)."""
    run = ImportRun(
        source_file=source_file[:300],
        file_format=file_format,
        country=country,
        user_id=actor.user_id,
        username=actor.username,
        columns=columns,
        status="running",
    )
    session.add(run)
    session.flush()
    return run


def record_failed_run(
    session: Session,
    *,
    source_file: str,
    file_format: str | None,
    country: str,
    actor: Actor,
    message: str,
) -> int:
    """Record an import that wrote nothing because it failed; returns the run id."""
    run = ImportRun(
        source_file=source_file[:300],
        file_format=file_format,
        country=country,
        user_id=actor.user_id,
        username=actor.username,
        status="failed",
        message=message,
        finished_at=utcnow(),
    )
    session.add(run)
    session.flush()
    return run.id


# -- merges and duplicate decisions -----------------------------------------------------------


class MergeError(ValueError):
    """The merge cannot be done (same record, already merged, unknown id)."""


def merge_cooperatives(session: Session, keep_id: int, other_id: int, actor: Actor) -> None:
    """Merge ``other_id`` into ``keep_id``: only by explicit action, keeping both histories.

    Empty fields of the kept record take the other's values (each with a history entry);
    the other record stays, marked ``merged_into_id``, with its own history intact.
    """
    if keep_id == other_id:
        raise MergeError("cannot merge a cooperative into itself")
    writer = RegistryWriter(session, actor=actor)
    rows = {
        row["id"]: dict(row)
        for row in session.connection()
        .execute(
            select(COOPS, *(CONTACTS.c[c] for c in CONTACT_FIELDS))
            .outerjoin(CONTACTS, CONTACTS.c.cooperative_id == COOPS.c.id)
            .where(COOPS.c.id.in_([keep_id, other_id]))
        )
        .mappings()
    }
    if keep_id not in rows or other_id not in rows:
        raise MergeError("unknown cooperative id")
    keep, other = rows[keep_id], rows[other_id]
    for record in (keep, other):
        if record["merged_into_id"] is not None:
            raise MergeError(f"cooperative {record['id']} is already merged into another")
    fill: dict[str, Any] = {}
    for column in (*COLUMNS, *CONTACT_FIELDS):
        if column in _NOT_HISTORY or column in ("tax_id", "registry_number"):
            continue
        if keep.get(column) in (None, "") and other.get(column) not in (None, ""):
            value = other[column]
            fill[column] = value.isoformat() if isinstance(value, date) else value
    writer.update(keep_id, keep, fill, action="merge")
    session.connection().execute(
        insert(CHANGES),
        [
            {
                "cooperative_id": keep_id,
                "changed_at": writer.now,
                "user_id": actor.user_id,
                "username": actor.username,
                "import_run_id": None,
                "action": "merge",
                "field": "merged_from",
                "old_value": None,
                "new_value": str(other_id),
                "personal": False,
            },
            {
                "cooperative_id": other_id,
                "changed_at": writer.now,
                "user_id": actor.user_id,
                "username": actor.username,
                "import_run_id": None,
                "action": "merged_into",
                "field": "merged_into_id",
                "old_value": None,
                "new_value": str(keep_id),
                "personal": False,
            },
        ],
    )
    session.connection().execute(
        update(COOPS)
        .where(COOPS.c.id == other_id)
        .values(merged_into_id=keep_id, updated_at=writer.now)
    )
    decide_pair(session, keep_id, other_id, "merged", actor)


def decide_pair(
    session: Session, first_id: int, second_id: int, decision: str, actor: Actor
) -> None:
    """Record a reviewer's decision on a duplicate pair (``merged`` or ``distinct``)."""
    if decision not in ("merged", "distinct"):
        raise ValueError(decision)
    low, high = sorted((first_id, second_id))
    existing = session.execute(
        select(DuplicateDecision).where(
            DuplicateDecision.first_id == low, DuplicateDecision.second_id == high
        )
    ).scalar_one_or_none()
    if existing is None:
        session.add(
            DuplicateDecision(
                first_id=low,
                second_id=high,
                decision=decision,
                user_id=actor.user_id,
                username=actor.username,
            )
        )
    else:
        existing.decision = decision
        existing.user_id, existing.username = actor.user_id, actor.username
        existing.decided_at = utcnow()
    session.flush()


def set_ilo_type(session: Session, cooperative_id: int, ilo_type: str | None, actor: Actor) -> None:
    """Override a cooperative's ILO type, or with None go back to its class's default.

    The change is recorded in the history like any other.
    """
    from asocia.registry.vocabulary import default_ilo_type, vocabulary

    if ilo_type is not None and ilo_type not in vocabulary("ilo_types").terms:
        raise ValueError(f"unknown ILO type {ilo_type!r}")
    current = dict(
        session.connection()
        .execute(select(COOPS).where(COOPS.c.id == cooperative_id))
        .mappings()
        .one()
    )
    overridden = ilo_type is not None
    new = ilo_type if overridden else default_ilo_type(current["legal_class"])
    if new == current["ilo_type"] and overridden == current["ilo_type_overridden"]:
        return
    RegistryWriter(session, actor=actor).update(
        cooperative_id, current, {"ilo_type": new, "ilo_type_overridden": overridden}
    )


__all__ = [
    "COLUMNS",
    "Actor",
    "MergeError",
    "RegistryWriter",
    "decide_pair",
    "merge_cooperatives",
    "record_failed_run",
    "set_ilo_type",
    "start_import_run",
]
