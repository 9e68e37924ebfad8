"""The summary's staged rebuild (asocia.stats.summary.refresh) holds exactly what grouping the
registry from scratch gives, cube by cube, after imports that create, update and leave rows
unchanged, on both engines."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database
from asocia.settings import Settings
from asocia.stats.definitions import load_definitions
from asocia.stats.dimensions import MEASURES, StatsContext, dimension
from asocia.stats.summary import CUBES, TABLES, refresh

runner = CliRunner()
ENCODING = "cp1252"


def demo_csv(out: Path, *, seed: int, cooperatives: int) -> Path:
    made = runner.invoke(
        app,
        [
            *["demo", "files", "--cooperatives", str(cooperatives), "--seed", str(seed)],
            *["--format", "csv", "--broken", "0", "--out", str(out)],
        ],
    )
    assert made.exit_code == 0, made.output
    return next(out.glob("*.csv"))


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding=ENCODING)), delimiter=";"))
    return rows[0], rows[1:]


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding=ENCODING)
    return path


def import_file(path: Path) -> None:
    done = runner.invoke(app, ["registry", "import", str(path), "--json"])
    assert done.exit_code == 0, done.output


def from_scratch(db: Database, context: StatsContext) -> dict[str, dict[tuple[Any, ...], Any]]:
    """Every cube grouped straight from the registry table, as the summary defines it."""
    definitions = load_definitions()
    out: dict[str, dict[tuple[Any, ...], Any]] = {}
    with db.session() as session:
        for cube in CUBES:
            keys = [dimension(d).expression(context).label(d) for d in cube.dimensions]
            query = (
                select(
                    *keys, *[m.expression(dimension_table()).label(k) for k, m in MEASURES.items()]
                )
                .where(definitions.population(cube.population).condition())
                .group_by(*keys)
            )
            out[cube.name] = split(session.execute(query).all(), len(keys))
    return out


def dimension_table() -> Any:
    from asocia.db.models import Cooperative

    return Cooperative.__table__.c


def stored(db: Database) -> dict[str, dict[tuple[Any, ...], Any]]:
    with db.session() as session:
        return {
            cube.name: split(session.execute(select(TABLES[cube.name])).all(), len(cube.dimensions))
            for cube in CUBES
        }


def split(rows: Any, width: int) -> dict[tuple[Any, ...], Any]:
    return {tuple(row[:width]): tuple(row[width:]) for row in rows}


def same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Equal measures; sums of floats may differ in their last bits (summation order)."""
    for x, y in zip(a, b, strict=True):
        if x is None or y is None or (isinstance(x, int) and isinstance(y, int)):
            if x != y:
                return False
        elif not math.isclose(float(x), float(y), rel_tol=1e-12):
            return False
    return True


def test_refresh_after_imports_equals_grouping_from_scratch(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", db.url)
    first = demo_csv(tmp_path / "a", seed=3, cooperatives=300)
    import_file(first)
    header, rows = read(first)
    workers = header.index("Trabajadores")
    for row in rows[:100]:  # updated: one more worker each
        row[workers] = str(int(row[workers] or 0) + 1)
    _header, new = read(demo_csv(tmp_path / "b", seed=4, cooperatives=120))
    import_file(write(tmp_path / "second.csv", header, [*rows[:200], *new]))

    context = StatsContext(uf_clp=Settings().uf_clp, as_of=date.today())
    expected = from_scratch(db, context)
    assert sum(len(groups) for groups in expected.values()) > 100
    for _round in range(2):  # the import's own refresh, then an explicit one
        found = stored(db)
        for cube in CUBES:
            assert set(found[cube.name]) == set(expected[cube.name]), cube.name
            wrong = [k for k, v in expected[cube.name].items() if not same(v, found[cube.name][k])]
            assert wrong == [], (cube.name, wrong[:3])
        with db.session() as session:
            refresh(session, context, load_definitions())


def test_refresh_gives_record_keys_to_rows_written_without_one(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", db.url)
    import_file(demo_csv(tmp_path, seed=5, cooperatives=200))
    with db.session() as session:  # as a bulk write that bypasses the model would leave them
        session.execute(text("UPDATE cooperatives SET cell_key = NULL WHERE id % 3 = 0"))
    context = StatsContext(uf_clp=Settings().uf_clp, as_of=date.today())
    with db.session() as session:
        refresh(session, context, load_definitions())
        unkeyed = "SELECT count(*) FROM cooperatives WHERE cell_key IS NULL"
        assert session.execute(text(unkeyed)).scalar_one() == 0
    expected, found = from_scratch(db, context), stored(db)
    for cube in CUBES:
        assert set(found[cube.name]) == set(expected[cube.name]), cube.name
        assert all(same(v, found[cube.name][k]) for k, v in expected[cube.name].items())
