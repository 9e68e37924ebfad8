"""Diagnosis instruments: the typed model of an instrument file.

An instrument is data (a YAML file validated against ``instrument.schema.json``):
dimensions -> categories -> subcategories -> questions, each question with a kind,
a weight, an optional condition on earlier answers and a recommended action.
Loading and validation live in :mod:`asocia.diagnosis.loader`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

Text = Mapping[str, str]
"""A string in several languages, keyed by ISO 639-1 code (``{"es": ..., "en": ...}``)."""


def localize(text: Text | None, lang: str) -> str:
    """Return ``text`` in ``lang``, falling back to Spanish, then English, then anything."""
    if not text:
        return ""
    for code in (lang, "es", "en"):
        if code in text:
            return text[code]
    return next(iter(text.values()))


class QuestionKind(StrEnum):
    """How a question is answered and scored."""

    YES_NO = "yes_no"  # Sí / Parcial / No / No aplica -> 1, 0.5, 0, excluded
    SCALE = "scale"  # 1..5 -> 0, .25, .5, .75, 1
    SINGLE = "single"  # one option, score per option
    MULTIPLE = "multiple"  # several options, sum of scores capped at ``cap``
    NUMERIC = "numeric"  # a number, scored by bands (or unscored input)
    RATIO = "ratio"  # numerator / denominator of two numeric inputs, scored by bands
    TEXT = "text"  # free text, never scored


YES_NO_SCORES: dict[str, float] = {"yes": 1.0, "partial": 0.5, "no": 0.0}
YES_NO_LABELS: dict[str, dict[str, str]] = {
    "yes": {"es": "Sí", "en": "Yes"},
    "partial": {"es": "Parcial", "en": "Partial"},
    "no": {"es": "No", "en": "No"},
    "na": {"es": "No aplica", "en": "Not applicable"},
}
NA = "na"
"""The answer value meaning "not applicable": the question leaves the denominator."""


@dataclass(frozen=True)
class Thresholds:
    """Traffic-light cut-offs in percent: green from ``green`` up, yellow from ``yellow`` up."""

    green: float = 70.0
    yellow: float = 40.0


@dataclass(frozen=True)
class Option:
    """One choice of a ``single`` or ``multiple`` question."""

    id: str
    label: Text
    score: float = 0.0
    na: bool = False
    action: Text | None = None


@dataclass(frozen=True)
class Band:
    """A half-open interval ``[lower, upper)`` of a numeric value and its score."""

    lower: float | None
    upper: float | None
    score: float
    action: Text | None = None

    def contains(self, value: float) -> bool:
        """Whether ``value`` falls inside this band."""
        return (self.lower is None or value >= self.lower) and (
            self.upper is None or value < self.upper
        )


@dataclass(frozen=True)
class Clause:
    """One test on an earlier answer; a question applies when all its clauses hold."""

    question: str
    op: str  # equals, in, selected, gt, gte, lt, lte
    value: object


@dataclass(frozen=True)
class Question:
    """A question of an instrument. ``id`` is stable across instrument versions."""

    id: str
    kind: QuestionKind
    label: Text
    weight: float
    required: bool = False
    hint: Text | None = None
    when: tuple[Clause, ...] = ()
    action: Text | None = None
    allow_na: bool = True
    options: tuple[Option, ...] = ()
    cap: float | None = None
    bands: tuple[Band, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    unit: Text | None = None
    numerator: str | None = None
    denominator: str | None = None
    percent: bool = False
    subcategory: str = ""

    @property
    def scored(self) -> bool:
        """Whether the answer counts towards the score."""
        return self.weight > 0

    def option(self, option_id: str) -> Option | None:
        """The option with ``option_id``, if any."""
        for option in self.options:
            if option.id == option_id:
                return option
        return None


@dataclass(frozen=True)
class Subcategory:
    """The leaf node of the tree: it holds the questions."""

    id: str
    label: Text
    thresholds: Thresholds
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Category:
    """A category, with its own traffic light (and thresholds)."""

    id: str
    label: Text
    thresholds: Thresholds
    subcategories: tuple[Subcategory, ...]


@dataclass(frozen=True)
class Dimension:
    """The top level under the instrument (e.g. the enterprise, the association)."""

    id: str
    label: Text
    thresholds: Thresholds
    categories: tuple[Category, ...]


@dataclass(frozen=True, eq=False)
class Instrument:
    """A versioned diagnosis instrument. ``key`` (``id@version``) identifies it everywhere.

    Compared and hashed by identity: the scoring engine caches its compiled form per object.
    """

    id: str
    version: str
    languages: tuple[str, ...]
    title: Text
    thresholds: Thresholds
    dimensions: tuple[Dimension, ...]
    description: Text | None = None
    source: str = ""
    _questions: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for question in self.iter_questions():
            self._questions[question.id] = question

    @property
    def key(self) -> str:
        """``id@version``, e.g. ``diagnostico-cooperativo@1``."""
        return f"{self.id}@{self.version}"

    def iter_questions(self) -> Iterator[Question]:
        """Every question in the order it is asked."""
        for dimension in self.dimensions:
            for category in dimension.categories:
                for subcategory in category.subcategories:
                    yield from subcategory.questions

    def iter_categories(self) -> Iterator[Category]:
        """Every category in order."""
        for dimension in self.dimensions:
            yield from dimension.categories

    def iter_subcategories(self) -> Iterator[Subcategory]:
        """Every subcategory in order."""
        for category in self.iter_categories():
            yield from category.subcategories

    @property
    def questions(self) -> Mapping[str, Question]:
        """Questions by id."""
        return self._questions

    def question(self, question_id: str) -> Question:
        """The question ``question_id``; raises ``KeyError`` when unknown."""
        return self._questions[question_id]

    @property
    def scored_question_count(self) -> int:
        """How many questions carry weight."""
        return sum(1 for q in self.iter_questions() if q.scored)
