"""The one place that writes diagnoses: web entry, API and ODK/Kobo imports all come here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models import Cooperative
from asocia.db.models.diagnosis import (
    Diagnosis,
    DiagnosisAction,
    DiagnosisImportProblem,
    DiagnosisImportRun,
)
from asocia.diagnosis.answers import AnswerProblem, Answers, AnswerValue, normalize_answers
from asocia.diagnosis.instrument import Instrument, QuestionKind, localize
from asocia.diagnosis.lights import TrafficLight
from asocia.diagnosis.scoring import DiagnosisResult, score, weak_answers
from asocia.diagnosis.submissions import ParsedExport
from asocia.registry.taxid import InvalidTaxId, canonical_tax_id

STATUSES = ("draft", "submitted")
ACTION_STATUSES = ("pending", "in_progress", "done", "dropped")
REGISTRY_PREFIX = "reg-"
"""A cooperative named by registry number in a form: ``reg-<number>``; otherwise a tax id."""


class DiagnosisInputError(ValueError):
    """Answers or fields that cannot be saved; ``problems`` says which and why."""

    def __init__(self, message: str, problems: Sequence[AnswerProblem] = ()) -> None:
        self.problems = list(problems)
        details = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{message}: {details}" if details else message)


@dataclass(frozen=True)
class Actor:
    """Who writes."""

    user_id: int | None = None
    username: str | None = None


# -- answers <-> JSON -------------------------------------------------------------------


def answers_to_json(answers: Answers) -> dict[str, Any]:
    """Normalized answers as JSON-able values (multiple choice as a sorted list)."""
    return {k: sorted(v) if isinstance(v, frozenset) else v for k, v in answers.items()}


def answers_from_json(instrument: Instrument, data: Mapping[str, Any]) -> dict[str, AnswerValue]:
    """The normalized answers stored for ``instrument`` (questions it lacks are dropped)."""
    out: dict[str, AnswerValue] = {}
    for key, value in data.items():
        question = instrument.questions.get(key)
        if question is None:
            continue
        if question.kind is QuestionKind.MULTIPLE:
            out[key] = frozenset(value)
        elif question.kind is QuestionKind.NUMERIC:
            out[key] = float(value)
        else:
            out[key] = value
    return out


# -- one diagnosis ------------------------------------------------------------------------


def create_diagnosis(
    session: Session,
    *,
    cooperative_id: int,
    instrument: Instrument,
    diagnosed_on: date,
    diagnostician: str | None,
    actor: Actor,
    source: str = "web",
) -> Diagnosis:
    """A new draft diagnosis with no answers yet."""
    if session.get(Cooperative, cooperative_id) is None:
        raise DiagnosisInputError(f"no cooperative with id {cooperative_id}")
    diagnosis = Diagnosis(
        cooperative_id=cooperative_id,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        diagnosed_on=diagnosed_on,
        diagnostician=diagnostician,
        status="draft",
        answers={},
        comments={},
        source=source,
        created_by_id=actor.user_id,
    )
    session.add(diagnosis)
    session.flush()
    return diagnosis


def save_answers(
    session: Session,
    diagnosis: Diagnosis,
    instrument: Instrument,
    raw: Mapping[str, object],
    comments: Mapping[str, str] | None = None,
    *,
    submit: bool = False,
    lang: str = "es",
) -> DiagnosisResult:
    """Merge ``raw`` answers into the diagnosis (a blank value clears an answer).

    Invalid values raise :class:`DiagnosisInputError` and nothing is saved. With ``submit``,
    required answers must be present; the diagnosis becomes ``submitted`` and, if it has no
    action plan yet, one is built from the weak answers.
    """
    current = answers_from_json(instrument, diagnosis.answers or {})
    merged: dict[str, object] = dict(current)
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            merged.pop(key, None)
        else:
            merged[key] = value
    answers, problems = normalize_answers(instrument, merged, check_required=submit)
    if problems:
        raise DiagnosisInputError("answers not saved", problems)
    diagnosis.answers = answers_to_json(answers)
    if comments is not None:
        kept = dict(diagnosis.comments or {})
        for key, text in comments.items():
            if text and text.strip():
                kept[key] = text.strip()
            else:
                kept.pop(key, None)
        diagnosis.comments = kept
    result = score(instrument, answers)
    if submit:
        diagnosis.status = "submitted"
        if not diagnosis.actions:
            build_action_plan(diagnosis, instrument, answers, lang)
    session.flush()
    if submit:
        _verify_cooperative(session, diagnosis)
    return result


def _verify_cooperative(session: Session, diagnosis: Diagnosis) -> None:
    """A recorded diagnosis verifies the cooperative's registry data (``last_verified_on``)."""
    from asocia.db.models import User
    from asocia.registry.editing import mark_verified
    from asocia.registry.store import Actor as RegistryActor

    user = session.get(User, diagnosis.created_by_id) if diagnosis.created_by_id else None
    on = min(diagnosis.diagnosed_on, utcnow().date())
    mark_verified(
        session,
        diagnosis.cooperative_id,
        actor=RegistryActor(diagnosis.created_by_id, user.username if user else None),
        how="diagnosis",
        on=on,
        comment=f"#{diagnosis.id}",
    )


