"""Instrument files: the shipped instruments and the validation of bad ones."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from asocia.diagnosis.instrument import QuestionKind
from asocia.diagnosis.loader import (
    InstrumentError,
    get_instrument,
    instrument_schema,
    load_instrument_file,
    load_instruments,
    parse_instrument,
    shipped_instruments,
)

PRINCIPLES = [f"p{i}_" for i in range(1, 8)]


def minimal() -> dict[str, Any]:
    def t(s: str) -> dict[str, str]:
        return {"es": s, "en": s}

    return {
        "id": "mini",
        "version": "2",
        "languages": ["es", "en"],
        "title": t("Mini"),
        "dimensions": [
            {
                "id": "d",
                "label": t("D"),
                "categories": [
                    {
                        "id": "c",
                        "label": t("C"),
                        "subcategories": [
                            {
                                "id": "s",
                                "label": t("S"),
                                "questions": [
                                    {
                                        "id": "gate",
                                        "kind": "yes_no",
                                        "weight": 0,
                                        "label": t("gate"),
                                    },
                                    {"id": "q1", "kind": "yes_no", "label": t("q1")},
                                    {
                                        "id": "q2",
                                        "kind": "yes_no",
                                        "label": t("q2"),
                                        "when": [{"question": "gate", "equals": "yes"}],
                                    },
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }


def test_shipped_instruments_load_and_are_complete() -> None:
    keys = {i.key for i in shipped_instruments()}
    assert {"diagnostico-cooperativo@1", "diagnostico-rapido@1"} <= keys
    full = get_instrument("diagnostico-cooperativo", "1")
    assert len(full.questions) >= 60
    assert [c.id for c in full.iter_categories()] == [
        "gestion_financiera",
        "negocio_cooperativo",
        "gobernanza",
        "principios",
    ]
    principles = full.dimensions[1].categories[1].subcategories
    assert [s.id[:3] for s in principles] == PRINCIPLES
    kinds = {q.kind for q in full.iter_questions()}
    assert kinds == set(QuestionKind)
    quick = get_instrument("diagnostico-rapido")
    assert len(quick.questions) <= 15


@pytest.mark.parametrize("instrument", shipped_instruments(), ids=lambda i: i.key)
def test_shipped_questions_are_bilingual_and_weak_answers_have_actions(instrument: Any) -> None:
    for question in instrument.iter_questions():
        assert question.label["es"] and question.label["en"]
        assert question.label["es"] != question.label["en"] or question.kind is QuestionKind.NUMERIC
        if not question.scored:
            continue
        has_action = question.action is not None
        if question.kind is QuestionKind.SINGLE:
            weak = [
                o
                for o in question.options
                if not o.na and o.score < max(p.score for p in question.options if not p.na)
            ]
            assert has_action or all(o.action for o in weak), question.id
        else:
            assert has_action, question.id


def test_shipped_files_validate_against_the_published_schema() -> None:
    from importlib import resources

    folder = resources.files("asocia.diagnosis").joinpath("instruments")
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            jsonschema.validate(yaml.safe_load(entry.read_text("utf-8")), instrument_schema())


def test_default_and_overridden_thresholds() -> None:
    full = get_instrument("diagnostico-cooperativo")
    assert (full.thresholds.green, full.thresholds.yellow) == (70, 40)
    finance = next(c for c in full.iter_categories() if c.id == "gestion_financiera")
    assert (finance.thresholds.green, finance.thresholds.yellow) == (75, 45)
    assert finance.subcategories[0].thresholds == finance.thresholds


def problems_of(data: Any) -> list[str]:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(data, "bad.yaml")
    assert str(info.value).count("bad.yaml") == len(info.value.problems)
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def test_minimal_instrument_is_valid() -> None:
    instrument = parse_instrument(minimal(), "mini.yaml")
    assert instrument.key == "mini@2"
    assert instrument.question("q1").weight == 1.0
    assert instrument.question("gate").weight == 0.0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("version"), "$: 'version' is a required property"),
        (lambda d: d.update(languages=["es"]), "$.languages"),
        (
            lambda d: q(d, 1).update(kind="stars"),
            "$.dimensions[0].categories[0].subcategories[0].questions[1].kind",
        ),
        (lambda d: q(d, 1).update(label={"es": "x"}), "'en' is a required property"),
        (
            lambda d: q(d, 2).update(when=[{"question": "q1", "equals": "yes"}]),
            "'q1' is scored; conditions may only use unscored questions",
        ),
        (
            lambda d: q(d, 2).update(when=[{"question": "later", "equals": "yes"}]),
            "'later' is not an earlier question",
        ),
        (
            lambda d: q(d, 2).update(when=[{"question": "gate", "equals": "maybe"}]),
            "'maybe' is not an answer of 'gate'",
        ),
        (lambda d: q(d, 2).update(id="q1"), "id 'q1' is used twice"),
        (
            lambda d: d.update(thresholds={"green": 40, "yellow": 70}),
            "$.thresholds: yellow (70.0) is above green (40.0)",
        ),
        (
            lambda d: q(d, 1).update(
                kind="numeric", bands=[{"to": 1, "score": 0}, {"from": 2, "score": 1}]
            ),
            "bands must be contiguous",
        ),
        (
            lambda d: q(d, 1).update(
                kind="numeric", bands=[{"to": 1, "score": 1}, {"from": 1, "score": 2}]
            ),
            "the lowest band must score 0",
        ),
        (
            lambda d: q(d, 1).update(
                kind="single",
                options=[
                    {"id": "a", "label": {"es": "a", "en": "a"}, "score": 1},
                    {"id": "b", "label": {"es": "b", "en": "b"}, "score": 2},
                ],
            ),
            "the lowest option must score 0",
        ),
        (
            lambda d: q(d, 1).update(
                kind="multiple",
                cap=9,
                options=[
                    {"id": "a", "label": {"es": "a", "en": "a"}, "score": 1},
                    {"id": "b", "label": {"es": "b", "en": "b"}, "score": 2},
                ],
            ),
            "cap 9 is above the best sum 3",
        ),
        (
            lambda d: q(d, 1).update(
                kind="ratio",
                numerator="gate",
                denominator="q2",
                bands=[{"to": 1, "score": 0}, {"from": 1, "score": 1}],
            ),
            "'gate' is not an earlier numeric question",
        ),
        (lambda d: q(d, 1).update(kind="text", weight=2), "text questions are never scored"),
        (lambda d: [q(d, i).update(weight=0) for i in (1, 2)], "has no scored question"),
    ],
)
def test_invalid_instruments_name_path_and_problem(change: Any, expected: str) -> None:
    data = copy.deepcopy(minimal())
    change(data)
    problems = problems_of(data)
    assert any(expected in p for p in problems), problems


def q(data: dict[str, Any], index: int) -> dict[str, Any]:
    question: dict[str, Any] = data["dimensions"][0]["categories"][0]["subcategories"][0][
        "questions"
    ][index]
    return question


def test_every_problem_is_reported_at_once() -> None:
    data = minimal()
    q(data, 1)["kind"] = "text"
    q(data, 1)["weight"] = 3
    q(data, 2)["when"] = [{"question": "nope", "equals": "yes"}]
    assert len(problems_of(data)) >= 2


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"broken.yaml: \$: not valid YAML"):
        load_instrument_file(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(yaml.safe_dump({**minimal(), "version": "one"}), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"wrong.yaml: \$.version: 'one' does not match"):
        load_instrument_file(wrong)


def test_extra_folder_adds_instruments_and_versions(tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(yaml.safe_dump(minimal()), encoding="utf-8")
    data = minimal()
    data["version"] = "10"
    (tmp_path / "mini10.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    known = load_instruments(tmp_path)
    assert {"mini@2", "mini@10", "diagnostico-cooperativo@1"} <= set(known)
    assert get_instrument("mini", extra_folder=tmp_path).version == "10"
    with pytest.raises(LookupError, match="unknown instrument 'mini@3'"):
        get_instrument("mini", "3", extra_folder=tmp_path)


def test_configured_folder_is_loaded_and_reread_when_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASOCIA_INSTRUMENTS_DIR", str(tmp_path))
    assert "mini@2" not in load_instruments()
    (tmp_path / "mini.yaml").write_text(yaml.safe_dump(minimal()), encoding="utf-8")
    assert "mini@2" in load_instruments()
    data = minimal()
    data["version"] = "3"
    (tmp_path / "mini3.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    assert {"mini@2", "mini@3"} <= set(load_instruments())
