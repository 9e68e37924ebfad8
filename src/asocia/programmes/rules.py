"""Eligibility as data: a small subset of JSON Logic, validated by ``rule.schema.json``.

A rule is ``null`` (no condition) or a clause::

    {"and": [clause, ...]}   {"or": [clause, ...]}   {"not": clause}
    {"==": [{"var": "legal_class"}, "campesina"]}    (also != > >= < <=)
    {"in": [{"var": "rural_class"}, ["rural", "mixta"]]}

over an actor's attributes (see :data:`ATTRIBUTES`) and its latest diagnosis lights
(``diagnosis.<category>`` = green / yellow / red). Evaluation is three-valued (Kleene): a
comparison with a missing attribute is *unknown*; ``and`` is false as soon as one clause is
false, ``or`` true as soon as one is true. The result names the clause that decided it, in
Spanish and English.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from asocia.i18n import N_, Message, Term

ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not_eligible"
UNKNOWN = "unknown"

ATTRIBUTES: dict[str, dict[str, str]] = {
    "country": {"es": "país", "en": "country"},
    "region": {"es": "región", "en": "region"},
    "comuna": {"es": "comuna", "en": "comuna"},
    "rural_class": {"es": "clase rural de la comuna", "en": "rural class of the comuna"},
    "legal_class": {"es": "clase de cooperativa", "en": "cooperative class"},
    "ilo_type": {"es": "tipo OIT", "en": "ILO type"},
    "organisation_type": {"es": "tipo de organización", "en": "organisation type"},
    "size_band": {"es": "tamaño por ventas", "en": "size by sales"},
    "members": {"es": "número de socios", "en": "number of members"},
    "age": {"es": "años desde la constitución", "en": "years since constitution"},
    "status": {"es": "estado legal", "en": "legal status"},
    "stage": {"es": "etapa", "en": "stage"},
}
OPERATORS: dict[str, dict[str, str]] = {
    "==": {"es": "es", "en": "is"},
    "!=": {"es": "no es", "en": "is not"},
    ">": {"es": "es mayor que", "en": "is more than"},
    ">=": {"es": "es al menos", "en": "is at least"},
    "<": {"es": "es menor que", "en": "is less than"},
    "<=": {"es": "es a lo sumo", "en": "is at most"},
    "in": {"es": "es uno de", "en": "is one of"},
}
_NEGATED = {"==": "!=", "!=": "==", ">": "<=", ">=": "<", "<": ">=", "<=": ">"}
DOMAIN = "programmes"  # the gettext domain of the problems a person reads


class RuleError(ValueError):
    """A rule that does not follow the schema: ``problems`` lists where and why in English (the
    API's), ``messages`` the same problems as :class:`~asocia.i18n.Message` for a person."""

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages
        self.problems = [str(m) for m in messages]
        super().__init__("; ".join(self.problems))


@cache
def rule_schema() -> dict[str, Any]:
    text = resources.files("asocia.programmes").joinpath("rule.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_rule(rule: Any) -> None:
    """Raise :class:`RuleError` unless ``rule`` follows the schema.

    The schema's validator finds every error; the one that best explains why the rule fails
    (jsonschema's ``best_match``: the deepest, most specific) is told in words, in Spanish or
    English, instead of the validator's own English.
    """
    error = best_match(Draft202012Validator(rule_schema()).iter_errors(rule))
    if error is not None:
        raise RuleError([_schema_problem(error)])


# What a JSON type is called in a problem (the scalars a comparison takes are text, numbers
# and true/false).
_TYPE_NAMES = {
    "null": N_("null"),
    "object": N_("a clause (an object)"),
    "array": N_("a list"),
    "string": N_("text"),
    "number": N_("a number"),
    "boolean": N_("true or false"),
}


def _schema_problem(error: ValidationError) -> Message:
    """One schema error as a message: where in the rule, and why."""
    where = "/".join(str(p) for p in error.absolute_path)
    value = json.dumps(error.instance, ensure_ascii=False)
    value = value if len(value) <= 60 else value[:57] + "..."
    kind, limit = error.validator, error.validator_value
    if kind == "pattern":
        why = Message(N_("%(value)s is not a known attribute"), DOMAIN, value=value)
    elif kind == "additionalProperties":
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = ", ".join(sorted(str(k) for k in error.instance if k not in known))
        why = Message(N_("unknown operator %(names)s"), DOMAIN, names=extra)
    elif kind in ("minProperties", "maxProperties"):
        why = Message(N_("a clause takes exactly one operator"), DOMAIN)
    elif kind == "minItems":
        why = Message(N_("needs at least %(count)s item(s)"), DOMAIN, count=limit)
    elif kind == "maxItems":
        why = Message(N_("takes at most %(count)s item(s)"), DOMAIN, count=limit)
    elif kind == "type" and isinstance(limit, list):
        why = Message(N_("%(value)s is not text, a number or true or false"), DOMAIN, value=value)
    elif kind == "type":
        expected = Term(_TYPE_NAMES.get(str(limit), str(limit)))
        why = Message(N_("%(value)s is not %(expected)s"), DOMAIN, value=value, expected=expected)
    elif kind == "required":
        why = Message(N_("missing %(names)s"), DOMAIN, names=", ".join(map(str, limit)))
    elif kind in ("oneOf", "anyOf") and not where:
        why = Message(
            N_("not a rule: give null or a clause (and, or, not, ==, !=, >, >=, <, <=, in)"),
            DOMAIN,
        )
    else:
        why = Message(N_("%(value)s is not valid here"), DOMAIN, value=value)
    return Message(
        N_("at %(where)s: %(why)s"), DOMAIN, where=where or Term(N_("the rule")), why=why
    )


@dataclass(frozen=True)
class Evaluation:
    """The outcome, the clause that decided it, and that clause in words."""

    outcome: str
    clause: Any
    words: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "clause": self.clause, "why": self.words}


@cache
def category_labels() -> dict[str, dict[str, str]]:
    """Diagnosis category id → its label in Spanish and English (shipped instruments)."""
    from asocia.diagnosis.instrument import localize
    from asocia.diagnosis.loader import shipped_instruments

    found: dict[str, dict[str, str]] = {}
    for instrument in shipped_instruments():
        for dimension in instrument.dimensions:
            for category in dimension.categories:
                found.setdefault(
                    category.id,
                    {"es": localize(category.label, "es"), "en": localize(category.label, "en")},
                )
    return found


def category_label(category: str, lang: str) -> str:
    """The label of a diagnosis category, lower-cased for use inside a sentence."""
    text = category_labels().get(category, {}).get(lang) or category.replace("_", " ")
    return text[:1].lower() + text[1:]


def _attribute_label(name: str, lang: str) -> str:
    if name.startswith("diagnosis."):
        category = category_label(name.split(".", 1)[1], lang)
        return (
            f"luz del diagnóstico en {category}"
            if lang == "es"
            else f"diagnosis light in {category}"
        )
    return ATTRIBUTES.get(name, {}).get(lang, name)


VALUE_LABELS: dict[str, dict[str, str]] = {
    "individual": {"es": "individual", "en": "individual"},
    "pre_associative": {"es": "pre-asociativa", "en": "pre-associative"},
    "associative": {"es": "asociativa", "en": "associative"},
    "green": {"es": "verde", "en": "green"},
    "yellow": {"es": "amarilla", "en": "yellow"},
    "red": {"es": "roja", "en": "red"},
}


def _value(value: Any, lang: str = "es") -> str:
    if isinstance(value, list):
        return ", ".join(_value(v, lang) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value in VALUE_LABELS:
        return VALUE_LABELS[value][lang]
    return str(value)


def describe(clause: Any, lang: str = "es", *, negate: bool = False) -> str:
    """A clause in words (``negate``: the words for it being false)."""
    if clause is None:
        return "sin condiciones registradas" if lang == "es" else "no conditions recorded"
    ((op, args),) = clause.items()
    if op in ("and", "or"):
        joiner = {"and": {"es": " y ", "en": " and "}, "or": {"es": " o ", "en": " or "}}
        if negate:  # De Morgan
            op = "or" if op == "and" else "and"
        return joiner[op][lang].join(f"({describe(c, lang, negate=negate)})" for c in args)
    if op == "not":
        return describe(args, lang, negate=not negate)
    attribute = _attribute_label(args[0]["var"], lang)
    if op == "in":
        verb = OPERATORS["in"][lang]
        if negate:
            verb = "no es ninguno de" if lang == "es" else "is none of"
        return f"{attribute} {verb} {_value(args[1], lang)}"
    verb = OPERATORS[_NEGATED[op] if negate else op][lang]
    return f"{attribute} {verb} {_value(args[1], lang)}"


def _words(clause: Any, outcome: bool | None, facts: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang in ("es", "en"):
        if outcome is None:
            missing = [v for v in _vars(clause) if facts.get(v) is None]
            names = ", ".join(_attribute_label(v, lang) for v in missing)
            prefix = "Falta el dato" if lang == "es" else "Missing data"
            condition = "para la condición" if lang == "es" else "for the condition"
            out[lang] = f"{prefix}: {names} ({condition}: {describe(clause, lang)})"
        else:
            out[lang] = describe(clause, lang, negate=not outcome)
            shown = [v for v in _vars(clause) if facts.get(v) is not None]
            if shown:
                values = "; ".join(
                    f"{_attribute_label(v, lang)}: {_value(facts[v], lang)}" for v in shown
                )
                out[lang] += f" ({values})"
    return out


def _vars(clause: Any) -> list[str]:
    ((op, args),) = clause.items()
    if op in ("and", "or"):
        return [v for c in args for v in _vars(c)]
    if op == "not":
        return _vars(args)
    return [args[0]["var"]]


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "in":
        return actual in expected or str(actual) in [str(e) for e in expected]
    if op in ("==", "!="):
        same = actual == expected or str(actual) == str(expected)
        return same if op == "==" else not same
    try:
        a, b = float(actual), float(expected)
    except (TypeError, ValueError):
        return False
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


def _evaluate(clause: Any, facts: Mapping[str, Any]) -> tuple[bool | None, Any]:
    """(truth, deciding clause): truth is None when unknown."""
    ((op, args),) = clause.items()
    if op == "not":
        truth, decider = _evaluate(args, facts)
        return (None if truth is None else not truth), (
            clause if decider is args else {"not": decider}
        )
    if op in ("and", "or"):
        stop = op == "or"  # or stops at the first true clause, and at the first false one
        unknown: Any = None
        for part in args:
            truth, decider = _evaluate(part, facts)
            if truth is stop:
                return truth, decider
            if truth is None and unknown is None:
                unknown = decider
        if unknown is not None:
            return None, unknown
        return (not stop), clause
    actual = facts.get(args[0]["var"])
    if actual is None:
        return None, clause
    return _compare(op, actual, args[1]), clause


def evaluate(rule: Any, facts: Mapping[str, Any]) -> Evaluation:
    """Evaluate ``rule`` over ``facts`` (attribute → value; a missing or None value is unknown)."""
    if not rule:
        return Evaluation(ELIGIBLE, None, {"es": describe(None, "es"), "en": describe(None, "en")})
    truth, decider = _evaluate(rule, facts)
    outcome = UNKNOWN if truth is None else ELIGIBLE if truth else NOT_ELIGIBLE
    return Evaluation(outcome, decider, _words(decider, truth, facts))
