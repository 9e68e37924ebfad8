"""Creating and editing one cooperative by hand (web form, API, accepted proposals).

Values go through the importer's own validation (:class:`~asocia.registry.validation.
BatchValidator`, fed a one-row "file" whose columns are the fields given) and are written by
the importer's writer (:class:`~asocia.registry.store.RegistryWriter`), so a value is accepted,
canonicalised and recorded in the history exactly as an import would do it. Differences from an
import: every problem (rejected *or* flagged) is an error of its field and nothing is written;
an empty value clears a field; and each write checks the record's ``version`` (optimistic
concurrency: an edit based on an older version is refused, never silently overwrites).

:func:`apply_changes` is the one function every write of this module ends in, where the changed
fields are known after a successful write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models import Cooperative, CooperativeContact
from asocia.db.models.registry import CooperativeChange, ImportRun
from asocia.registry.columns import CONTACT_FIELDS, FIELDS, ColumnMap
from asocia.registry.flags import resolve_flags
from asocia.registry.store import Actor, RegistryWriter
from asocia.registry.validation import BatchValidator

COOPS = cast(Table, Cooperative.__table__)
CONTACTS = cast(Table, CooperativeContact.__table__)
CHANGES = cast(Table, CooperativeChange.__table__)

#: Fields a person may set by hand (the import's fields, without derived or bookkeeping ones).
EDITABLE: tuple[str, ...] = tuple(
    f for f in FIELDS if f not in ("province", "last_verified_on", "country")
)
#: Fields a cooperative may propose for itself ("Actualizar nuestros datos").
PROPOSABLE: tuple[str, ...] = (
    "trade_name", "representative", "email", "phone", "address", "comuna", "city",
    "members_total", "members_women", "members_men", "employees", "worker_members", "activity",
)  # fmt: skip

# The stored columns a field's value decides (the validation derives the rest).
_OUTPUTS: dict[str, tuple[str, ...]] = {
    "comuna": ("comuna_code", "province_code", "rural_class", "region_code"),
    "region": ("region_code",),
    "legal_class": ("legal_class", "ilo_type", "ilo_type_overridden", "isic_section"),
    "ilo_type": ("ilo_type", "ilo_type_overridden"),
    "sales_amount": ("sales_amount", "sales_currency", "size_band"),
    "sales_currency": ("sales_currency", "size_band"),
    "legal_name": ("legal_name", "name_key"),
}
# Fields checked together: a problem found on one is an error when any of them is edited.
_GROUPS: tuple[frozenset[str], ...] = (
    frozenset(("members_total", "members_women", "members_men")),
    frozenset(("comuna", "region")),
    frozenset(("constituted_on", "dissolved_on", "cancelled_on")),
    frozenset(("tax_id", "registry_number")),
)


class EditError(ValueError):
    """Values that cannot be saved: ``errors`` maps each field to its reason (English)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class StaleVersion(Exception):
    """The record changed since the version the edit was based on; nothing was written."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the cooperative changed since (now version {current})")
        self.current = current


class NotFound(LookupError):
    """No such cooperative."""


@dataclass
class EditResult:
    """What a write did: the cooperative, the stored columns changed, its version now."""

    cooperative_id: int
    changed: dict[str, Any] = field(default_factory=dict)
    version: int = 1


# -- validation --------------------------------------------------------------------------------


def validate(
    values: Mapping[str, Any],
    *,
    country: str = "CL",
    uf_clp: float = 39_000.0,
    today: date | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate ``values`` (field → value as a person or a file writes it) as the importer does.

    Returns the record (stored column → canonical value, None for empty) and the problems
    (field → reason), rejected and flagged alike.
    """
    names = [n for n in values if n in FIELDS]
    if "country" not in names:
        names.append("country")
    cells = [_cell(values.get(n, country if n == "country" else None)) for n in names]
    columns = ColumnMap(list(names), {n: i for i, n in enumerate(names)}, [], [], [])
    validator = BatchValidator(columns, country=country, uf_clp=uf_clp, today=today)
    batch = validator.validate([(1, cells)])
    record = {name: column[0] for name, column in batch.values.items()}
    record.pop("extra", None)  # an unusable value is an error here, not an extra attribute
    errors: dict[str, str] = {}
    for problem in batch.problems:
        errors.setdefault(problem.column or "legal_name", problem.reason)
    return record, errors


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return value


