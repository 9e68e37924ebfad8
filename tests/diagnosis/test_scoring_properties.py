"""Properties of the scoring engine that must hold for every instrument and answer set."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from asocia.diagnosis.answers import AnswerValue
from asocia.diagnosis.instrument import NA, Band, Instrument, Question, QuestionKind
from asocia.diagnosis.lights import TrafficLight
from asocia.diagnosis.loader import parse_instrument, shipped_instruments
from asocia.diagnosis.sample import band_value, extreme_answers
from asocia.diagnosis.scoring import DiagnosisResult, score, score_batch
from tests.diagnosis.strategies import answer_strategy, instrument_data

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SHIPPED = {i.key: i for i in shipped_instruments()}


@st.composite
def instrument_and_answers(draw: st.DrawFn) -> tuple[Instrument, dict[str, AnswerValue]]:
    if draw(st.booleans()):
        instrument = draw(st.sampled_from(sorted(SHIPPED.values(), key=lambda i: i.key)))
    else:
        instrument = parse_instrument(draw(instrument_data()), "generated")
    return instrument, draw(answer_strategy(instrument))


def _percentages(result: DiagnosisResult) -> dict[str, float | None]:
    return {n.id: n.percentage for n in result.nodes()}


@SETTINGS
@given(instrument_and_answers())
def test_every_percentage_is_between_0_and_100(case: tuple[Instrument, dict[str, Any]]) -> None:
    instrument, answers = case
    for node in score(instrument, answers).nodes():
        assert node.percentage is None or 0.0 <= node.percentage <= 100.0
        assert 0.0 <= node.coverage <= 1.0


def _band_score(bands: tuple[Band, ...], value: float) -> float:
    return next(b.score for b in bands if b.contains(value))


def _ratio_inputs_shared(instrument: Instrument, question: Question) -> bool:
    others = [
        q
        for q in instrument.iter_questions()
        if q.kind is QuestionKind.RATIO and q.id != question.id
    ]
    mine = {question.numerator, question.denominator}
    return any(mine & {o.numerator, o.denominator} for o in others)


def _better_answers(
    instrument: Instrument, question: Question, answers: dict[str, AnswerValue], data: st.DataObject
) -> dict[str, Any] | None:
    """The answers with ``question`` answered at least as well; None when it cannot improve.

    "At least as well" is judged here from the instrument, independently of the engine.
    """
    current = answers.get(question.id)
    new = dict(answers)
    kind = question.kind
    if kind is QuestionKind.RATIO:
        num, den = answers.get(question.numerator or ""), answers.get(question.denominator or "")
        if not isinstance(num, float) or not isinstance(den, float) or den == 0:
            return None
        if _ratio_inputs_shared(instrument, question):
            return None  # changing a shared input changes two answers, not one
        factor = 100.0 if question.percent else 1.0
        now = _band_score(question.bands, factor * num / den)
        band = data.draw(st.sampled_from([b for b in question.bands if b.score >= now]))
        new[question.numerator or ""] = band_value(band) * den / factor
        return new
    if current is None or current == NA:
        return None
    if kind is QuestionKind.YES_NO:
        order = ["no", "partial", "yes"]
        new[question.id] = data.draw(st.sampled_from(order[order.index(str(current)) :]))
    elif kind is QuestionKind.SCALE:
        assert isinstance(current, int)
        new[question.id] = data.draw(st.integers(current, 5))
    elif kind is QuestionKind.SINGLE:
        option = question.option(str(current))
        assert option is not None
        if option.na:
            return None
        better = [o.id for o in question.options if not o.na and o.score >= option.score]
        new[question.id] = data.draw(st.sampled_from(better))
    elif kind is QuestionKind.MULTIPLE:
        assert isinstance(current, frozenset)
        extra = data.draw(st.frozensets(st.sampled_from([o.id for o in question.options])))
        new[question.id] = current | extra
    elif kind is QuestionKind.NUMERIC:
        assert isinstance(current, float)
        now = _band_score(question.bands, current)
        band = data.draw(st.sampled_from([b for b in question.bands if b.score >= now]))
        new[question.id] = band_value(band)
    return new


@SETTINGS
@given(instrument_and_answers(), st.data())
def test_improving_one_answer_never_lowers_any_score(
    case: tuple[Instrument, dict[str, Any]], data: st.DataObject
) -> None:
    instrument, answers = case
    scored = [q for q in instrument.iter_questions() if q.scored]
    question = data.draw(st.sampled_from(scored))
    better = _better_answers(instrument, question, answers, data)
    assume(better is not None)
    assert better is not None
    before, after = score(instrument, answers), score(instrument, better)
    for old, new in zip(before.nodes(), after.nodes(), strict=True):
        assert old.id == new.id
        assert (old.percentage is None) == (new.percentage is None)
        if old.percentage is not None and new.percentage is not None:
            assert new.percentage >= old.percentage, (old.id, question.id)
            assert new.score >= old.score
        if TrafficLight.INSUFFICIENT_DATA not in (old.light, new.light):
            assert new.light.rank >= old.light.rank


@SETTINGS
@given(st.data())
def test_scaling_weights_in_a_category_keeps_its_percentage(data: st.DataObject) -> None:
    raw = data.draw(instrument_data())
    instrument = parse_instrument(raw, "generated")
    answers = data.draw(answer_strategy(instrument))
    d = data.draw(st.integers(0, len(raw["dimensions"]) - 1))
    c = data.draw(st.integers(0, len(raw["dimensions"][d]["categories"]) - 1))
    factor = data.draw(st.sampled_from([0.1, 0.25, 3.0, 7.0, 1000.0]))
    scaled = copy.deepcopy(raw)
    category = scaled["dimensions"][d]["categories"][c]
    for sub in category["subcategories"]:
        for q in sub["questions"]:
            if q.get("weight"):
                q["weight"] = q["weight"] * factor
    before = score(instrument, answers)
    after = score(parse_instrument(scaled, "scaled"), answers)
    ids = [category["id"]] + [s["id"] for s in category["subcategories"]]
    for node_id in ids:
        old, new = before.node(node_id), after.node(node_id)
        if old.percentage is None:
            assert new.percentage is None
        else:
            assert new.percentage is not None
            assert math.isclose(old.percentage, new.percentage, rel_tol=1e-9, abs_tol=1e-7)
        assert math.isclose(old.coverage, new.coverage, rel_tol=1e-9)


def _check_extremes(instrument: Instrument) -> None:
    best = score(instrument, extreme_answers(instrument, best=True))
    worst = score(instrument, extreme_answers(instrument, best=False))
    for node in best.nodes():
        assert node.light is TrafficLight.GREEN, node.id
        assert node.percentage == 100.0
    for node in worst.nodes():
        assert node.light is TrafficLight.RED, node.id
        assert node.percentage == 0.0


@SETTINGS
@given(instrument_data())
def test_best_answers_are_green_and_worst_red_everywhere(raw: dict[str, Any]) -> None:
    _check_extremes(parse_instrument(raw, "generated"))


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_shipped_instruments_best_green_worst_red(key: str) -> None:
    _check_extremes(SHIPPED[key])


@SETTINGS
@given(st.lists(instrument_and_answers(), min_size=1, max_size=3))
def test_batch_scoring_agrees_with_the_tree(cases: list[tuple[Instrument, dict[str, Any]]]) -> None:
    for instrument, answers in cases:
        tree = score(instrument, answers)
        batch = score_batch(instrument, [answers, answers])
        for node in tree.nodes():
            column = batch.column(node.id)
            for row in range(2):
                assert batch.percentages[row][column] == node.percentage
                assert batch.lights[row][column] is node.light
