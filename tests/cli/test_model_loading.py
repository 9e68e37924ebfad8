"""Models load per capability (asocia.db.models): a command declares only the tables it reads.

Safe because relationships only join models of one module and foreign keys only point into
the same module or the core tables (users, cooperatives) that ``asocia.db.models`` always
declares; ``load_all_models()`` declares the rest for migrations and the test suite. Each case
runs in a fresh interpreter: this test session has every model loaded already (conftest).
"""

from __future__ import annotations

import json
import subprocess
import sys
from textwrap import dedent

import pytest
from sqlalchemy import inspect

from asocia.db import Base, Database
from asocia.db.models import CAPABILITY_MODULES

CORE_MODULES = ("accounts", "registry")


def run_fresh(code: str, database: str | None = None) -> dict[str, object]:
    """Run ``code`` in a new interpreter; it prints one JSON document last."""
    done = subprocess.run(
        [sys.executable, "-c", code, database or ""],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_package_declares_the_core_tables_only() -> None:
    found = run_fresh(
        "import json, sys\n"
        "import asocia.db.models\n"
        "from asocia.db import Base\n"
        "print(json.dumps({'modules': sorted(m for m in sys.modules"
        " if m.startswith('asocia.db.models.')), 'tables': sorted(Base.metadata.tables)}))"
    )
    assert found["modules"] == [f"asocia.db.models.{m}" for m in CORE_MODULES]
    tables = set(found["tables"])  # type: ignore[arg-type]
    assert {"users", "api_tokens", "cooperatives", "cooperative_contacts"} <= tables
    assert not [t for t in tables if t.startswith(("diagnos", "monitoring_", "partnership_"))]


@pytest.mark.parametrize("module", CAPABILITY_MODULES)
def test_each_capability_maps_on_its_own_and_after_a_first_query(
    sqlite_db: Database, module: str
) -> None:
    """Query the core models first (mappers configured), then load one capability's models
    and query every one of its mapped classes: they configure and read on their own."""
    found = run_fresh(
        dedent(
            f"""
            import importlib, json, sys
            from sqlalchemy import func, select
            from sqlalchemy.orm import configure_mappers
            from asocia.db import Base, Database
            from asocia.db.models import Cooperative, User

            db = Database(sys.argv[1])
            with db.session() as s:
                s.execute(select(func.count()).select_from(Cooperative)).scalar_one()
                s.execute(select(User).limit(1)).all()
            mod = importlib.import_module("asocia.db.models.{module}")
            configure_mappers()
            classes = [
                m.class_ for m in Base.registry.mappers if m.class_.__module__ == mod.__name__
            ]
            with db.session() as s:
                for cls in classes:
                    s.execute(select(cls).limit(1)).all()
            loaded = sorted(m for m in sys.modules if m.startswith("asocia.db.models."))
            print(json.dumps({{"classes": len(classes), "loaded": loaded}}))
            """
        ),
        sqlite_db.url,
    )
    assert f"asocia.db.models.{module}" in found["loaded"]  # type: ignore[operator]
    others = set(CAPABILITY_MODULES) - {module}
    assert not [m for m in found["loaded"] if m.rsplit(".", 1)[1] in others]  # type: ignore[attr-defined]
    if module != "stats":  # the statistics' summary tables are Core tables, not mapped classes
        assert found["classes"], module


def test_load_all_models_declares_every_table_the_migrations_create(sqlite_db: Database) -> None:
    found = run_fresh(
        "import json\n"
        "from asocia.db import Base\n"
        "from asocia.db.models import load_all_models\n"
        "load_all_models()\n"
        "load_all_models()  # idempotent\n"
        "print(json.dumps(sorted(Base.metadata.tables)))"
    )
    migrated = set(inspect(sqlite_db.engine).get_table_names()) - {"alembic_version"}
    assert set(found) == migrated  # type: ignore[arg-type]


def test_models_of_one_capability_refer_only_to_it_and_to_the_core() -> None:
    """What makes loading per capability safe, checked on every model (all loaded here)."""
    core = {f"asocia.db.models.{m}" for m in CORE_MODULES}
    table_module = {
        mapper.local_table.name: mapper.class_.__module__ for mapper in Base.registry.mappers
    }
    for mapper in Base.registry.mappers:
        home = mapper.class_.__module__
        for relationship in mapper.relationships:
            assert relationship.mapper.class_.__module__ == home, (mapper, relationship)
        for table in mapper.tables:
            for key in table.foreign_keys:
                target = table_module.get(key.column.table.name, home)
                assert target in (home, *core), (table.name, key.target_fullname)
