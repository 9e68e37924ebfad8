"""Demo diagnoses for a registry: varied, plausible, with a second round to show progress."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asocia.db.models import Cooperative
from asocia.db.models.diagnosis import Diagnosis
from asocia.diagnosis import store
from asocia.diagnosis.answers import AnswerValue
from asocia.diagnosis.instrument import Instrument, QuestionKind
from asocia.diagnosis.sample import extreme_answers, random_answers


def demo_answers(
    instrument: Instrument, rng: random.Random, quality: float
) -> dict[str, AnswerValue]:
    """Answers that are the best possible with probability ``quality``, random otherwise."""
    best = extreme_answers(instrument, best=True)
    noise = random_answers(instrument, rng)
    answers: dict[str, AnswerValue] = {}
    for question in instrument.iter_questions():
        if question.kind is QuestionKind.RATIO:
            source = best if rng.random() < quality else noise
            for input_id in (question.numerator, question.denominator):
                if input_id and input_id in source:
                    answers[input_id] = source[input_id]
            continue
        if question.id in answers:
            continue
        source = best if question.scored and rng.random() < quality else noise
        value = source.get(question.id)
        if value is not None:
            answers[question.id] = value
    return answers


def create_demo_diagnoses(
    session: Session, instrument: Instrument, count: int, seed: int = 1
) -> int:
    """Submitted diagnoses of ``count`` registry cooperatives (a third diagnosed twice).

    Returns how many diagnoses were written.
    """
    rng = random.Random(seed)
    ids = list(
        session.scalars(
            select(Cooperative.id)
            .where(Cooperative.merged_into_id.is_(None))
            .order_by(Cooperative.id)
        )
    )
    chosen = rng.sample(ids, min(count, len(ids)))
    actor = store.Actor(username="demo")
    written = 0
    for coop_id in chosen:
        quality = rng.betavariate(1.6, 2.0)
        rounds = 2 if rng.random() < 1 / 3 else 1
        day = date(2024, 3, 1) + timedelta(days=rng.randint(0, 300))
        for _round in range(rounds):
            diagnosis = store.create_diagnosis(
                session,
                cooperative_id=coop_id,
                instrument=instrument,
                diagnosed_on=day,
                diagnostician=rng.choice(["Equipo Universidad de Talca", "M. Soto", "J. Pérez"]),
                actor=actor,
                source="demo",
            )
            answers = demo_answers(instrument, rng, quality)
            store.save_answers(session, diagnosis, instrument, store.answers_to_json(answers))
            diagnosis.status = "submitted"
            store.build_action_plan(diagnosis, instrument, answers)
            written += 1
            quality = min(1.0, quality + rng.uniform(0.0, 0.2))
            day += timedelta(days=rng.randint(300, 420))
    session.flush()
    return written


def has_diagnoses(session: Session) -> bool:
    """Whether any diagnosis is stored."""
    return bool(session.scalar(select(func.count()).select_from(Diagnosis)))
