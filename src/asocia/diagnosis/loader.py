"""Load and validate instrument files (YAML) against the published JSON Schema.

Validation happens in two passes: the JSON Schema (structure, types) and then the
rules a schema cannot express (unique ids, conditions only on earlier unscored
questions, band continuity, thresholds in order). Every problem names the file,
the path inside it and what is wrong; all problems are reported at once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from asocia.diagnosis.instrument import (
    Band,
    Category,
    Clause,
    Dimension,
    Instrument,
    Option,
    Question,
    QuestionKind,
    Subcategory,
    Text,
    Thresholds,
)

SHIPPED_INSTRUMENTS = ("diagnostico-cooperativo", "diagnostico-rapido")
_SCORED_BY_DEFAULT = {
    QuestionKind.YES_NO,
    QuestionKind.SCALE,
    QuestionKind.SINGLE,
    QuestionKind.MULTIPLE,
    QuestionKind.RATIO,
}
_CLAUSE_OPS = ("equals", "in", "selected", "gt", "gte", "lt", "lte")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an instrument file: where (a JSON path) and what."""

    path: str
    message: str


class InstrumentError(ValueError):
    """An instrument file is invalid. ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [f"{source}: {p.path}: {p.message}" for p in self.problems]
        super().__init__("invalid instrument\n" + "\n".join(lines))


@cache
def instrument_schema() -> dict[str, Any]:
    """The published JSON Schema of instrument files."""
    text = resources.files("asocia.diagnosis").joinpath("instrument.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _json_path(parts: Iterable[object]) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parse_instrument(data: object, source: str = "<data>") -> Instrument:
    """Validate an instrument given as plain data (parsed YAML) and build it.

    Raises :class:`InstrumentError` naming ``source`` and every problem found.
    """
    validator = jsonschema.Draft202012Validator(instrument_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise InstrumentError(
            source, [Problem(_json_path(e.absolute_path), e.message) for e in errors]
        )
    assert isinstance(data, dict)
    problems: list[Problem] = []
    instrument = _build(data, source, problems)
    if problems:
        raise InstrumentError(source, problems)
    return instrument


def load_instrument_file(path: str | Path) -> Instrument:
    """Load and validate one instrument YAML file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise InstrumentError(str(path), [Problem("$", f"not valid YAML: {exc}")]) from exc
    return parse_instrument(data, str(path))


@cache
def _shipped(name: str) -> Instrument:
    resource = resources.files("asocia.diagnosis").joinpath("instruments").joinpath(name)
    data = yaml.safe_load(resource.read_text("utf-8"))
    return parse_instrument(data, f"asocia/diagnosis/instruments/{name}")


def shipped_instruments() -> list[Instrument]:
    """Every instrument shipped with asocia (all versions)."""
    folder = resources.files("asocia.diagnosis").joinpath("instruments")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))
    return [_shipped(name) for name in names]


def load_instruments(extra_folder: str | Path | None = None) -> dict[str, Instrument]:
    """Shipped instruments plus every ``*.yaml`` in ``extra_folder``, keyed by ``id@version``.

    Without ``extra_folder``, the folder of the ``ASOCIA_INSTRUMENTS_DIR`` setting is used
    when it is set. A folder is re-read only when one of its files changes.
    """
    found = {i.key: i for i in shipped_instruments()}
    if extra_folder is None:
        configured = os.environ.get("ASOCIA_INSTRUMENTS_DIR")
        extra_folder = Path(configured) if configured else None
    if extra_folder is not None:
        folder = Path(extra_folder)
        stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yaml")))
        found.update(_folder_instruments(str(folder), stamp))
    return found


@cache
def _folder_instruments(folder: str, stamp: tuple[tuple[str, int], ...]) -> dict[str, Instrument]:
    """The instruments of ``folder``; ``stamp`` (names and times) keys the cache."""
    found: dict[str, Instrument] = {}
    for name, _mtime in stamp:
        instrument = load_instrument_file(Path(folder) / name)
        found[instrument.key] = instrument
    return found


def get_instrument(
    instrument_id: str, version: str | None = None, extra_folder: str | Path | None = None
) -> Instrument:
    """The instrument ``instrument_id`` at ``version`` (the latest when ``None``).

    Raises ``LookupError`` with the known keys when there is no such instrument.
    """
    known = load_instruments(extra_folder)
    matches = [i for i in known.values() if i.id == instrument_id]
    if version is not None:
        matches = [i for i in matches if i.version == version]
    if not matches:
        wanted = instrument_id if version is None else f"{instrument_id}@{version}"
        raise LookupError(f"unknown instrument {wanted!r}; known: {', '.join(sorted(known))}")
    return max(matches, key=lambda i: tuple(int(p) for p in i.version.split(".")))


# -- building the typed model, with the rules a schema cannot express ---------------


