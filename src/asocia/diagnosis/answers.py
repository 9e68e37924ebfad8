"""Answers: turning raw values (web form, ODK/Kobo export, API) into typed answers.

The scoring engine takes *normalized* answers: ``"yes" | "partial" | "no" | "na"`` for
yes/no questions, ``int`` 1..5 or ``"na"`` for scales, an option id for single choice, a
``frozenset`` of option ids for multiple choice, a ``float`` for numeric inputs and a ``str``
for text. Ratio questions are never answered directly: the engine computes them from their
numeric inputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from asocia.diagnosis.instrument import NA, Clause, Instrument, Question, QuestionKind

AnswerValue = str | int | float | frozenset[str]
Answers = Mapping[str, AnswerValue]


@dataclass(frozen=True)
class AnswerProblem:
    """Why one raw answer was not accepted."""

    question: str
    value: object
    reason: str

    def __str__(self) -> str:
        return f"{self.question}: {self.reason} (got {self.value!r})"


class AnswerError(ValueError):
    """Raised by the scoring engine for a value a question cannot take."""


def _is_blank(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and not raw.strip()


def _number(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("not a number")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # decimal comma, as typed in Spanish
        value = float(text)
    if math.isnan(value) or math.isinf(value):
        raise ValueError("not a finite number")
    return value


def normalize_value(question: Question, raw: object) -> AnswerValue:
    """The typed answer for ``raw``; raises ``ValueError`` with the reason when it is invalid."""
    kind = question.kind
    if kind is QuestionKind.YES_NO:
        text = str(raw).strip().lower()
        allowed = ("yes", "partial", "no", NA) if question.allow_na else ("yes", "partial", "no")
        if text not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return text
    if kind is QuestionKind.SCALE:
        text = str(raw).strip().lower()
        if text == NA and question.allow_na:
            return NA
        try:
            number = _number(raw)
        except ValueError:
            raise ValueError("expected a whole number from 1 to 5") from None
        if number != int(number) or not 1 <= number <= 5:
            raise ValueError("expected a whole number from 1 to 5")
        return int(number)
    if kind is QuestionKind.SINGLE:
        text = str(raw).strip()
        if isinstance(raw, float) and raw.is_integer():
            text = str(int(raw))  # spreadsheets turn option "1" into 1.0
        if question.option(text) is None:
            raise ValueError("not one of the choices")
        return text
    if kind is QuestionKind.MULTIPLE:
        items: Iterable[object] = raw.split() if isinstance(raw, str) else raw  # type: ignore[assignment]
        chosen = frozenset(str(item).strip() for item in items)
        unknown = sorted(c for c in chosen if question.option(c) is None)
        if unknown:
            raise ValueError(f"not among the choices: {', '.join(unknown)}")
        return chosen
    if kind is QuestionKind.NUMERIC:
        try:
            number = _number(raw)
        except ValueError:
            raise ValueError("expected a number") from None
        if question.integer and not number.is_integer():
            raise ValueError("expected a whole number")
        if question.minimum is not None and number < question.minimum:
            raise ValueError(f"below the minimum {question.minimum:g}")
        if question.maximum is not None and number > question.maximum:
            raise ValueError(f"above the maximum {question.maximum:g}")
        return number
    if kind is QuestionKind.TEXT:
        return str(raw).strip()
    raise ValueError("computed from its inputs; not answered directly")


def clause_holds(clause: Clause, answers: Answers) -> bool:
    """Whether ``clause`` holds for ``answers`` (an unanswered question never satisfies it)."""
    value = answers.get(clause.question)
    if value is None or value == NA:
        return False
    op, expected = clause.op, clause.value
    if op == "equals":
        return str(value) == str(expected)
    if op == "in":
        return str(value) in {str(e) for e in expected}  # type: ignore[attr-defined]
    if op == "selected":
        return isinstance(value, frozenset) and str(expected) in value
    if not isinstance(value, int | float):
        return False
    bound = float(expected)  # type: ignore[arg-type]
    if op == "gt":
        return value > bound
    if op == "gte":
        return value >= bound
    if op == "lt":
        return value < bound
    return value <= bound


def applies(question: Question, answers: Answers) -> bool:
    """Whether ``question`` applies given the (normalized) answers to earlier questions."""
    return all(clause_holds(c, answers) for c in question.when)


def normalize_answers(
    instrument: Instrument, raw: Mapping[str, object], *, check_required: bool = True
) -> tuple[dict[str, AnswerValue], list[AnswerProblem]]:
    """Validate raw answers against ``instrument``.

    Returns the typed answers that are valid and one :class:`AnswerProblem` per invalid,
    unknown or (when ``check_required``) missing required answer. Ratio questions are skipped:
    they are computed from their inputs. Blank values count as unanswered.
    """
    answers: dict[str, AnswerValue] = {}
    problems: list[AnswerProblem] = []
    for key, value in raw.items():
        question = instrument.questions.get(key)
        if question is None:
            problems.append(AnswerProblem(key, value, "unknown question"))
            continue
        if question.kind is QuestionKind.RATIO or _is_blank(value):
            continue
        if (
            isinstance(value, frozenset | set | list | tuple)
            and not value
            and (question.kind is QuestionKind.MULTIPLE)
        ):
            answers[key] = frozenset()
            continue
        try:
            answers[key] = normalize_value(question, value)
        except ValueError as exc:
            problems.append(AnswerProblem(key, value, str(exc)))
    if check_required:
        for question in instrument.iter_questions():
            missing = question.required and question.id not in answers
            if missing and applies(question, answers) and question.id not in {
                p.question for p in problems
            }:
                problems.append(AnswerProblem(question.id, None, "required answer missing"))
    return answers, problems
