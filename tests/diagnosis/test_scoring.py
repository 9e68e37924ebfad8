"""The scoring engine on hand-computed cases."""

from __future__ import annotations

from typing import Any

import pytest

from asocia.diagnosis.answers import AnswerError, normalize_answers
from asocia.diagnosis.lights import TrafficLight
from asocia.diagnosis.loader import get_instrument, parse_instrument
from asocia.diagnosis.scoring import score, score_batch


def t(s: str) -> dict[str, str]:
    return {"es": s, "en": s}


def build(questions: list[dict[str, Any]], **sub: Any) -> Any:
    for q in questions:
        q.setdefault("label", t(q["id"]))
    return parse_instrument(
        {
            "id": "unit",
            "version": "1",
            "languages": ["es", "en"],
            "title": t("Unit"),
            "dimensions": [
                {
                    "id": "d",
                    "label": t("D"),
                    "categories": [
                        {
                            "id": "c",
                            "label": t("C"),
                            "subcategories": [
                                {"id": "s", "label": t("S"), "questions": questions, **sub}
                            ],
                        }
                    ],
                }
            ],
        },
        "unit.yaml",
    )


def test_yes_partial_no_and_na() -> None:
    instrument = build(
        [
            {"id": "a", "kind": "yes_no", "weight": 2},
            {"id": "b", "kind": "yes_no"},
            {"id": "c", "kind": "yes_no"},
            {"id": "n", "kind": "yes_no", "weight": 5},
        ]
    )
    result = score(instrument, {"a": "yes", "b": "partial", "c": "no", "n": "na"})
    node = result.node("s")
    assert (node.score, node.maximum, node.percentage) == (2.5, 4.0, 62.5)
    assert node.coverage == 1.0
    assert node.light is TrafficLight.YELLOW
    assert [q.question.id for q in node.pulled_down] == ["c", "b"]
    assert result.root.percentage == 62.5


def test_unanswered_lowers_coverage_until_insufficient_data() -> None:
    instrument = build([{"id": f"q{i}", "kind": "yes_no"} for i in range(4)])
    half = score(instrument, {"q0": "yes", "q1": "yes"}).node("s")
    assert (half.percentage, half.coverage, half.light) == (100.0, 0.5, TrafficLight.GREEN)
    less = score(instrument, {"q0": "yes"}).node("s")
    assert less.coverage == 0.25
    assert less.light is TrafficLight.INSUFFICIENT_DATA
    empty = score(instrument, {}).node("s")
    assert empty.percentage is None and empty.light is TrafficLight.INSUFFICIENT_DATA


def test_kinds_scale_single_multiple_numeric_ratio() -> None:
    instrument = build(
        [
            {"id": "scale", "kind": "scale"},
            {
                "id": "one",
                "kind": "single",
                "options": [
                    {"id": "x", "label": t("x"), "score": 0},
                    {"id": "y", "label": t("y"), "score": 4},
                    {"id": "z", "label": t("z"), "score": 1},
                    {"id": "na", "label": t("na"), "na": True},
                ],
            },
            {
                "id": "many",
                "kind": "multiple",
                "cap": 2,
                "options": [
                    {"id": "a", "label": t("a"), "score": 1},
                    {"id": "b", "label": t("b"), "score": 1},
                    {"id": "c", "label": t("c"), "score": 1},
                ],
            },
            {
                "id": "num",
                "kind": "numeric",
                "bands": [
                    {"to": 10, "score": 0},
                    {"from": 10, "to": 20, "score": 1},
                    {"from": 20, "score": 2},
                ],
            },
            {"id": "top", "kind": "numeric"},
            {"id": "bottom", "kind": "numeric"},
            {
                "id": "ratio",
                "kind": "ratio",
                "numerator": "top",
                "denominator": "bottom",
                "percent": True,
                "bands": [{"to": 50, "score": 0}, {"from": 50, "score": 1}],
            },
        ]
    )
    answers = {
        "scale": 4,
        "one": "z",
        "many": frozenset({"a", "b", "c"}),
        "num": 10.0,
        "top": 1.0,
        "bottom": 2.0,
    }
    by_id = {q.question.id: q.fraction for q in score(instrument, answers).root.iter_questions()}
    assert by_id == {"scale": 0.75, "one": 0.25, "many": 1.0, "num": 0.5, "ratio": 1.0}
    zero = score(instrument, {**answers, "bottom": 0.0, "one": "na"})
    fractions = {q.question.id: q.fraction for q in zero.root.iter_questions()}
    assert fractions["ratio"] is None and fractions["one"] is None


