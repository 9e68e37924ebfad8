"""``asocia --version``, ``asocia --help`` and every group's ``--help`` import no heavy module
(no database code, no models, no Pydantic), and light commands that open the database import
only the storage layer and what they show (start-up under 0.5 s).

The times themselves are measured by benchmarks/bench_cli_startup.py; this test guards the
cause: the list of modules a fresh interpreter holds after the command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from asocia.cli.main import GROUPS
from asocia.db import Database

HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "fpdf",
    "fontTools",
    "pyxform",
    "openpyxl",
    "alembic",
    "sqlalchemy",
    "duckdb",
    "psycopg",
    "pandas",
    "numpy",
    "httpx",
    "yaml",
    "jsonschema",
    "argon2",
    "babel",
    "pydantic",
    "asocia.db",
    "asocia.web",
    "asocia.auth",
    "asocia.registry",
    "asocia.diagnosis",
    "asocia.stats",
)

PROBE = """
import json, sys
sys.argv = ["asocia", *json.loads(sys.argv[1])]
from asocia.cli.main import main
try:
    main()
except SystemExit as exit_:
    code = exit_.code
print("\\n@@MODULES@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def modules_after(*args: str, database: str | None = None) -> tuple[int, list[str], str]:
    environ = {**os.environ, "COLUMNS": "100"}
    if database is not None:
        environ["ASOCIA_DATABASE_URL"] = database
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
        env=environ,
        timeout=60,
    )
    assert "@@MODULES@@" in done.stdout, done.stderr
    output, _sep, data = done.stdout.rpartition("\n@@MODULES@@")
    found = json.loads(data)
    return found["code"], found["modules"], output


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """The modules of ``modules`` that are one of ``names`` or inside one of them."""
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in names)]


def heavy(modules: list[str]) -> list[str]:
    return loaded(modules, HEAVY)


@pytest.mark.parametrize("args", [("--version",), ("--help",), ()], ids=repr)
def test_start_up_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    code, modules, output = modules_after(*args)
    assert code in (0, 2, None)
    assert heavy(modules) == []
    if args == ("--version",):
        assert output.strip().startswith("asocia ")
    else:  # the root help lists every group without importing it
        for group in ("db", "users", "registry", "demo", "diagnosis", "stats", "serve"):
            assert f" {group} " in output
        assert "asocia.cli.registry" not in modules


def test_the_db_group_help_leaves_alembic_and_sqlalchemy_alone() -> None:
    code, modules, output = modules_after("db", "--help")
    assert code in (0, None) and "upgrade" in output
    assert "asocia.cli.db" in modules and heavy(modules) == []


def test_a_group_loads_when_it_runs() -> None:
    """The probe can fail: running a group imports what it needs."""
    code, modules, output = modules_after("diagnosis", "instruments", "--json")
    assert code in (0, None), output
    assert "asocia.cli.diagnosis" in modules and "asocia.diagnosis.loader" in modules
    # A group's help and light commands still leave the PDF, XLSForm and web stacks alone.
    assert not [m for m in heavy(modules) if m.split(".")[0] in ("fpdf", "pyxform", "fastapi")]


# What a light command that opens the database may not import: besides the web, PDF,
# XLSForm and spreadsheet stacks, Alembic (the schema check reads the revision table
# directly) and the registry's importer (its validators, multiprocessing and XML readers).
NOT_FOR_LIGHT_COMMANDS = (
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "fpdf",
    "fontTools",
    "pyxform",
    "openpyxl",
    "docx",
    "alembic",
    "duckdb",
    "pandas",
    "numpy",
    "httpx",
    "jsonschema",
    "multiprocessing",
    "asocia.web",
    "asocia.diagnosis",
    "asocia.programmes",
    "asocia.monitoring",
    "asocia.partnerships",
    "asocia.registry.importer",
    "asocia.registry.readers",
    "asocia.registry.store",
    "asocia.db.migrate",
)


