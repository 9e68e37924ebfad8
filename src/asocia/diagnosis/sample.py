"""Answer sets built by code: best, worst and random answers for an instrument.

Used by demo data, benchmarks and tests (they build fixtures by code, not by hand).
"""

from __future__ import annotations

import random

from asocia.diagnosis.answers import AnswerValue, applies
from asocia.diagnosis.instrument import NA, Band, Instrument, Question, QuestionKind


def band_value(band: Band) -> float:
    """A value inside ``band`` (its midpoint, or one unit inside an open end)."""
    if band.lower is None and band.upper is None:
        return 0.0
    if band.lower is None:
        assert band.upper is not None
        return band.upper - 1.0
    if band.upper is None:
        return band.lower + 1.0
    return (band.lower + band.upper) / 2


def _extreme(question: Question, best: bool) -> AnswerValue | None:
    kind = question.kind
    if kind is QuestionKind.YES_NO:
        return "yes" if best else "no"
    if kind is QuestionKind.SCALE:
        return 5 if best else 1
    if kind is QuestionKind.SINGLE:
        scored = [o for o in question.options if not o.na]
        pick = max(scored, key=lambda o: o.score) if best else min(scored, key=lambda o: o.score)
        return pick.id
    if kind is QuestionKind.MULTIPLE:
        if best:
            return frozenset(o.id for o in question.options if o.score > 0)
        return frozenset(o.id for o in question.options if o.score == 0)
    if kind is QuestionKind.NUMERIC and question.bands:
        target = max if best else min
        band = target(question.bands, key=lambda b: b.score)
        return band_value(band)
    return None


def extreme_answers(instrument: Instrument, best: bool) -> dict[str, AnswerValue]:
    """Every question answered at its best (or worst): for scored questions the answer that
    gives fraction 1 (or 0); ratio inputs are set so that the ratio lands in the best (or worst)
    band; unscored gating questions are answered "yes" (or the first option) so that
    conditional questions apply."""
    answers: dict[str, AnswerValue] = {}
    for question in instrument.iter_questions():
        if question.kind is QuestionKind.RATIO:
            target = max if best else min
            band = target(question.bands, key=lambda b: b.score)
            middle = band_value(band)
            factor = 100.0 if question.percent else 1.0
            assert question.numerator and question.denominator
            answers[question.denominator] = 100.0
            answers[question.numerator] = middle * 100.0 / factor
            continue
        if not question.scored:
            if question.id in answers:
                continue
            if question.kind is QuestionKind.YES_NO:
                answers[question.id] = "yes"
            elif question.kind is QuestionKind.SINGLE:
                answers[question.id] = question.options[0].id
            elif question.kind is QuestionKind.TEXT:
                answers[question.id] = "—"
            continue
        value = _extreme(question, best)
        if value is not None:
            answers[question.id] = value
    return answers


def random_answers(
    instrument: Instrument, rng: random.Random, blank_rate: float = 0.05
) -> dict[str, AnswerValue]:
    """A plausible random answer set (some blanks and N/As), for demos and benchmarks."""
    answers: dict[str, AnswerValue] = {}
    for q in instrument.iter_questions():
        if q.kind is QuestionKind.RATIO or not applies(q, answers):
            continue
        if rng.random() < blank_rate and not q.required:
            continue
        value: AnswerValue
        if q.kind is QuestionKind.YES_NO:
            choices = ["yes", "partial", "no"] + ([NA] if q.allow_na else [])
            value = rng.choice(choices)
        elif q.kind is QuestionKind.SCALE:
            value = rng.randint(1, 5)
        elif q.kind is QuestionKind.SINGLE:
            value = rng.choice(q.options).id
        elif q.kind is QuestionKind.MULTIPLE:
            value = frozenset(o.id for o in q.options if rng.random() < 0.4)
            if not value:
                continue  # as in ODK and Kobo, selecting nothing leaves the question blank
        elif q.kind is QuestionKind.NUMERIC:
            low = q.minimum if q.minimum is not None else 0.0
            high = q.maximum if q.maximum is not None else max(low + 1.0, 1000.0)
            value = round(rng.uniform(low, high), 0 if q.integer else 2)
        else:
            value = rng.choice(["", "sin observaciones", "revisar en la próxima visita"])
            if not value:
                continue
        answers[q.id] = value
    return answers