def test_conditions_switch_questions_on_and_off() -> None:
    instrument = build(
        [
            {"id": "workers", "kind": "yes_no", "weight": 0, "allow_na": False},
            {"id": "base", "kind": "yes_no"},
            {
                "id": "contracts",
                "kind": "yes_no",
                "when": [{"question": "workers", "equals": "yes"}],
            },
        ]
    )
    without = score(instrument, {"workers": "no", "base": "yes", "contracts": "no"}).node("s")
    assert without.percentage == 100.0
    with_workers = score(instrument, {"workers": "yes", "base": "yes", "contracts": "no"})
    assert with_workers.node("s").percentage == 50.0


def test_threshold_override_changes_the_light_only() -> None:
    questions = [
        {"id": "a", "kind": "yes_no"},
        {"id": "b", "kind": "yes_no"},
        {"id": "c", "kind": "yes_no"},
        {"id": "d", "kind": "yes_no"},
    ]
    answers = {"a": "yes", "b": "yes", "c": "partial", "d": "no"}  # 62.5 %
    default = score(build([dict(q) for q in questions]), answers).node("s")
    strict = score(
        build([dict(q) for q in questions], thresholds={"green": 95, "yellow": 65}), answers
    ).node("s")
    assert default.percentage == strict.percentage == 62.5
    assert (default.light, strict.light) == (TrafficLight.YELLOW, TrafficLight.RED)
    assert strict.light.message("es").startswith("Urgencia en la atención")
    assert default.light.message("en").startswith("Warning sign")


def test_invalid_answers_raise_in_the_engine() -> None:
    instrument = build([{"id": "a", "kind": "yes_no", "allow_na": False}])
    with pytest.raises(AnswerError, match="'na' is not a valid answer"):
        score(instrument, {"a": "na"})


def test_normalize_reports_each_problem_and_keeps_good_answers() -> None:
    instrument = get_instrument("diagnostico-cooperativo", "1")
    answers, problems = normalize_answers(
        instrument,
        {
            "fin_contabilidad_al_dia": " YES ",
            "fin_seguimiento_presupuesto": "7",
            "neg_canales": "directa exportacion",
            "gob_socios": "12,5",
            "p3_aportes_al_dia": "150",
            "fin_activo_corriente": "1.500",
            "nonsense": "x",
            "fin_contador": "jefe",
        },
    )
    assert answers["fin_contabilidad_al_dia"] == "yes"
    assert answers["neg_canales"] == frozenset({"directa", "exportacion"})
    assert answers["fin_activo_corriente"] == 1.5
    reasons = {p.question: p.reason for p in problems}
    assert reasons == {
        "fin_seguimiento_presupuesto": "expected a whole number from 1 to 5",
        "gob_socios": "expected a whole number",
        "p3_aportes_al_dia": "above the maximum 100",
        "nonsense": "unknown question",
        "fin_contador": "not one of the choices",
        "gob_asamblea_anual": "required answer missing",
    }


def test_batch_rows_follow_node_ids() -> None:
    instrument = get_instrument("diagnostico-rapido")
    batch = score_batch(instrument, [{"fin_contabilidad_al_dia": "yes"}, {}])
    assert len(batch) == 2
    assert batch.node_levels[-1] == "instrument"
    col = batch.column("finanzas_basicas")
    assert batch.percentages[0][col] == 100.0
    assert batch.lights[0][col] is TrafficLight.INSUFFICIENT_DATA
    assert batch.percentages[1][col] is None
