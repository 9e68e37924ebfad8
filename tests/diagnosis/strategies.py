"""Hypothesis strategies: random valid instruments (as YAML-like data) and answer sets."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from asocia.diagnosis.answers import AnswerValue
from asocia.diagnosis.instrument import NA, Instrument, QuestionKind

WEIGHTS = st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 7.0])


def _text(prefix: str) -> dict[str, str]:
    return {"es": f"{prefix} es", "en": f"{prefix} en"}


@st.composite
def _bands(draw: st.DrawFn) -> list[dict[str, Any]]:
    cuts = sorted(draw(st.sets(st.integers(-50, 150), min_size=1, max_size=4)))
    scores = draw(st.lists(st.integers(0, 5), min_size=len(cuts) + 1, max_size=len(cuts) + 1))
    scores[draw(st.integers(0, len(scores) - 1))] = 0
    if max(scores) == 0:
        scores[-1 if scores[0] == 0 else 0] = 3
    bands: list[dict[str, Any]] = []
    for i, score in enumerate(scores):
        band: dict[str, Any] = {"score": score}
        if i > 0:
            band["from"] = cuts[i - 1]
        if i < len(cuts):
            band["to"] = cuts[i]
        bands.append(band)
    return bands


@st.composite
def _questions(draw: st.DrawFn, prefix: str) -> list[dict[str, Any]]:
    """Questions of one subcategory, at least one scored and unconditional."""
    questions: list[dict[str, Any]] = []
    gate: str | None = None
    n = draw(st.integers(1, 5))
    for i in range(n):
        qid = f"{prefix}_q{i}"
        kind = draw(
            st.sampled_from(
                ["yes_no", "scale", "single", "multiple", "numeric", "ratio", "text", "gate"]
            )
        )
        q: dict[str, Any] = {"id": qid, "label": _text(qid), "kind": kind}
        if kind == "gate":
            q.update(kind="yes_no", weight=0)
            gate = qid
        elif kind == "text":
            pass
        else:
            q["weight"] = draw(WEIGHTS)
            q["allow_na"] = draw(st.booleans())
        if kind == "single":
            k = draw(st.integers(2, 4))
            scores = draw(st.lists(st.integers(1, 5), min_size=k, max_size=k))
            scores[0] = 0
            q["options"] = [
                {"id": f"o{j}", "label": _text(f"o{j}"), "score": s} for j, s in enumerate(scores)
            ]
            if draw(st.booleans()):
                q["options"].append({"id": "na", "label": _text("na"), "na": True})
        elif kind == "multiple":
            k = draw(st.integers(2, 5))
            scores = draw(st.lists(st.integers(0, 3), min_size=k, max_size=k))
            scores[0] = max(scores[0], 1)
            q["options"] = [
                {"id": f"o{j}", "label": _text(f"o{j}"), "score": s} for j, s in enumerate(scores)
            ]
            q["cap"] = draw(st.integers(1, sum(scores)))
        elif kind == "numeric":
            q["bands"] = draw(_bands())
        elif kind == "ratio":
            for role in ("numerator", "denominator"):
                questions.append(
                    {"id": f"{qid}_{role[:3]}", "label": _text(role), "kind": "numeric"}
                )
                q[role] = f"{qid}_{role[:3]}"
            q["bands"] = draw(_bands())
            q["percent"] = draw(st.booleans())
        if gate is not None and kind not in ("gate", "text") and draw(st.booleans()):
            q["when"] = [{"question": gate, "equals": "yes"}]
        questions.append(q)
    questions.append(
        {
            "id": f"{prefix}_anchor",
            "label": _text("anchor"),
            "kind": "yes_no",
            "weight": draw(WEIGHTS),
        }
    )
    return questions


@st.composite
def _thresholds(draw: st.DrawFn) -> dict[str, float]:
    green = draw(st.integers(1, 100))
    return {"green": green, "yellow": draw(st.integers(1, green))}


@st.composite
def instrument_data(draw: st.DrawFn) -> dict[str, Any]:
    """A valid instrument as plain data, as it would be read from YAML."""
    dimensions = []
    for d in range(draw(st.integers(1, 2))):
        categories = []
        for c in range(draw(st.integers(1, 2))):
            subcategories = []
            for s in range(draw(st.integers(1, 3))):
                sid = f"d{d}c{c}s{s}"
                sub: dict[str, Any] = {
                    "id": sid,
                    "label": _text(sid),
                    "questions": draw(_questions(sid)),
                }
                if draw(st.booleans()):
                    sub["thresholds"] = draw(_thresholds())
                subcategories.append(sub)
            cat: dict[str, Any] = {
                "id": f"d{d}c{c}",
                "label": _text("c"),
                "subcategories": subcategories,
            }
            if draw(st.booleans()):
                cat["thresholds"] = draw(_thresholds())
            categories.append(cat)
        dimensions.append({"id": f"d{d}", "label": _text("d"), "categories": categories})
    return {
        "id": "generated",
        "version": "1",
        "languages": ["es", "en"],
        "title": _text("t"),
        "thresholds": draw(_thresholds()),
        "dimensions": dimensions,
    }


def answer_strategy(instrument: Instrument) -> st.SearchStrategy[dict[str, AnswerValue]]:
    """Valid normalized answers for ``instrument``; any question may be left blank."""
    parts: dict[str, st.SearchStrategy[AnswerValue | None]] = {}
    for q in instrument.iter_questions():
        values: st.SearchStrategy[Any]
        if q.kind is QuestionKind.YES_NO:
            values = st.sampled_from(["yes", "partial", "no"] + ([NA] if q.allow_na else []))
        elif q.kind is QuestionKind.SCALE:
            values = st.integers(1, 5) | (st.just(NA) if q.allow_na else st.nothing())
        elif q.kind is QuestionKind.SINGLE:
            values = st.sampled_from([o.id for o in q.options])
        elif q.kind is QuestionKind.MULTIPLE:
            values = st.frozensets(st.sampled_from([o.id for o in q.options]))
        elif q.kind is QuestionKind.NUMERIC:
            values = st.floats(-200, 200, allow_nan=False).map(lambda v: round(v, 3))
        elif q.kind is QuestionKind.TEXT:
            values = st.text(max_size=5)
        else:
            continue
        parts[q.id] = st.none() | values
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})