def _thresholds(
    raw: Mapping[str, Any] | None, inherited: Thresholds, path: str, problems: list[Problem]
) -> Thresholds:
    if raw is None:
        return inherited
    green, yellow = float(raw["green"]), float(raw["yellow"])
    if yellow > green:
        problems.append(
            Problem(f"{path}.thresholds", f"yellow ({yellow}) is above green ({green})")
        )
    return Thresholds(green=green, yellow=yellow)


def _text(raw: Mapping[str, str] | None) -> Text | None:
    return dict(raw) if raw else None


def _build(data: dict[str, Any], source: str, problems: list[Problem]) -> Instrument:
    base = _thresholds(data.get("thresholds"), Thresholds(), "$", problems)
    seen_nodes: dict[str, str] = {}
    questions: dict[str, Question] = {}
    dimensions = []

    def node_id(node_path: str, value: str) -> str:
        if value in seen_nodes:
            problems.append(
                Problem(f"{node_path}.id", f"id {value!r} already used at {seen_nodes[value]}")
            )
        seen_nodes[value] = node_path
        return value

    for di, d in enumerate(data["dimensions"]):
        dpath = f"$.dimensions[{di}]"
        dthr = _thresholds(d.get("thresholds"), base, dpath, problems)
        categories = []
        for ci, c in enumerate(d["categories"]):
            cpath = f"{dpath}.categories[{ci}]"
            cthr = _thresholds(c.get("thresholds"), base, cpath, problems)
            subcategories = []
            for si, s in enumerate(c["subcategories"]):
                spath = f"{cpath}.subcategories[{si}]"
                sthr = _thresholds(s.get("thresholds"), cthr, spath, problems)
                sid = node_id(spath, s["id"])
                qs = []
                for qi, q in enumerate(s["questions"]):
                    qpath = f"{spath}.questions[{qi}]"
                    question = _question(q, sid, qpath, questions, problems)
                    if question.id in questions or question.id in seen_nodes:
                        problems.append(Problem(f"{qpath}.id", f"id {question.id!r} is used twice"))
                    questions[question.id] = question
                    qs.append(question)
                if not any(q.scored for q in qs):
                    problems.append(Problem(spath, "has no scored question (weight > 0)"))
                subcategories.append(Subcategory(sid, dict(s["label"]), sthr, tuple(qs)))
            categories.append(
                Category(node_id(cpath, c["id"]), dict(c["label"]), cthr, tuple(subcategories))
            )
        dimensions.append(
            Dimension(node_id(dpath, d["id"]), dict(d["label"]), dthr, tuple(categories))
        )
    return Instrument(
        id=data["id"],
        version=str(data["version"]),
        languages=tuple(data["languages"]),
        title=dict(data["title"]),
        description=_text(data.get("description")),
        thresholds=base,
        dimensions=tuple(dimensions),
        source=source,
    )


def _question(
    q: Mapping[str, Any],
    subcategory: str,
    path: str,
    earlier: Mapping[str, Question],
    problems: list[Problem],
) -> Question:
    kind = QuestionKind(q["kind"])
    default_weight = (
        1.0
        if kind in _SCORED_BY_DEFAULT or (kind is QuestionKind.NUMERIC and "bands" in q)
        else 0.0
    )
    weight = float(q.get("weight", default_weight))
    options = tuple(
        Option(
            o["id"],
            dict(o["label"]),
            float(o.get("score", 0.0)),
            bool(o.get("na", False)),
            _text(o.get("action")),
        )
        for o in q.get("options", ())
    )
    bands = tuple(
        Band(b.get("from"), b.get("to"), float(b["score"]), _text(b.get("action")))
        for b in q.get("bands", ())
    )
    clauses = []
    for ki, raw in enumerate(q.get("when", ())):
        op = next(k for k in raw if k != "question")
        clause = Clause(raw["question"], op, raw[op])
        _check_clause(clause, earlier, f"{path}.when[{ki}]", problems)
        clauses.append(clause)
    question = Question(
        id=q["id"],
        kind=kind,
        label=dict(q["label"]),
        weight=weight,
        required=bool(q.get("required", False)),
        hint=_text(q.get("hint")),
        when=tuple(clauses),
        action=_text(q.get("action")),
        allow_na=bool(q.get("allow_na", True)),
        options=options,
        cap=q.get("cap"),
        bands=bands,
        minimum=q.get("min"),
        maximum=q.get("max"),
        integer=bool(q.get("integer", False)),
        unit=_text(q.get("unit")),
        numerator=q.get("numerator"),
        denominator=q.get("denominator"),
        percent=bool(q.get("percent", False)),
        subcategory=subcategory,
    )
    _check_question(question, earlier, path, problems)
    return question


