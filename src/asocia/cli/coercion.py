"""Option values converted without Pydantic when the conversion is plain (CLI start-up).

Typer (≥ 0.2x) converts every parameter through a Pydantic ``TypeAdapter``, built the first
time a parameter is processed, even when its value is ``None``: every command (the root's
``--lang`` alone) imported Pydantic, about 70 ms of CPU on this machine, a sixth of a light
command's start-up. :func:`install` puts a converter in front of Typer's: for the values whose
conversion is unambiguous (text as text, ``20`` or ``-3`` as an int, ``0.02`` as a float, a
path, a list of texts, a flag's bool, a default already of the right type) it gives the value
Pydantic would give; any other value, and any value out of an option's range, goes to Typer's
own Pydantic converter (built then), so errors read exactly as before. tests/cli/test_coercion.py
checks the two agree value by value.

If a Typer release moves these internals, :func:`install` does nothing and Typer converts as
it always did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_INT = re.compile(r"0|-?[1-9][0-9]{0,17}")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?")

#: Typer's converter factory, kept by :func:`install`.
_typer_build: Any = None


def _plain_path_options(info: Any) -> bool:
    return info.path_type is None and not info.allow_dash


def light_value(descriptor: Any, value: Any) -> tuple[bool, Any]:
    """``(True, converted)`` when ``value``'s conversion is plain, else ``(False, None)``.

    Paths are only recognised here (``(True, Path(value))``): their checks (exists, readable…)
    stay Typer's.
    """
    annotation = descriptor.annotation
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return False, None
    if annotation is str:
        return (True, value) if type(value) is str else (False, None)
    if annotation is bool:
        return (True, value) if type(value) is bool else (False, None)
    if annotation is int or annotation is float:
        if info.clamp:
            return False, None
        number: int | float
        if type(value) is annotation:
            number = value
        elif type(value) is str and (_INT if annotation is int else _FLOAT).fullmatch(value):
            number = annotation(value)
        else:
            return False, None
        if (info.min is not None and number < info.min) or (
            info.max is not None and number > info.max
        ):
            return False, None  # Pydantic words the range error
        return True, number
    if annotation is Path and _plain_path_options(info):
        if isinstance(value, Path):
            return True, value
        return (True, Path(value)) if type(value) is str and value else (False, None)
    if annotation == list[str]:
        if isinstance(value, (list, tuple)) and all(type(item) is str for item in value):
            return True, list(value)
        return False, None
    return False, None


def install() -> bool:
    """Put the light converter in front of Typer's; False when this Typer has no such hook."""
    global _typer_build
    try:
        from typer import _coercion, core
        from typer._param_types import coerce_cli_path
    except ImportError:  # pragma: no cover - another Typer
        return False
    build = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if build is None or base is None or not hasattr(base, "_coerce_value"):
        return False  # pragma: no cover - another Typer
    if _typer_build is not None:
        return True
    _typer_build = typer_build = build

    @dataclass(frozen=True)
    class LightRuntimeParam(base):  # type: ignore[misc, valid-type]
        """Plain values converted here; the others by Typer's converter, built on demand."""

        descriptor: Any = None
        typer_param: list[Any] = field(default_factory=list)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            plain, converted = light_value(self.descriptor, value)
            if plain:
                if isinstance(converted, Path):  # Typer's checks, on the path already made
                    return coerce_cli_path(
                        converted,
                        self.descriptor.parameter_info,
                        path_type=Path,
                        param=param,
                        ctx=ctx,
                    )
                return converted
            if not self.typer_param:
                self.typer_param.append(typer_build(self.descriptor))
            return self.typer_param[0]._coerce_value(value, param=param, ctx=ctx)

    def build_light(descriptor: Any) -> Any:
        if descriptor.file_annotation is not None:
            return typer_build(descriptor)  # files: Typer's own converter (no Pydantic either)
        try:
            return LightRuntimeParam(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )
        except (TypeError, AttributeError):  # pragma: no cover - a Typer whose internals moved
            return typer_build(descriptor)

    core.build_runtime_param = build_light  # type: ignore[attr-defined]
    return True