ACTION_PLAN_LIMIT = 10
"""At most this many items are proposed: a plan people can follow, not a list of everything."""


def plan_items(
    instrument: Instrument, answers: Answers, lang: str = "es", limit: int = ACTION_PLAN_LIMIT
) -> list[dict[str, Any]]:
    """Proposed action-plan items from the weak answers of red and yellow subcategories.

    Priorities: red subcategories first, then yellow; inside each, the answers that lost the
    most weight first. Each item carries the instrument's recommended action for the answer.
    """
    ranked = sorted(
        (weak.light.rank, -weak.lost, order, weak.question_id, weak.subcategory_id)
        for order, weak in enumerate(weak_answers(instrument, answers))
    )
    items: list[dict[str, Any]] = []
    for _rank, _lost, _order, qid, node_id in ranked:
        text = recommended_action(qid, answers.get(qid), instrument, lang)
        if text:
            items.append(
                {
                    "position": len(items),
                    "question_id": qid,
                    "node_id": node_id,
                    "action": text,
                    "status": "pending",
                }
            )
            if len(items) == limit:
                break
    return items


def build_action_plan(
    diagnosis: Diagnosis, instrument: Instrument, answers: Answers, lang: str = "es"
) -> None:
    """Append the proposed items (see :func:`plan_items`) to the diagnosis's plan."""
    start = len(diagnosis.actions)
    for item in plan_items(instrument, answers, lang):
        item["position"] += start
        diagnosis.actions.append(DiagnosisAction(**item))


def recommended_action(
    question_id: str, answer: AnswerValue | None, instrument: Instrument, lang: str = "es"
) -> str:
    """The instrument's recommended action for this answer (option, band, then question)."""
    question = instrument.question(question_id)
    if isinstance(answer, str) and question.kind is QuestionKind.SINGLE:
        option = question.option(answer)
        if option is not None and option.action:
            return localize(option.action, lang)
    if isinstance(answer, int | float) and question.kind is QuestionKind.NUMERIC:
        for band in question.bands:
            if band.contains(float(answer)) and band.action:
                return localize(band.action, lang)
    return localize(question.action, lang)


def update_action(
    session: Session,
    action: DiagnosisAction,
    *,
    text: str | None = None,
    owner: str | None = None,
    due_on: date | None = None,
    status: str | None = None,
) -> DiagnosisAction:
    """Edit one action-plan item (``None`` leaves a field as it is; ``""`` clears owner)."""
    if status is not None and status not in ACTION_STATUSES:
        raise DiagnosisInputError(
            f"unknown action status {status!r}; use one of {', '.join(ACTION_STATUSES)}"
        )
    if text is not None:
        if not text.strip():
            raise DiagnosisInputError("an action needs a text")
        action.action = text.strip()
    if owner is not None:
        action.owner = owner.strip() or None
    if due_on is not None:
        action.due_on = due_on
    if status is not None:
        action.status = status
    session.flush()
    return action