def not_for_light(modules: list[str]) -> list[str]:
    return loaded(modules, NOT_FOR_LIGHT_COMMANDS)


@pytest.mark.parametrize(
    "args",
    [
        ("db", "status"),
        ("users", "list"),
        ("registry", "list", "--limit", "5"),
        ("stats", "summary", "--json"),
    ],
    ids=" ".join,
)
def test_light_database_commands_import_only_what_they_use(
    sqlite_db: Database, tmp_path: Path, args: tuple[str, ...]
) -> None:
    code, modules, output = modules_after(*args, database=sqlite_db.url)
    assert code in (0, None), output
    assert "sqlalchemy" in modules  # the probe ran the command
    assert not_for_light(modules) == []
    assert "pydantic" not in modules  # plain option values: asocia.cli.coercion


# A group's help loads the group's module and the roles (asocia.auth.policy, an enum), and
# nothing of the database, the models or the capability's own code.
GROUP_HELP_HEAVY = (
    *(h for h in HEAVY if h != "asocia.auth"),
    "asocia.auth.accounts",
    "asocia.auth.passwords",
    "asocia.programmes",
    "asocia.monitoring",
    "asocia.partnerships",
    "asocia.i18n",
    "docx",
)


@pytest.mark.parametrize("group", GROUPS)
def test_a_group_help_imports_nothing_heavy(group: str) -> None:
    code, modules, output = modules_after(group, "--help")
    assert code in (0, None), output
    assert f"asocia.cli.{group}" in modules  # the probe ran the group
    assert "Usage" in output or "Uso" in output
    assert loaded(modules, GROUP_HELP_HEAVY) == []


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("registry", "--help")], ids=repr)
def test_version_and_help_leave_the_named_heavy_modules_alone(args: tuple[str, ...]) -> None:
    """The modules issue #15 names, one by one (the lists above cover them too)."""
    _code, modules, _output = modules_after(*args)
    for name in (
        "sqlalchemy",
        "fastapi",
        "alembic",
        "fpdf",
        "pyxform",
        "openpyxl",
        "docx",
        "jsonschema",
        "babel",
        "pydantic",
        "asocia.db.models",
        "asocia.auth.accounts",
    ):
        assert name not in modules, name


def test_db_status_needs_neither_the_orm_nor_the_models(sqlite_db: Database) -> None:
    code, modules, output = modules_after("db", "status", "--json", database=sqlite_db.url)
    assert code in (0, None), output
    assert json.loads(output)["up_to_date"] is True
    assert "sqlalchemy" in modules  # the probe ran the command
    for name in ("sqlalchemy.orm", "asocia.db.base", "asocia.db.models", "pydantic"):
        assert not [m for m in modules if m == name or m.startswith(name + ".")], name


def test_a_light_command_declares_only_the_models_it_reads(sqlite_db: Database) -> None:
    code, modules, output = modules_after("registry", "list", "--json", database=sqlite_db.url)
    assert code in (0, None), output
    assert {"asocia.db.models.accounts", "asocia.db.models.registry"} <= set(modules)
    for capability in ("diagnosis", "stats", "programmes", "monitoring", "partnerships"):
        assert f"asocia.db.models.{capability}" not in modules


def test_the_names_the_help_repeats_agree_with_the_code() -> None:
    """Help texts name export formats, dimensions, measures and defaults without importing
    the code that defines them (which would load SQLAlchemy): the copies must agree."""
    from asocia.cli import programmes, registry, stats
    from asocia.programmes.coverage import DEFAULT_YEARS
    from asocia.registry.export import FORMATS
    from asocia.stats.dimensions import CROSSTAB_MEASURES, PUBLIC_DIMENSIONS

    assert registry.EXPORT_FORMATS == FORMATS
    assert stats.PUBLIC_DIMENSIONS == PUBLIC_DIMENSIONS
    assert stats.CROSSTAB_MEASURES == CROSSTAB_MEASURES
    assert programmes.COVERAGE_YEARS == DEFAULT_YEARS
