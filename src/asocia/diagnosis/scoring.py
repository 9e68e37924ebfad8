"""The one scoring engine: instrument x answers -> result tree with traffic lights.

Each scored question contributes ``weight x fraction`` where the fraction in [0, 1] comes
from the answer (yes 1, partial 0.5, no 0; scale (v-1)/4; option score / best option score;
capped sum / cap; band score / best band score). "Not applicable" answers, and questions
whose condition does not hold, leave the denominator. Unanswered questions stay in the
*applicable* weight, so they lower the coverage but not the percentage.

A node's score and maximum are the sums over the questions beneath it; its percentage is
``100 x score / maximum`` and its coverage ``maximum / applicable weight``. Below 50 %
coverage the node shows "insufficient data" instead of a colour.

The instrument is compiled once into flat arrays (questions in order, each pointing at its
subcategory; nodes ordered leaves first so one pass rolls sums up to the root). The same
compiled form serves :func:`score` (a full tree for one diagnosis) and :func:`score_batch`
(compact rows for many), so there is exactly one set of scoring rules.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from asocia.diagnosis.answers import AnswerError, Answers, AnswerValue, clause_holds
from asocia.diagnosis.instrument import (
    NA,
    YES_NO_SCORES,
    Clause,
    Instrument,
    Question,
    QuestionKind,
    Text,
    Thresholds,
)
from asocia.diagnosis.lights import MIN_COVERAGE, TrafficLight

_TABLE, _MULTIPLE, _NUMERIC, _RATIO = 0, 1, 2, 3
_NA = -1.0
_LIGHTS = (
    TrafficLight.INSUFFICIENT_DATA,
    TrafficLight.RED,
    TrafficLight.YELLOW,
    TrafficLight.GREEN,
)
LEVELS = ("subcategory", "category", "dimension", "instrument")


@dataclass(frozen=True)
class _Node:
    id: str
    level: str
    label: Text
    thresholds: Thresholds
    parent: int  # -1 for the root


@dataclass
class CompiledInstrument:
    """An instrument flattened for fast scoring. Build with :func:`compile_instrument`."""

    instrument: Instrument
    nodes: list[_Node]
    n_leaves: int
    # one tuple per scored question: (id, code, weight, leaf, data, clauses or None)
    scored: list[tuple[str, int, float, int, Any, tuple[Clause, ...] | None]]
    parents: list[int]
    greens: list[float]
    yellows: list[float]
    node_index: dict[str, int] = field(default_factory=dict)


_cache: weakref.WeakKeyDictionary[Instrument, CompiledInstrument] = weakref.WeakKeyDictionary()


def _fractions(values: Iterable[float]) -> list[float]:
    values = list(values)
    best = max(values)
    return [v / best for v in values]


def _compile_question(q: Question) -> tuple[int, Any]:
    if q.kind is QuestionKind.YES_NO:
        table: dict[object, float] = {k: v for k, v in YES_NO_SCORES.items()}
        if q.allow_na:
            table[NA] = _NA
        return _TABLE, table
    if q.kind is QuestionKind.SCALE:
        table = {v: (v - 1) / 4 for v in range(1, 6)}
        if q.allow_na:
            table[NA] = _NA
        return _TABLE, table
    if q.kind is QuestionKind.SINGLE:
        best = max(o.score for o in q.options if not o.na)
        return _TABLE, {o.id: (_NA if o.na else o.score / best) for o in q.options}
    if q.kind is QuestionKind.MULTIPLE:
        assert q.cap is not None
        return _MULTIPLE, ({o.id: o.score for o in q.options}, float(q.cap))
    uppers = [b.upper for b in q.bands[:-1]]
    bands = (uppers, _fractions(b.score for b in q.bands))
    if q.kind is QuestionKind.NUMERIC:
        return _NUMERIC, bands
    return _RATIO, (q.numerator, q.denominator, 100.0 if q.percent else 1.0, bands)


def compile_instrument(instrument: Instrument) -> CompiledInstrument:
    """The flat, cached form of ``instrument`` used by the engine."""
    cached = _cache.get(instrument)
    if cached is not None:
        return cached
    leaves = list(instrument.iter_subcategories())
    categories = list(instrument.iter_categories())
    nodes: list[_Node] = []
    cat_index = {c.id: len(leaves) + i for i, c in enumerate(categories)}
    dim_base = len(leaves) + len(categories)
    root = dim_base + len(instrument.dimensions)
    for category in categories:
        for sub in category.subcategories:
            nodes.append(
                _Node(sub.id, "subcategory", sub.label, sub.thresholds, cat_index[category.id])
            )
    for di, dimension in enumerate(instrument.dimensions):
        for category in dimension.categories:
            nodes.append(
                _Node(category.id, "category", category.label, category.thresholds, dim_base + di)
            )
    for dimension in instrument.dimensions:
        nodes.append(_Node(dimension.id, "dimension", dimension.label, dimension.thresholds, root))
    nodes.append(_Node(instrument.id, "instrument", instrument.title, instrument.thresholds, -1))
    leaf_index = {s.id: i for i, s in enumerate(leaves)}
    scored = []
    for q in instrument.iter_questions():
        if not q.scored:
            continue
        code, data = _compile_question(q)
        scored.append((q.id, code, q.weight, leaf_index[q.subcategory], data, q.when or None))
    compiled = CompiledInstrument(
        instrument=instrument,
        nodes=nodes,
        n_leaves=len(leaves),
        scored=scored,
        parents=[n.parent for n in nodes],
        greens=[n.thresholds.green for n in nodes],
        yellows=[n.thresholds.yellow for n in nodes],
        node_index={n.id: i for i, n in enumerate(nodes)},
    )
    _cache[instrument] = compiled
    return compiled


def _band(bands: tuple[list[float], list[float]], value: float) -> float:
    uppers, fractions = bands
    fraction: float = fractions[bisect.bisect_right(uppers, value)]
    return fraction


def _ratio(answers: Answers, data: Any) -> float | None:
    num_id, den_id, factor, _ = data
    numerator, denominator = answers.get(num_id), answers.get(den_id)
    if not isinstance(numerator, int | float) or not isinstance(denominator, int | float):
        return None
    if denominator == 0:
        return None  # undefined: counts as unanswered
    ratio: float = factor * numerator / denominator
    return ratio


def ratio_value(question: Question, answers: Answers) -> float | None:
    """The value of a ratio question from its inputs (None when an input is missing or 0)."""
    factor = 100.0 if question.percent else 1.0
    return _ratio(answers, (question.numerator, question.denominator, factor, None))


def _fraction(qid: str, code: int, data: Any, answers: Answers) -> float | None:
    """Question fraction in [0, 1], ``_NA`` for not applicable, ``None`` when unanswered."""
    if code == _RATIO:
        value = _ratio(answers, data)
        return None if value is None else _band(data[3], value)
    raw = answers.get(qid)
    if raw is None:
        return None
    if code == _TABLE:
        fraction = data.get(raw)
        if fraction is None:
            raise AnswerError(f"{qid}: {raw!r} is not a valid answer")
        return float(fraction)
    if code == _MULTIPLE:
        scores, cap = data
        if not isinstance(raw, frozenset):
            raise AnswerError(f"{qid}: expected a set of options, got {raw!r}")
        try:
            total: float = sum(scores[o] for o in raw)
        except KeyError as exc:
            raise AnswerError(f"{qid}: unknown option {exc.args[0]!r}") from None
        capped: float = min(total, float(cap)) / float(cap)
        return capped
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        raise AnswerError(f"{qid}: expected a number, got {raw!r}")
    return _band(data, raw)


def _accumulate(
    compiled: CompiledInstrument, answers: Answers, record: dict[str, float | None] | None
) -> tuple[list[float], list[float], list[float]]:
    n = len(compiled.nodes)
    got = [0.0] * n
    answered = [0.0] * n
    applicable = [0.0] * n
    get = answers.get
    fraction: float | None
    for qid, code, weight, leaf, data, clauses in compiled.scored:
        if clauses is not None and not all(clause_holds(c, answers) for c in clauses):
            continue
        if code == _TABLE:  # the common case, inlined for batch speed
            raw = get(qid)
            if raw is None:
                fraction = None
            else:
                fraction = data.get(raw)
                if fraction is None:
                    raise AnswerError(f"{qid}: {raw!r} is not a valid answer")
        else:
            fraction = _fraction(qid, code, data, answers)
        if record is not None:
            record[qid] = fraction
        if fraction is None:
            applicable[leaf] += weight
        elif fraction >= 0.0:
            applicable[leaf] += weight
            answered[leaf] += weight
            got[leaf] += weight * fraction
    parents = compiled.parents
    for i in range(n - 1):  # children come before their parents
        p = parents[i]
        got[p] += got[i]
        answered[p] += answered[i]
        applicable[p] += applicable[i]
    return got, answered, applicable


def _percent_and_light(
    compiled: CompiledInstrument,
    got: list[float],
    answered: list[float],
    applicable: list[float],
) -> tuple[list[float | None], list[int], list[float]]:
    percentages: list[float | None] = []
    lights: list[int] = []
    coverages: list[float] = []
    greens, yellows = compiled.greens, compiled.yellows
    for i in range(len(got)):
        maximum, total = answered[i], applicable[i]
        coverage = maximum / total if total > 0 else 0.0
        coverages.append(coverage)
        if maximum <= 0:
            percentages.append(None)
            lights.append(0)
            continue
        # Rounded so that rescaling weights cannot flip a light through float noise.
        pct = round(100.0 * got[i] / maximum, 9)
        percentages.append(pct)
        if coverage < MIN_COVERAGE:
            lights.append(0)
        elif pct >= greens[i]:
            lights.append(3)
        elif pct >= yellows[i]:
            lights.append(2)
        else:
            lights.append(1)
    return percentages, lights, coverages


# -- one diagnosis: the full tree -------------------------------------------------------


@dataclass(frozen=True)
class QuestionScore:
    """How one scored question counted in a diagnosis."""

    question: Question
    answer: AnswerValue | None
    fraction: float | None  # None: unanswered or not applicable
    applicable: bool

    @property
    def lost(self) -> float:
        """Weight lost by this answer: ``weight x (1 - fraction)``."""
        return 0.0 if self.fraction is None else self.question.weight * (1.0 - self.fraction)


@dataclass(frozen=True)
class NodeResult:
    """Score, maximum, percentage, coverage and light of one node of the tree."""

    id: str
    level: str
    label: Text
    score: float
    maximum: float
    percentage: float | None
    coverage: float
    light: TrafficLight
    thresholds: Thresholds
    children: tuple[NodeResult, ...] = ()
    questions: tuple[QuestionScore, ...] = ()
    pulled_down: tuple[QuestionScore, ...] = ()
    """For red and yellow nodes: the answers beneath that lost weight, worst first."""

    def walk(self) -> Iterator[NodeResult]:
        """This node and every node beneath it, parents first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def iter_questions(self) -> Iterator[QuestionScore]:
        """The scored questions beneath this node."""
        for node in self.walk():
            yield from node.questions