def add_action(
    session: Session,
    diagnosis: Diagnosis,
    text: str,
    owner: str | None = None,
    due_on: date | None = None,
) -> DiagnosisAction:
    """Add an action written by hand to the plan."""
    if not text.strip():
        raise DiagnosisInputError("an action needs a text")
    action = DiagnosisAction(
        position=len(diagnosis.actions),
        action=text.strip(),
        owner=owner,
        due_on=due_on,
        status="pending",
    )
    diagnosis.actions.append(action)
    session.flush()
    return action


# -- imports ------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an import did, with the same keys as the registry import."""

    run_id: int
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain data (for ``--json`` and the API)."""
        return {
            "run_id": self.run_id,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "problems": self.problems,
        }


def resolve_cooperatives(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Map the cooperative values of submissions (tax id, or ``reg-<number>``) to ids.

    Every spelling of one key resolves (``74.167.324-K`` and ``74167324-k`` in one export),
    and the answer does not depend on the order of ``names``.
    """
    by_tax: dict[str, list[str]] = {}
    by_registry: dict[str, list[str]] = {}
    for value in sorted(set(names)):
        if value.lower().startswith(REGISTRY_PREFIX):
            by_registry.setdefault(value[len(REGISTRY_PREFIX) :].strip(), []).append(value)
            continue
        try:
            by_tax.setdefault(canonical_tax_id("CL", value), []).append(value)
        except InvalidTaxId:
            by_tax.setdefault(value.strip(), []).append(value)
        by_registry.setdefault(value.strip(), []).append(value)
    found: dict[str, int] = {}
    merged: dict[int, int] = {}
    for column, lookup in (
        (Cooperative.tax_id, by_tax),
        (Cooperative.registry_number, by_registry),
    ):
        keys = sorted(lookup)
        for start in range(0, len(keys), 500):
            rows = session.execute(
                select(Cooperative.id, column, Cooperative.merged_into_id)
                .where(column.in_(keys[start : start + 500]))
                .order_by(Cooperative.id)
            )
            for coop_id, key, merged_into in rows:
                if key is None:
                    continue
                for value in lookup[key]:
                    found.setdefault(value, coop_id)
                if merged_into is not None:
                    merged[coop_id] = merged_into
    # A cooperative merged into another lives on as the one it was merged into.
    return {value: merged.get(coop_id, coop_id) for value, coop_id in found.items()}


def _same(diagnosis: Diagnosis, values: Mapping[str, Any]) -> bool:
    return all(getattr(diagnosis, key) == value for key, value in values.items())


