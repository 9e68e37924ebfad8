"""The catalogue of support instruments: default data, reading, and the one place that writes
instruments (with their history).

The default catalogue (``data/catalogue.yaml``) is loaded into an empty database the first time
the catalogue is read (:func:`ensure_defaults`); from then on analysts own it: they edit,
retire, import and export instruments, and every change is kept in
``programme_instrument_history``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models.programmes import Instrument, InstrumentChange
from asocia.i18n import N_, Message
from asocia.programmes.rules import RuleError, validate_rule

STAGES = ("individual", "pre_associative", "associative")
PURPOSES = ("agribusiness", "extension", "natural_resources", "representation")
SUPPORT_TYPES = (
    "financing",
    "technical_assistance",
    "training",
    "market_access",
    "irrigation_investment",
    "networks",
)
TOPICS = (
    "accounting_finance",
    "organisational_strengthening",
    "business_development",
    "market_access",
    "cooperative_education",
    "technology",
    "water",
)
LIST_FIELDS = ("purposes", "stages", "support_types", "topics", "regions", "targets")
TEXT_FIELDS = (
    "name_en",
    "ministry",
    "description",
    "how_to_apply",
    "legal_source",
    "legal_url",
    "period_open",
    "provenance",
)
FIELDS = (
    "code",
    "name",
    "name_en",
    "agency",
    "ministry",
    *LIST_FIELDS,
    "eligibility",
    "description",
    "how_to_apply",
    "legal_source",
    "legal_url",
    "period_open",
    "series",
    "provenance",
    "status",
)
_VOCABULARY = {
    "purposes": PURPOSES,
    "stages": STAGES,
    "support_types": SUPPORT_TYPES,
    "topics": TOPICS,
}
SEED_SOURCE = "asocia default catalogue (seed 003 §2.4)"


@dataclass(frozen=True)
class Problem:
    """What is wrong with one instrument of a file: where (row, field), the value and why."""

    row: int
    field: str | None
    value: str | None
    reason: str  # English (the API's); ``message`` renders it in a language
    message: Message | None = dataclass_field(default=None, compare=False, repr=False)

    @classmethod
    def of(
        cls, row: int, field: str | None, value: str | None, msgid: str, /, **params: object
    ) -> Problem:
        """A problem whose reason is the message id ``msgid`` (marked with ``N_``)."""
        message = Message(msgid, "programmes", **params)
        return cls(row, field, value, str(message), message)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "value": self.value, "reason": self.reason}

    def reason_in(self, lang: str) -> str:
        """The reason in ``lang`` (``es`` or ``en``)."""
        return self.message.text(lang) if self.message else self.reason

    def text(self, lang: str) -> str:
        """The whole problem, where and why, in ``lang``."""
        where = Message(N_("row %(row)s"), "programmes", row=self.row)
        if self.field:
            where = Message(N_("row %(row)s, field %(field)s"), "programmes", row=self.row,
                            field=self.field)  # fmt: skip
        shown = Message(N_(" (value %(value)r)"), "programmes", value=self.value)
        suffix = shown.text(lang) if self.value is not None else ""
        return f"{where.text(lang)}{suffix}: {self.reason_in(lang)}"

    def __str__(self) -> str:
        return self.text("en")


class CatalogueError(ValueError):
    """A catalogue file or edit with problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