@dataclass(frozen=True)
class DiagnosisResult:
    """The scored tree of one diagnosis."""

    instrument: Instrument
    root: NodeResult
    answers: Mapping[str, AnswerValue]

    def nodes(self, level: str | None = None) -> list[NodeResult]:
        """Every node (or those of one level: subcategory, category, dimension, instrument)."""
        return [n for n in self.root.walk() if level is None or n.level == level]

    def node(self, node_id: str) -> NodeResult:
        """The node ``node_id``; raises ``KeyError`` when unknown."""
        for n in self.root.walk():
            if n.id == node_id:
                return n
        raise KeyError(node_id)


def score(instrument: Instrument, answers: Answers) -> DiagnosisResult:
    """Score one diagnosis. ``answers`` must be normalized (see :mod:`.answers`).

    Deterministic and pure. Raises :class:`AnswerError` for a value a question cannot take.
    """
    compiled = compile_instrument(instrument)
    record: dict[str, float | None] = {}
    got, answered, applicable = _accumulate(compiled, answers, record)
    percentages, lights, coverages = _percent_and_light(compiled, got, answered, applicable)
    by_leaf: dict[int, list[QuestionScore]] = {}
    for qid, _code, _w, leaf, _data, _clauses in compiled.scored:
        question = instrument.question(qid)
        fraction = record.get(qid)
        by_leaf.setdefault(leaf, []).append(
            QuestionScore(
                question=question,
                answer=answers.get(qid),
                fraction=None if fraction is None or fraction < 0 else fraction,
                applicable=qid in record and fraction != _NA,
            )
        )
    children: dict[int, list[NodeResult]] = {}
    result: NodeResult | None = None
    for i, node in enumerate(compiled.nodes):
        questions = tuple(by_leaf.get(i, ()))
        kids = tuple(children.get(i, ()))
        light = _LIGHTS[lights[i]]
        pulled: tuple[QuestionScore, ...] = ()
        if light in (TrafficLight.RED, TrafficLight.YELLOW):
            beneath = list(questions) + [q for k in kids for q in k.iter_questions()]
            pulled = tuple(sorted((q for q in beneath if q.lost > 0), key=lambda q: -q.lost))
        result = NodeResult(
            id=node.id,
            level=node.level,
            label=node.label,
            score=got[i],
            maximum=answered[i],
            percentage=percentages[i],
            coverage=coverages[i],
            light=light,
            thresholds=node.thresholds,
            children=kids,
            questions=questions,
            pulled_down=pulled,
        )
        children.setdefault(node.parent, []).append(result)
    assert result is not None
    return DiagnosisResult(instrument=instrument, root=result, answers=dict(answers))