def _inputs_from(current: Mapping[str, Any]) -> dict[str, Any]:
    """The current record as validation input (field → value), to check edits against."""
    out: dict[str, Any] = {}
    chile = current.get("country", "CL") == "CL"
    for name in EDITABLE:
        if name == "comuna":
            value = current.get("comuna_code") if chile else None
        elif name == "region":
            value = current.get("region_code") if chile else None
        elif name == "ilo_type":
            value = current.get("ilo_type") if current.get("ilo_type_overridden") else None
        else:
            value = current.get(name)
        if value is not None:
            out[name] = value
    return out


def input_value(current: Mapping[str, Any], name: str) -> str:
    """A stored value as a form shows it, which validation reads back as the same value."""
    if name == "comuna":
        value = current.get("comuna_code")
    elif name == "region":
        value = current.get("region_code")
    elif name == "ilo_type":
        value = current.get("ilo_type") if current.get("ilo_type_overridden") else None
    else:
        value = current.get(name)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    return str(value)


def outputs_of(name: str) -> tuple[str, ...]:
    """The stored columns the value of field ``name`` decides."""
    return _OUTPUTS.get(name, (name,))


def fixed_fields(changed: Mapping[str, Any]) -> list[str]:
    """The fields whose import flags a write of ``changed`` (stored columns) resolves.

    A field is fixed when its own column changed (``comuna`` by ``comuna_code``) or, since the
    write passed validation, any field checked together with it (members by sex and total).
    """
    fields = set(changed)
    fields |= {name for name, columns in _OUTPUTS.items() if columns[0] in changed}
    for group in _GROUPS:
        if fields & group:
            fields |= group
    return sorted(fields)