def _check_clause(
    clause: Clause, earlier: Mapping[str, Question], path: str, problems: list[Problem]
) -> None:
    target = earlier.get(clause.question)
    if target is None:
        problems.append(
            Problem(f"{path}.question", f"{clause.question!r} is not an earlier question")
        )
        return
    # A condition on a scored answer would let a better answer switch other questions on
    # or off and so lower a percentage; gating questions are therefore unscored facts.
    if target.scored:
        problems.append(
            Problem(
                f"{path}.question",
                f"{clause.question!r} is scored; "
                "conditions may only use unscored questions (weight 0)",
            )
        )
    if clause.op in ("equals", "in", "selected"):
        values = clause.value if isinstance(clause.value, list) else [clause.value]
        allowed = _allowed_values(target)
        if allowed is not None:
            for value in values:
                if str(value) not in allowed:
                    problems.append(Problem(path, f"{value!r} is not an answer of {target.id!r}"))
        if clause.op == "selected" and target.kind is not QuestionKind.MULTIPLE:
            problems.append(Problem(path, "'selected' only applies to multiple-choice questions"))
    elif target.kind not in (QuestionKind.NUMERIC, QuestionKind.SCALE):
        problems.append(Problem(path, f"{clause.op!r} needs a numeric or scale question"))


def _allowed_values(question: Question) -> set[str] | None:
    if question.kind is QuestionKind.YES_NO:
        return {"yes", "partial", "no"} | ({"na"} if question.allow_na else set())
    if question.kind is QuestionKind.SCALE:
        return {"1", "2", "3", "4", "5"} | ({"na"} if question.allow_na else set())
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return {o.id for o in question.options}
    return None


def _check_question(
    q: Question, earlier: Mapping[str, Question], path: str, problems: list[Problem]
) -> None:
    if q.kind is QuestionKind.TEXT and q.weight:
        problems.append(Problem(f"{path}.weight", "text questions are never scored"))
    if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        ids = [o.id for o in q.options]
        if len(set(ids)) != len(ids):
            problems.append(Problem(f"{path}.options", "option ids repeat"))
        scored = [o.score for o in q.options if not o.na]
        if not scored:
            problems.append(Problem(f"{path}.options", "every option is 'na'"))
        elif q.scored and q.kind is QuestionKind.SINGLE:
            if min(scored) != 0:
                problems.append(Problem(f"{path}.options", "the lowest option must score 0"))
            if max(scored) <= 0:
                problems.append(Problem(f"{path}.options", "no option scores above 0"))
    if q.kind is QuestionKind.MULTIPLE:
        if any(o.na for o in q.options):
            problems.append(Problem(f"{path}.options", "multiple-choice options cannot be 'na'"))
        reachable = sum(o.score for o in q.options)
        if q.scored and q.cap is not None and q.cap > reachable:
            problems.append(
                Problem(f"{path}.cap", f"cap {q.cap} is above the best sum {reachable}")
            )
    if q.kind is QuestionKind.NUMERIC and q.scored and not q.bands:
        problems.append(Problem(path, "a scored numeric question needs bands"))
    if q.bands:
        _check_bands(q.bands, f"{path}.bands", problems)
    if q.minimum is not None and q.maximum is not None and q.minimum > q.maximum:
        problems.append(Problem(f"{path}.min", "min is above max"))
    if q.kind is QuestionKind.RATIO:
        for role in ("numerator", "denominator"):
            ref = getattr(q, role)
            source = earlier.get(ref)
            if source is None or source.kind is not QuestionKind.NUMERIC:
                problems.append(
                    Problem(f"{path}.{role}", f"{ref!r} is not an earlier numeric question")
                )
            elif source.scored:
                problems.append(
                    Problem(f"{path}.{role}", f"{ref!r} must be an unscored input (weight 0)")
                )


def _check_bands(bands: Sequence[Band], path: str, problems: list[Problem]) -> None:
    if bands[0].lower is not None:
        problems.append(Problem(f"{path}[0].from", "the first band must be open below (no 'from')"))
    if bands[-1].upper is not None:
        problems.append(
            Problem(f"{path}[{len(bands) - 1}].to", "the last band must be open above (no 'to')")
        )
    for i in range(1, len(bands)):
        if bands[i].lower is None or bands[i].lower != bands[i - 1].upper:
            problems.append(
                Problem(
                    f"{path}[{i}].from", "bands must be contiguous: 'from' equals the previous 'to'"
                )
            )
    for i, band in enumerate(bands):
        if band.lower is not None and band.upper is not None and band.lower >= band.upper:
            problems.append(Problem(f"{path}[{i}]", "'from' must be below 'to'"))
    if min(b.score for b in bands) != 0:
        problems.append(Problem(path, "the lowest band must score 0"))
    if max(b.score for b in bands) <= 0:
        problems.append(Problem(path, "no band scores above 0"))
