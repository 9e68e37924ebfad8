"""asocia.cli.coercion: option values converted without Pydantic are the values Typer's own
(Pydantic) converter gives, and everything else still goes to Typer's converter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from typer._adapters import try_build_adapter
from typer._coercion import resolve_type_descriptor
from typer.models import ArgumentInfo, OptionInfo
from typer.testing import CliRunner

from asocia.cli import coercion
from asocia.cli.main import app

runner = CliRunner()

KINDS = {
    "str": (str, OptionInfo()),
    "int": (int, OptionInfo()),
    "int argument": (int, ArgumentInfo()),
    "int min 1": (int, OptionInfo(min=1)),
    "int 100-1,000,000": (int, OptionInfo(min=100, max=1_000_000)),
    "int clamped": (int, OptionInfo(min=1, max=10, clamp=True)),
    "float": (float, OptionInfo()),
    "float 0-1": (float, OptionInfo(min=0, max=1)),
    "bool": (bool, OptionInfo()),
    "path": (Path, OptionInfo()),
    "path that exists": (Path, OptionInfo(exists=True)),
    "list of str": (list[str], OptionInfo()),
}

NUMBERISH = st.from_regex(r"\A[ +\-]?[0-9_.eE, ]{0,12}[ ]?\Z")
VALUES = st.one_of(
    NUMBERISH,
    st.text(max_size=12),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=3).map(tuple),
)


def typer_value(annotation: Any, info: Any, value: Any) -> tuple[str, Any]:
    """What Typer's own converter makes of ``value``: ("ok", value) or ("error", None)."""
    adapter = try_build_adapter(annotation, info)
    assert adapter is not None
    try:
        return "ok", adapter.validate_python(value)
    except (ValidationError, typer.BadParameter, ValueError):
        return "error", None


@pytest.mark.parametrize("kind", list(KINDS))
@given(value=VALUES)
def test_a_plain_value_converts_as_typer_converts_it(kind: str, value: Any) -> None:
    annotation, info = KINDS[kind]
    descriptor = resolve_type_descriptor(annotation, info)
    plain, converted = coercion.light_value(descriptor, value)
    if not plain:
        return  # Typer's converter decides (and words any error)
    outcome, expected = typer_value(annotation, info, value)
    if annotation is Path:
        # Typer makes the Path, then checks it (exists…) in coerce_cli_path; so does the
        # light converter, on the same Path.
        assert converted == Path(value) and type(converted) is type(Path(value))
        return
    assert outcome == "ok", (value, converted)
    assert converted == expected and type(converted) is type(expected), (value, converted)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("int", "20", 20),
        ("int", "-3", -3),
        ("int min 1", "5", 5),
        ("int", 20, 20),
        ("float", "0.02", 0.02),
        ("str", "región", "región"),
        ("path", "a/b.csv", Path("a/b.csv")),
        ("list of str", ("region=1", "comuna=2"), ["region=1", "comuna=2"]),
        ("bool", True, True),
    ],
)
def test_common_values_take_the_light_path(kind: str, value: Any, expected: Any) -> None:
    """The test above cannot pass by sending everything to Typer: these do not go there."""
    annotation, info = KINDS[kind]
    assert coercion.light_value(resolve_type_descriptor(annotation, info), value) == (
        True,
        expected,
    )


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("int min 1", "0"),  # out of range: Pydantic words the error
        ("int", "abc"),
        ("int", "007"),
        ("int", " 7"),
        ("int", "1_000"),
        ("int", True),
        ("int clamped", "5"),
        ("float", "1e3"),
        ("float", 3),
        ("bool", "yes"),
        ("path", ""),
        ("path that exists", 5),
    ],
)
def test_anything_else_goes_to_typer(kind: str, value: Any) -> None:
    annotation, info = KINDS[kind]
    assert coercion.light_value(resolve_type_descriptor(annotation, info), value) == (False, None)


def test_the_cli_uses_it_and_errors_read_as_before() -> None:
    """Installed by asocia.cli.main: a bad value still gets Typer's (Pydantic's) reason, in
    the run's words (asocia.cli.main._reason)."""
    from typer import core

    assert core.build_runtime_param.__module__ == "asocia.cli.coercion"  # type: ignore[attr-defined]
    for args, message in [
        (["--lang", "en", "registry", "list", "--limit", "0"], "must be at least 1"),
        (["--lang", "en", "registry", "list", "--limit", "many"], "expected a whole number"),
        (["--lang", "es", "registry", "list", "--limit", "0"], "debe ser al menos 1"),
        (["--lang", "en", "demo", "--cooperatives", "50"], "must be from 100 to 1,000,000"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert message in result.stderr, result.stderr
