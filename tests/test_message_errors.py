"""Every error a person reads from monitoring, partnerships and programmes is a message id with
a Spanish translation whose placeholders are the English ones (``i18n.MessageError``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from asocia import i18n
from asocia.i18n import N_, MessageError, Term, error_text
from asocia.monitoring.computed import ComputedError
from asocia.monitoring.periods import PeriodError, parse_period
from asocia.monitoring.strategy import MonitoringError
from asocia.partnerships.store import PartnershipError
from asocia.programmes.uptake import UptakeFileError

PACKAGE = Path(i18n.__file__).parent
FILES = sorted(
    [
        *(PACKAGE / "monitoring").rglob("*.py"),
        *(PACKAGE / "partnerships").rglob("*.py"),
        *(PACKAGE / "programmes").rglob("*.py"),
        PACKAGE / "web" / "partnerships.py",
    ]
)
CLASSES = {
    c.__name__: c
    for c in (MessageError, MonitoringError, ComputedError, PeriodError, PartnershipError,
              UptakeFileError)
}  # fmt: skip
PLACEHOLDER = re.compile(r"%\((\w+)\)[sr]")


def raise_sites() -> list[tuple[str, int, str, ast.expr | None]]:
    """(file, line, class name, first argument) of every raise of a message error."""
    sites = []
    for path in FILES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in CLASSES:
                    first = node.exc.args[0] if node.exc.args else None
                    sites.append((path.name, node.lineno, name, first))
    return sites


def msgids(first: ast.expr | None) -> list[str]:
    """The ``N_`` message ids of a raise's first argument (one, or two in a conditional)."""
    calls = [
        n
        for n in ast.walk(first) if first is not None
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "N_"
    ] if first is not None else []  # fmt: skip
    return [c.args[0].value for c in calls if isinstance(c.args[0], ast.Constant)]


SITES = raise_sites()


def test_every_raise_gives_a_marked_message_id() -> None:
    assert len(SITES) > 60
    unmarked = [f"{f}:{line}" for f, line, _name, first in SITES if not msgids(first)]
    assert not unmarked, f"raise without an N_ message id: {unmarked}"


@pytest.mark.parametrize(
    ("where", "line", "name", "ids"),
    [(where, line, name, msgids(first)) for where, line, name, first in SITES],
    ids=[f"{where}:{line}" for where, line, _name, _first in SITES],
)
def test_every_message_id_has_spanish_with_the_same_placeholders(
    where: str, line: int, name: str, ids: list[str]
) -> None:
    domain = CLASSES[name].domain
    for msgid in ids:
        spanish = i18n.gettext("es", msgid, domain)
        assert spanish != msgid, f"{where}:{line}: no Spanish for {msgid!r}"
        assert set(PLACEHOLDER.findall(spanish)) == set(PLACEHOLDER.findall(msgid)), msgid


def test_str_is_english_and_text_renders_each_language() -> None:
    exc = MonitoringError(N_("period: %(period)s is locked"), period="2021")
    assert str(exc) == "period: 2021 is locked" == exc.text("en")
    assert exc.text("es") == "período: 2021 está cerrado"
    assert isinstance(exc, ValueError)
    assert error_text(exc, "es") == exc.text("es") and error_text(KeyError("x"), "es") == "'x'"


def test_terms_and_nested_errors_are_translated_values_are_not() -> None:
    field = MonitoringError(
        N_("%(field)s: %(value)r is not a number"), field=Term("numerator"), value="mucho"
    )
    assert field.text("es") == "numerador: 'mucho' no es un número"
    assert str(field) == "numerator: 'mucho' is not a number"
    with pytest.raises(PeriodError) as caught:
        parse_period("2021-13")
    nested = MonitoringError(N_("period: %(reason)s"), reason=caught.value)
    assert nested.text("es") == "período: '2021-13': el mes 13 no existe"
    assert str(nested) == "period: '2021-13': month 13 does not exist"


def marked_with_placeholders() -> list[tuple[str, str]]:
    """(file, message id) of every ``N_`` message with placeholders in these capabilities."""
    found = []
    for path in FILES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_":
                first = node.args[0]
                if isinstance(first, ast.Constant) and PLACEHOLDER.search(first.value):
                    found.append((path.name, first.value))
    return found


def test_every_marked_message_keeps_its_placeholders_in_spanish() -> None:
    """Problem reasons (``Problem.of``) and labels too, not only raised errors."""
    wrong = []
    for where, msgid in marked_with_placeholders():
        spanish = i18n.gettext("es", msgid, "programmes")
        if spanish == msgid or set(PLACEHOLDER.findall(spanish)) != set(PLACEHOLDER.findall(msgid)):
            wrong.append(f"{where}: {msgid!r} → {spanish!r}")
    assert not wrong, "\n".join(wrong)


def test_catalogue_problems_read_in_each_language() -> None:
    from asocia.programmes.catalogue import normalise

    _record, problems = normalise({"code": "X", "name": "", "agency": "A", "stages": []}, 7)
    assert [p.text("es") for p in problems] == [
        "fila 7, campo name (valor ''): obligatorio",
        "fila 7, campo stages: se requiere al menos una etapa",
    ]
    assert [str(p) for p in problems] == [
        "row 7, field name (value ''): required",
        "row 7, field stages: at least one stage is required",
    ]
    assert problems[0].as_dict()["reason"] == "required"