def _normal(column: str, value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if column == "sales_amount" and value is not None:
        return float(value)
    if column == "ilo_type_overridden":
        return bool(value)
    return value


def prepare_changes(
    current: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    uf_clp: float = 39_000.0,
    today: date | None = None,
) -> dict[str, Any]:
    """The stored columns ``values`` change in ``current`` (column → new value).

    Raises :class:`EditError` with each problem of an edited field (or of a field checked
    together with it) and :class:`EditError` for fields that cannot be edited.
    """
    unknown = [n for n in values if n not in EDITABLE]
    if unknown:
        raise EditError({n: "not a field that can be edited" for n in unknown})
    country = str(current.get("country") or "CL")
    if country != "CL":
        for name in ("comuna", "region"):
            if name in values:
                raise EditError({name: "only for Chile: use admin_division and city"})
    merged = {**_inputs_from(current), **values}
    record, problems = validate(merged, country=country, uf_clp=uf_clp, today=today)
    touched = set(values)
    for group in _GROUPS:
        if touched & group:
            touched |= group
    errors = {name: reason for name, reason in problems.items() if name in touched}
    if errors:
        raise EditError(errors)
    changed: dict[str, Any] = {}
    for name in values:
        for column in _OUTPUTS.get(name, (name,)):
            if column not in record:
                continue
            new = record[column]
            if _normal(column, current.get(column)) != _normal(column, new):
                changed[column] = new
    return changed


# -- reading -----------------------------------------------------------------------------------


def current_record(session: Session, cooperative_id: int) -> dict[str, Any]:
    """The cooperative's stored columns and contacts (raises :class:`NotFound`)."""
    row = (
        session.execute(
            select(COOPS, *(CONTACTS.c[c] for c in CONTACT_FIELDS))
            .outerjoin(CONTACTS, CONTACTS.c.cooperative_id == COOPS.c.id)
            .where(COOPS.c.id == cooperative_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(cooperative_id)
    return dict(row)


def _key_errors(
    session: Session, country: str, changed: Mapping[str, Any], cooperative_id: int | None
) -> dict[str, str]:
    """Tax id or registry number already used by another cooperative."""
    errors: dict[str, str] = {}
    for column in ("tax_id", "registry_number"):
        value = changed.get(column)
        if value is None:
            continue
        query = select(COOPS.c.id).where(COOPS.c.country == country, COOPS.c[column] == value)
        if cooperative_id is not None:
            query = query.where(COOPS.c.id != cooperative_id)
        other = session.execute(query.limit(1)).scalar()
        if other is not None:
            what = "tax id" if column == "tax_id" else "registry number"
            errors[column] = f"{what} already belongs to cooperative #{other}"
    return errors


# -- writing -----------------------------------------------------------------------------------


def create_cooperative(
    session: Session,
    values: Mapping[str, Any],
    *,
    actor: Actor,
    comment: str | None = None,
    may_edit_contacts: bool = False,
    uf_clp: float = 39_000.0,
    today: date | None = None,
) -> EditResult:
    """Create a cooperative from ``values`` (field → value); every problem is an error."""
    allowed = {*EDITABLE, "country"}
    unknown = [n for n in values if n not in allowed]
    if unknown:
        raise EditError({n: "not a field that can be edited" for n in unknown})
    _check_contacts(values, may_edit_contacts)
    given = {k: v for k, v in values.items() if v not in (None, "")}
    country = str(given.get("country") or "CL").strip().upper() or "CL"
    record, errors = validate(given, country=country, uf_clp=uf_clp, today=today)
    if "legal_name" not in given:
        errors.setdefault("legal_name", "legal name is required")
    errors.update(_key_errors(session, record.get("country") or country, record, None))
    if errors:
        raise EditError(errors)
    writer = RegistryWriter(session, actor=actor)
    record = {k: v for k, v in record.items() if v is not None}
    (cooperative_id,) = writer.create([record])
    session.connection().execute(
        insert(CHANGES),
        [
            {
                "cooperative_id": cooperative_id,
                "changed_at": writer.now,
                "user_id": actor.user_id,
                "username": actor.username,
                "import_run_id": None,
                "action": "create",
                "field": "legal_name",
                "old_value": None,
                "new_value": record["legal_name"],
                "personal": False,
                "comment": comment or None,
            }
        ],
    )
    return EditResult(cooperative_id, record, 1)


def _check_contacts(values: Iterable[str], may_edit_contacts: bool) -> None:
    personal = [n for n in values if n in CONTACT_FIELDS]
    if personal and not may_edit_contacts:
        raise EditError(
            {n: "contacts of people may not be edited by this account" for n in personal}
        )


def edit_cooperative(
    session: Session,
    cooperative_id: int,
    values: Mapping[str, Any],
    *,
    version: int,
    actor: Actor,
    comment: str | None = None,
    may_edit_contacts: bool = False,
    uf_clp: float = 39_000.0,
    today: date | None = None,
) -> EditResult:
    """Change the fields in ``values`` of a cooperative read at ``version``.

    Raises :class:`NotFound`, :class:`StaleVersion` (the record changed since ``version``;
    nothing written) or :class:`EditError` (field → reason; nothing written).
    """
    current = current_record(session, cooperative_id)
    if current["version"] != version:
        raise StaleVersion(current["version"])
    _check_contacts(values, may_edit_contacts)
    changed = prepare_changes(current, values, uf_clp=uf_clp, today=today)
    errors = _key_errors(session, current["country"], changed, cooperative_id)
    if errors:
        raise EditError(errors)
    return apply_changes(
        session, current, changed, actor=actor, comment=comment, expected_version=version
    )


def apply_changes(
    session: Session,
    current: Mapping[str, Any],
    changed: Mapping[str, Any],
    *,
    actor: Actor,
    comment: str | None = None,
    proposed_by: str | None = None,
    action: str = "update",
    expected_version: int | None = None,
) -> EditResult:
    """Write ``changed`` (stored column → new value) to the cooperative ``current`` describes.

    The one place every hand-made write of the registry ends: the version is moved on (only
    from ``expected_version`` when given, else :class:`StaleVersion`), the values are written
    by the importer's writer with one history entry per changed value (who, when, old → new),
    and the entries get the ``comment`` and, for an accepted proposal, its proposer. After it
    returns, the changed fields are ``result.changed``.
    """
    cooperative_id = int(current["id"])
    if not changed:
        return EditResult(cooperative_id, {}, int(current["version"]))
    writer = RegistryWriter(session, actor=actor)
    # Checked and moved on in one statement (it takes the row's write lock first). It sets
    # ``updated_at`` to the time the writer then writes, so the database's trigger (migration
    # 0007), which moves the version on for any other change of values (imports, merges),
    # leaves the writer's own statements alone: one edit, one version.
    bump = update(COOPS).where(COOPS.c.id == cooperative_id)
    if expected_version is not None:
        bump = bump.where(COOPS.c.version == expected_version)
    result = session.connection().execute(
        bump.values(version=COOPS.c.version + 1, updated_at=writer.now)
    )
    if result.rowcount != 1:
        now = session.execute(select(COOPS.c.version).where(COOPS.c.id == cooperative_id)).scalar()
        if now is None:
            raise NotFound(cooperative_id)
        raise StaleVersion(int(now))
    old = {column: current.get(column) for column in changed}
    writer.update(cooperative_id, old, dict(changed), action=action)
    if comment or proposed_by:
        session.connection().execute(
            update(CHANGES)
            .where(
                CHANGES.c.cooperative_id == cooperative_id,
                CHANGES.c.changed_at == writer.now,
                CHANGES.c.action == action,
            )
            .values(comment=comment or None, proposed_by=proposed_by)
        )
    version = session.execute(select(COOPS.c.version).where(COOPS.c.id == cooperative_id)).scalar()
    resolve_flags(session, cooperative_id, fixed_fields(changed), actor.user_id, actor.username)
    return EditResult(cooperative_id, dict(changed), int(version or 0))


# -- verification ------------------------------------------------------------------------------

#: How a record was verified, as its history entry's comment says.
VERIFIED_BY = {
    "confirmed": "the cooperative confirmed its data",
    "marked": "marked verified by an analyst",
    "diagnosis": "a diagnosis was recorded",
    "campaign": "verification campaign",
}


def mark_verified(
    session: Session,
    cooperative_id: int,
    *,
    actor: Actor,
    how: str,
    on: date | None = None,
    comment: str | None = None,
) -> EditResult:
    """Set ``last_verified_on`` (today by default), with a history entry saying how."""
    if how not in VERIFIED_BY:
        raise ValueError(how)
    current = current_record(session, cooperative_id)
    on = on or utcnow().date()
    if current.get("last_verified_on") is not None and current["last_verified_on"] >= on:
        return EditResult(cooperative_id, {}, int(current["version"]))
    note = VERIFIED_BY[how] + (f": {comment}" if comment else "")
    return apply_changes(
        session,
        current,
        {"last_verified_on": on.isoformat()},
        actor=actor,
        comment=note,
        action="verify",
    )


def mark_verified_many(
    session: Session, dates: Mapping[int, date], *, actor: Actor, how: str
) -> int:
    """:func:`mark_verified` for many cooperatives at once (cooperative id → date), in grouped
    statements (a diagnosis import of thousands of submissions); returns how many changed.

    The version of each moves on through the database's trigger, as for an import.
    """
    if how not in VERIFIED_BY:
        raise ValueError(how)
    ids = list(dates)
    current: dict[int, date | None] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(COOPS.c.id, COOPS.c.last_verified_on).where(
                COOPS.c.id.in_(ids[start : start + 500])
            )
        )
        current.update((row.id, row.last_verified_on) for row in rows)
    changes: list[tuple[int, dict[str, Any], dict[str, Any], int | None]] = []
    for i, on in dates.items():
        before = current.get(i, on)
        if i in current and (before is None or before < on):
            changes.append(
                (i, {"last_verified_on": before}, {"last_verified_on": on.isoformat()}, None)
            )
    if not changes:
        return 0
    writer = RegistryWriter(session, actor=actor)
    writer.update_many(changes, action="verify")
    session.connection().execute(
        update(CHANGES)
        .where(CHANGES.c.changed_at == writer.now, CHANGES.c.action == "verify")
        .values(comment=VERIFIED_BY[how])
    )
    return len(changes)


def history_entries(
    session: Session, cooperative_id: int, *, personal: bool
) -> list[dict[str, Any]]:
    """Every history entry of a cooperative with its comment and proposer, newest first."""
    query = select(CooperativeChange).where(CooperativeChange.cooperative_id == cooperative_id)
    if not personal:
        query = query.where(CooperativeChange.personal.is_(False))
    rows = session.execute(
        query.order_by(CooperativeChange.changed_at.desc(), CooperativeChange.id.desc())
    ).scalars()
    return [
        {
            "id": ch.id,
            "changed_at": ch.changed_at,
            "username": ch.username,
            "proposed_by": ch.proposed_by,
            "import_run_id": ch.import_run_id,
            "action": ch.action,
            "field": ch.field,
            "old_value": ch.old_value,
            "new_value": ch.new_value,
            "comment": ch.comment,
        }
        for ch in rows
    ]


__all__ = [
    "EDITABLE",
    "PROPOSABLE",
    "EditError",
    "EditResult",
    "NotFound",
    "StaleVersion",
    "apply_changes",
    "audit",
    "audit_imports",
    "create_cooperative",
    "current_record",
    "edit_cooperative",
    "history_entries",
    "input_value",
    "mark_verified",
    "mark_verified_many",
    "outputs_of",
    "prepare_changes",
    "validate",
]


def audit(
    session: Session,
    *,
    username: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Every write to the registry (each changed value), newest first, by user and date.

    ``until`` is inclusive. Personal-data values are not shown (only that they changed).
    """
    query = select(CooperativeChange, Cooperative.legal_name).join(
        Cooperative, Cooperative.id == CooperativeChange.cooperative_id
    )
    if username:
        query = query.where(CooperativeChange.username == username)
    if since:
        query = query.where(CooperativeChange.changed_at >= _start_of(since))
    if until:
        query = query.where(CooperativeChange.changed_at < _start_of(until + timedelta(days=1)))
    rows = session.execute(
        query.order_by(CooperativeChange.changed_at.desc(), CooperativeChange.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        {
            "id": ch.id,
            "cooperative_id": ch.cooperative_id,
            "legal_name": name,
            "changed_at": ch.changed_at,
            "username": ch.username,
            "proposed_by": ch.proposed_by,
            "import_run_id": ch.import_run_id,
            "action": ch.action,
            "field": ch.field,
            "old_value": None if ch.personal else ch.old_value,
            "new_value": None if ch.personal else ch.new_value,
            "personal": ch.personal,
            "comment": ch.comment,
        }
        for ch, name in rows
    ]


def audit_imports(
    session: Session,
    *,
    username: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 50,
) -> list[ImportRun]:
    """Import runs (the rows they created have no history entry of their own), newest first."""
    query = select(ImportRun)
    if username:
        query = query.where(ImportRun.username == username)
    if since:
        query = query.where(ImportRun.started_at >= _start_of(since))
    if until:
        query = query.where(ImportRun.started_at < _start_of(until + timedelta(days=1)))
    return list(session.scalars(query.order_by(ImportRun.id.desc()).limit(limit)))


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