def import_submissions(
    session: Session,
    export: ParsedExport,
    instruments: Mapping[str, Instrument],
    actor: Actor,
    lang: str = "es",
) -> ImportSummary:
    """Write the good submissions of ``export`` as submitted diagnoses.

    A submission already imported (same submission key) is updated when it changed and
    counted as unchanged otherwise, so re-importing an export creates no duplicates.
    Rejected submissions are recorded with their reasons on the import run.
    """
    run = DiagnosisImportRun(
        user_id=actor.user_id,
        username=actor.username,
        source_file=export.source[:300],
        dialect=export.dialect,
    )
    session.add(run)
    session.flush()
    summary = ImportSummary(run_id=run.id, read=len(export.submissions))
    coops = resolve_cooperatives(
        session, {s.cooperative for s in export.submissions if s.cooperative}
    )
    keys = [s.key for s in export.submissions if s.key]
    existing: dict[str, Diagnosis] = {}
    for start in range(0, len(keys), 500):
        for diagnosis in session.scalars(
            select(Diagnosis).where(Diagnosis.source_key.in_(keys[start : start + 500]))
        ):
            assert diagnosis.source_key is not None
            existing[diagnosis.source_key] = diagnosis
    new_rows: list[dict[str, Any]] = []
    new_plans: list[list[dict[str, Any]]] = []
    now = utcnow()
    for sub in export.submissions:
        problems = list(sub.problems)
        coop_id = coops.get(sub.cooperative or "")
        if sub.cooperative and coop_id is None:
            problems.append(
                f"unknown cooperative {sub.cooperative!r} (no such tax id or "
                "registry number in the registry)"
            )
        if problems:
            summary.rejected += 1
            for reason in problems:
                summary.problems.append({"row": sub.row, "key": sub.key, "reason": reason})
                session.add(
                    DiagnosisImportProblem(
                        import_run_id=run.id,
                        row=sub.row,
                        submission_key=sub.key[:120] or None,
                        reason=reason,
                    )
                )
            continue
        assert sub.instrument_key is not None and sub.diagnosis_date is not None
        instrument = instruments[sub.instrument_key]
        values: dict[str, Any] = {
            "cooperative_id": coop_id,
            "instrument_id": instrument.id,
            "instrument_version": instrument.version,
            "diagnosed_on": sub.diagnosis_date,
            "diagnostician": sub.diagnostician,
            "answers": answers_to_json(sub.answers),
            "comments": dict(sub.comments),
            "status": "submitted",
            "location": list(sub.location) if sub.location else None,
        }
        submitted_at = sub.submitted_at
        if submitted_at is not None and submitted_at.tzinfo is None:
            submitted_at = submitted_at.replace(tzinfo=UTC)  # servers export UTC
        found = existing.get(sub.key)
        if found is not None and _same(found, values):
            summary.unchanged += 1  # the same submission from another file is not a change
            continue
        values["source_file"] = export.source[:300]
        values["submitted_at"] = submitted_at
        if found is not None:
            for key, value in values.items():
                setattr(found, key, value)
            summary.updated += 1
            continue
        now = utcnow()
        new_rows.append(
            {
                **values,
                "source": export.dialect,
                "source_key": sub.key,
                "created_by_id": actor.user_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        new_plans.append(plan_items(instrument, sub.answers, lang))
        summary.created += 1
    # Core inserts: an import of ten thousand submissions must not go row by row.
    if new_rows:
        ids = (
            session.execute(
                insert(Diagnosis).returning(Diagnosis.id, sort_by_parameter_order=True), new_rows
            )
            .scalars()
            .all()
        )
        actions = [
            {**item, "diagnosis_id": diagnosis_id, "created_at": now, "updated_at": now}
            for diagnosis_id, items in zip(ids, new_plans, strict=True)
            for item in items
        ]
        if actions:
            session.connection().execute(insert(cast(Table, DiagnosisAction.__table__)), actions)
        # Recorded diagnoses verify their cooperatives' registry data (``last_verified_on``).
        from asocia.registry.editing import mark_verified_many
        from asocia.registry.store import Actor as RegistryActor

        latest: dict[int, date] = {}
        for row in new_rows:
            on = min(row["diagnosed_on"], now.date())
            latest[row["cooperative_id"]] = max(on, latest.get(row["cooperative_id"], on))
        mark_verified_many(
            session, latest, actor=RegistryActor(actor.user_id, actor.username), how="diagnosis"
        )
    run.read, run.created, run.updated = summary.read, summary.created, summary.updated
    run.unchanged, run.rejected = summary.unchanged, summary.rejected
    run.status = "committed"
    run.finished_at = utcnow()
    session.flush()
    return summary


def light_label(light: TrafficLight, lang: str = "es") -> str:
    """A short name of a light for tables and exports."""
    names = {
        "green": ("verde", "green"),
        "yellow": ("amarillo", "yellow"),
        "red": ("rojo", "red"),
        "insufficient_data": ("datos insuficientes", "insufficient data"),
    }
    es, en = names[light.value]
    return es if lang == "es" else en