@cache
def default_data() -> dict[str, Any]:
    """The shipped catalogue file, parsed."""
    text = resources.files("asocia.programmes").joinpath("data/catalogue.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def agencies() -> dict[str, dict[str, str]]:
    """Agency code → name, ministry, url (from the default catalogue)."""
    result: dict[str, dict[str, str]] = default_data()["agencies"]
    return result


def normalise(raw: Mapping[str, Any], row: int) -> tuple[dict[str, Any], list[Problem]]:
    """An instrument record checked field by field, and its problems."""
    problems: list[Problem] = []
    record: dict[str, Any] = {}

    def bad(name: str, value: Any, reason: str, **params: object) -> None:
        shown = None if value is None else str(value)
        problems.append(Problem.of(row, name, shown, reason, **params))

    for name in ("code", "name", "agency"):
        text = str(raw.get(name) or "").strip()
        if not text:
            bad(name, raw.get(name), N_("required"))
        record[name] = text
    if record["agency"]:
        record["agency"] = record["agency"].upper()
    for name in TEXT_FIELDS:
        given = raw.get(name)
        record[name] = str(given).strip() if given not in (None, "") else None
    if not record["ministry"] and record["agency"] in agencies():
        record["ministry"] = agencies()[record["agency"]]["ministry"]
    for name in LIST_FIELDS:
        value: Any = raw.get(name) or []
        if isinstance(value, str):
            value = [v.strip() for v in value.split("|") if v.strip()]
        if not isinstance(value, list):
            bad(name, value, N_("expected a list"))
            value = []
        allowed = _VOCABULARY.get(name)
        if name == "regions":
            try:
                value = [int(v) for v in value]
            except (TypeError, ValueError):
                bad(name, value, N_("region codes are whole numbers (CUT 2018)"))
                value = []
        elif allowed:
            for item in value:
                if item not in allowed:
                    bad(
                        name,
                        item,
                        N_("unknown; expected one of %(choices)s"),
                        choices=", ".join(allowed),
                    )
        record[name] = list(value)
    if not record["stages"]:
        bad("stages", None, N_("at least one stage is required"))
    record["eligibility"] = raw.get("eligibility") or None
    try:
        validate_rule(record["eligibility"])
    except RuleError as exc:
        for message in exc.messages:
            problems.append(Problem(row, "eligibility", None, str(message), message))
    record["series"] = []
    for point in raw.get("series") or []:
        try:
            record["series"].append(
                {
                    "year": int(point["year"]),
                    "budget_clp": None
                    if point.get("budget_clp") in (None, "")
                    else float(point["budget_clp"]),
                    "beneficiaries": None
                    if point.get("beneficiaries") in (None, "")
                    else int(point["beneficiaries"]),
                    "estimated": bool(point.get("estimated", False)),
                }
            )
        except (KeyError, TypeError, ValueError):
            bad(
                "series",
                point,
                N_("each point needs a year, and numbers for budget_clp and beneficiaries"),
            )
    record["series"].sort(key=lambda p: p["year"])
    status = str(raw.get("status") or "active")
    if status not in ("active", "retired"):
        bad("status", status, N_("expected active or retired"))
    record["status"] = status
    return record, problems


def ensure_defaults(session: Session) -> int:
    """Load the default catalogue into a database that never had one; returns how many."""
    if session.scalar(select(func.count()).select_from(InstrumentChange)):
        return 0
    if session.scalar(select(func.count()).select_from(Instrument)):
        return 0
    records = []
    problems: list[Problem] = []
    for row, raw in enumerate(default_data()["instruments"], start=1):
        record, found = normalise(raw, row)
        records.append(record)
        problems.extend(found)
    if problems:  # pragma: no cover - the shipped file is tested
        raise CatalogueError(problems)
    # Two first readers at once: the second one's insert meets the first one's codes.
    try:
        with session.begin_nested():
            save(session, records, username=None, source=SEED_SOURCE)
    except IntegrityError:
        return 0
    return len(records)


def to_dict(instrument: Instrument) -> dict[str, Any]:
    """An instrument as JSON-able data (the fields of :data:`FIELDS` plus id)."""
    data = {name: getattr(instrument, name) for name in FIELDS}
    data["id"] = instrument.id
    data["updated_at"] = instrument.updated_at.isoformat() if instrument.updated_at else None
    return data


def list_instruments(session: Session, *, include_retired: bool = False) -> list[Instrument]:
    """Every instrument, by agency then name (retired ones only when asked)."""
    ensure_defaults(session)
    query = select(Instrument).order_by(Instrument.agency, Instrument.name, Instrument.id)
    if not include_retired:
        query = query.where(Instrument.status == "active")
    return list(session.scalars(query))


def find(session: Session, key: str | int) -> Instrument | None:
    """An instrument by id, code or (case-insensitive) name."""
    ensure_defaults(session)
    text = str(key).strip()
    if text.isdigit():
        found = session.get(Instrument, int(text))
        if found:
            return found
    by_code = session.scalars(select(Instrument).where(Instrument.code == text)).first()
    if by_code:
        return by_code
    return session.scalars(
        select(Instrument)
        .where(func.lower(Instrument.name) == text.lower())
        .order_by(Instrument.id)
    ).first()


def history(session: Session, instrument_id: int) -> list[InstrumentChange]:
    return list(
        session.scalars(
            select(InstrumentChange)
            .where(InstrumentChange.instrument_id == instrument_id)
            .order_by(InstrumentChange.changed_at.desc(), InstrumentChange.id.desc())
        )
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def save(
    session: Session,
    records: Iterable[Mapping[str, Any]],
    *,
    username: str | None,
    source: str | None,
) -> dict[str, int]:
    """Create or update instruments by code, writing history. Records are already normalised."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    now = utcnow()
    for record in records:
        current = session.scalars(
            select(Instrument).where(Instrument.code == record["code"])
        ).first()
        if current is None:
            instrument = Instrument(**{k: record[k] for k in FIELDS if k in record})
            session.add(instrument)
            session.flush()
            changes = {k: [None, record[k]] for k in FIELDS if record.get(k) not in (None, [], "")}
            session.add(
                InstrumentChange(
                    instrument_id=instrument.id,
                    changed_at=now,
                    username=username,
                    action="created",
                    source=source,
                    changes=changes,
                )
            )
            counts["created"] += 1
            continue
        changes = {}
        for name in FIELDS:
            if name in record and getattr(current, name) != record[name]:
                changes[name] = [_plain(getattr(current, name)), record[name]]
                setattr(current, name, record[name])
        if not changes:
            counts["unchanged"] += 1
            continue
        action = "updated"
        if set(changes) == {"status"}:
            action = "retired" if record["status"] == "retired" else "restored"
        session.add(
            InstrumentChange(
                instrument_id=current.id,
                changed_at=now,
                username=username,
                action=action,
                source=source,
                changes=changes,
            )
        )
        counts["updated"] += 1
    session.flush()
    return counts


def set_status(session: Session, instrument: Instrument, status: str, username: str | None) -> None:
    """Retire (``retired``) or restore (``active``) one instrument."""
    record = to_dict(instrument) | {"status": status}
    save(session, [record], username=username, source="web")


def edit(
    session: Session, raw: Mapping[str, Any], *, username: str | None, source: str = "web"
) -> Instrument:
    """Create or update one instrument from a form or API body; raises :class:`CatalogueError`."""
    record, problems = normalise(raw, 1)
    if problems:
        raise CatalogueError(problems)
    save(session, [record], username=username, source=source)
    found = find(session, record["code"])
    assert found is not None
    return found
