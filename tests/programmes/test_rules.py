"""Eligibility rules: schema validation, three-valued evaluation, the deciding clause."""

from __future__ import annotations

import pytest

from asocia.programmes.rules import RuleError, describe, evaluate, validate_rule

RULE = {
    "and": [
        {"in": [{"var": "legal_class"}, ["campesina", "agricola"]]},
        {">=": [{"var": "members"}, 10]},
        {"not": {"==": [{"var": "diagnosis.gobernanza"}, "red"]}},
    ]
}


def test_valid_and_invalid_rules() -> None:
    validate_rule(RULE)
    validate_rule(None)
    for bad in (
        {"==": [{"var": "shoe_size"}, 1]},
        {"and": []},
        {"xor": [1, 2]},
        {"==": [{"var": "members"}]},
        {"in": [{"var": "region"}, 5]},
    ):
        with pytest.raises(RuleError):
            validate_rule(bad)


def test_eligible_names_the_whole_rule() -> None:
    result = evaluate(
        RULE, {"legal_class": "campesina", "members": 25, "diagnosis.gobernanza": "green"}
    )
    assert result.outcome == "eligible"
    assert result.clause == RULE
    assert "número de socios es al menos 10" in result.words["es"]


def test_not_eligible_names_the_failing_clause() -> None:
    result = evaluate(
        RULE, {"legal_class": "campesina", "members": 4, "diagnosis.gobernanza": "green"}
    )
    assert result.outcome == "not_eligible"
    assert result.clause == {">=": [{"var": "members"}, 10]}
    assert result.words["es"] == "número de socios es menor que 10 (número de socios: 4)"
    assert result.words["en"] == "number of members is less than 10 (number of members: 4)"


def test_false_wins_over_unknown_in_and() -> None:
    result = evaluate(RULE, {"legal_class": "trabajo"})
    assert result.outcome == "not_eligible"
    assert "clase de cooperativa no es ninguno de campesina, agricola" in result.words["es"]


def test_unknown_names_the_missing_data() -> None:
    result = evaluate(RULE, {"legal_class": "agricola", "diagnosis.gobernanza": "yellow"})
    assert result.outcome == "unknown"
    assert result.clause == {">=": [{"var": "members"}, 10]}
    assert result.words["es"].startswith("Falta el dato: número de socios")
    assert result.words["en"].startswith("Missing data: number of members")


def test_not_and_or() -> None:
    red = evaluate(RULE, {"legal_class": "agricola", "members": 30, "diagnosis.gobernanza": "red"})
    assert red.outcome == "not_eligible"
    assert red.clause == {"not": {"==": [{"var": "diagnosis.gobernanza"}, "red"]}}
    assert "luz del diagnóstico en gobernanza es roja" in red.words["es"]
    either = {"or": [{"==": [{"var": "stage"}, "pre_associative"]}, {"<": [{"var": "age"}, 3]}]}
    assert evaluate(either, {"stage": "associative", "age": 1}).clause == {"<": [{"var": "age"}, 3]}
    assert evaluate(either, {"stage": "associative"}).outcome == "unknown"
    assert evaluate(either, {"stage": "associative", "age": 9}).outcome == "not_eligible"


def test_no_rule_is_eligible() -> None:
    result = evaluate(None, {})
    assert result.outcome == "eligible"
    assert result.words == {"es": "sin condiciones registradas", "en": "no conditions recorded"}
    assert describe({"!=": [{"var": "status"}, "vigente"]}, "en") == "legal status is not vigente"


@pytest.mark.parametrize(
    ("bad", "english", "spanish"),
    [
        (
            {"==": [{"var": "shoe_size"}, 1]},
            'at ==/0/var: "shoe_size" is not a known attribute',
            'en ==/0/var: "shoe_size" no es un atributo conocido',
        ),
        (
            {"and": []},
            "at and: needs at least 1 item(s)",
            "en and: necesita al menos 1 elemento(s)",
        ),
        (
            {"xor": [1, 2]},
            "at the rule: unknown operator xor",
            "en la regla: operador desconocido: xor",
        ),
        (
            {"in": [{"var": "region"}, 5]},
            "at in/1: 5 is not a list",
            "en in/1: 5 no es una lista",
        ),
        (
            {"<": [{"var": "members"}, [1]]},
            "at </1: [1] is not text, a number or true or false",
            "en </1: [1] no es texto, un número ni verdadero o falso",
        ),
        (
            {"==": [{"var": "region"}, 5], "!=": [{"var": "region"}, 6]},
            "at the rule: a clause takes exactly one operator",
            "en la regla: una cláusula lleva exactamente un operador",
        ),
        ("abc", "at the rule: not a rule", "en la regla: no es una regla"),
    ],
)
def test_rule_problems_say_where_and_why_in_both_languages(
    bad: object, english: str, spanish: str
) -> None:
    with pytest.raises(RuleError) as caught:
        validate_rule(bad)
    (message,) = caught.value.messages
    assert caught.value.problems == [str(message)]
    assert message.text("en").startswith(english), message.text("en")
    assert message.text("es").startswith(spanish), message.text("es")