@dataclass(frozen=True)
class WeakAnswer:
    """An answer that lost weight in a red or yellow subcategory."""

    question_id: str
    subcategory_id: str
    light: TrafficLight
    lost: float


def weak_answers(instrument: Instrument, answers: Answers) -> list[WeakAnswer]:
    """The answers behind red and yellow subcategories, in question order.

    The same rules as :func:`score` (it is :attr:`NodeResult.pulled_down` of each
    subcategory) without building the tree: action plans for thousands of imports.
    """
    compiled = compile_instrument(instrument)
    record: dict[str, float | None] = {}
    got, answered, applicable = _accumulate(compiled, answers, record)
    _, lights, _ = _percent_and_light(compiled, got, answered, applicable)
    out = []
    for qid, _code, weight, leaf, _data, _clauses in compiled.scored:
        fraction = record.get(qid)
        if fraction is None or fraction < 0 or fraction >= 1.0 or lights[leaf] not in (1, 2):
            continue
        out.append(
            WeakAnswer(
                qid, compiled.nodes[leaf].id, _LIGHTS[lights[leaf]], weight * (1.0 - fraction)
            )
        )
    return out


# -- many diagnoses: compact rows --------------------------------------------------------


@dataclass(frozen=True)
class BatchScores:
    """Percentages and lights of many diagnoses; columns follow ``node_ids``."""

    node_ids: list[str]
    node_levels: list[str]
    percentages: list[list[float | None]]
    lights: list[list[TrafficLight]]

    def column(self, node_id: str) -> int:
        """Index of ``node_id`` in each row."""
        return self.node_ids.index(node_id)

    def __len__(self) -> int:
        return len(self.percentages)


def score_batch(instrument: Instrument, answer_sets: Iterable[Answers]) -> BatchScores:
    """Score many diagnoses with the same rules as :func:`score`, without building trees.

    For portfolio views and for re-scoring when an instrument's thresholds change.
    """
    compiled = compile_instrument(instrument)
    percentages: list[list[float | None]] = []
    lights: list[list[TrafficLight]] = []
    lights_by_code = _LIGHTS
    for answers in answer_sets:
        got, answered, applicable = _accumulate(compiled, answers, None)
        pcts, codes, _ = _percent_and_light(compiled, got, answered, applicable)
        percentages.append(pcts)
        lights.append([lights_by_code[c] for c in codes])
    return BatchScores(
        node_ids=[n.id for n in compiled.nodes],
        node_levels=[n.level for n in compiled.nodes],
        percentages=percentages,
        lights=lights,
    )
