"""Every indicator on the hand-made registry of conftest.py, answers worked out by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from asocia.db import Database
from asocia.stats.engine import Filters, StatsEngine
from tests.stats.conftest import AS_OF, UF, add_cooperatives

M = 1_000_000.0
# Current population: cooperatives 1–9 (10 is dissolved, 11 merged into 1).
SALES_M = [0, 1, 2, 3, 10, 50, 200, 500]  # cooperatives 4, 1, 2, 5, 3, 8, 7, 6; 9 reports none


def engine(session, *, summary: bool = False) -> StatsEngine:
    return StatsEngine(session, uf_clp=UF, as_of=AS_OF, use_summary=summary)


@pytest.mark.parametrize("summary", [False, True], ids=["raw", "summary"])
def test_counts_and_sums(registry: Database, summary: bool) -> None:
    with registry.session() as session:
        values = engine(session, summary=summary).indicators()
    v = {k: x.value for k, x in values.items()}
    assert v["cooperatives"] == 9
    assert v["members"] == 10 + 15 + 30 + 8 + 12 + 300 + 1000 + 60 == 1435
    assert v["members_women"] == 797
    assert v["members_men"] == 638
    assert v["women_share"] == pytest.approx(797 / 1435)
    assert v["employees"] == 81
    assert v["worker_members"] == 12
    assert v["workers"] == 93
    assert v["sales"] == pytest.approx(766 * M)


@pytest.mark.parametrize("summary", [False, True], ids=["raw", "summary"])
def test_structure_shares(registry: Database, summary: bool) -> None:
    with registry.session() as session:
        v = {k: x.value for k, x in engine(session, summary=summary).indicators().items()}
    # Rural: comunas classed rural or mixta (cooperatives 1–5 and 9); urban: 6–8.
    assert v["rural_share"] == pytest.approx(6 / 9)
    assert v["under_20_share"] == pytest.approx(4 / 8)
    assert v["rural_under_20_share"] == pytest.approx(4 / 5)
    assert v["large_share"] == pytest.approx(2 / 8)
    assert v["large_sales_share"] == pytest.approx(700 / 766)
    assert v["urban_members_share"] == pytest.approx(1360 / 1435)
    assert v["urban_workers_share"] == pytest.approx(75 / 93)


def test_concentration_exact(registry: Database) -> None:
    with registry.session() as session:
        c = engine(session).concentration()
    assert c.exact and c.reporting == 8
    # Σ i·x(i) over ascending sales, in millions:
    # 1·0 + 2·1 + 3·2 + 4·3 + 5·10 + 6·50 + 7·200 + 8·500 = 5770
    assert c.gini == pytest.approx(2 * 5770 / (8 * 766) - 9 / 8)
    pairwise = sum(abs(a - b) for a in SALES_M for b in SALES_M) / (2 * 8 * 8 * (766 / 8))
    assert c.gini == pytest.approx(pairwise)
    assert c.hhi == pytest.approx(sum(x * x for x in SALES_M) / 766**2)
    # ⌈0.10 · 8⌉ = 1: the largest seller alone.
    assert c.top_share(0.10) == (pytest.approx(500 / 766), 1)
    cumulative = [sum(SALES_M[:i]) / 766 for i in range(9)]
    assert c.lorenz == [(pytest.approx(i / 8), pytest.approx(cumulative[i])) for i in range(9)]


def test_top_shares_and_gini_of_one_to_twenty_five(db: Database) -> None:
    from tests.stats.conftest import add_cooperatives

    add_cooperatives(
        db, [dict(region_code=1, rural_class="rural", sales_amount=float(i)) for i in range(1, 26)]
    )
    with db.session() as session:
        v = {k: x.value for k, x in engine(session).indicators().items()}
    # For sales 1..n the Gini coefficient is (n − 1) / (3n).
    assert v["gini_sales"] == pytest.approx(24 / 75)
    assert v["top1_sales_share"] == pytest.approx(25 / 325)  # ⌈0.25⌉ = 1 cooperative
    assert v["top5_sales_share"] == pytest.approx(49 / 325)  # ⌈1.25⌉ = 2
    assert v["top10_sales_share"] == pytest.approx(72 / 325)  # ⌈2.5⌉ = 3
    assert v["hhi_sales"] == pytest.approx(sum(i * i for i in range(1, 26)) / 325**2)


@pytest.mark.parametrize("summary", [False, True], ids=["raw", "summary"])
def test_disaggregations(registry: Database, summary: bool) -> None:
    with registry.session() as session:
        e = engine(session, summary=summary)

        def counts(dim: str, population: str = "current") -> dict[object, int]:
            g = e.grouped([dim], ["cooperatives"], population=population)
            return {key[0]: int(vals[0]) for key, vals in g.rows}

        assert counts("region") == {1: 3, 2: 3, 3: 3}
        assert counts("rural_class") == {"rural": 5, "mixta": 1, "urbana": 3}
        assert counts("ilo_type") == {
            "producer": 5,
            "worker": 1,
            "consumer_user": 2,
            "multi_stakeholder": 1,
        }
        assert counts("size_members") == {
            "lt_20": 4,
            "20_49": 1,
            "50_249": 1,
            "250_plus": 2,
            "unknown": 1,
        }
        assert counts("size_sales") == {
            "micro": 3,
            "small": 2,
            "medium": 1,
            "large": 2,
            "unknown": 1,
        }
        assert counts("age") == {"0_4": 1, "5_9": 2, "10_19": 2, "20_49": 4}
        assert counts("legal_status", "registered") == {"vigente": 9, "disuelta": 1}
        constituted = counts("constitution_year", "registered")
        assert constituted[1995] == 1 and constituted[2023] == 1 and 1999 not in constituted
        assert sum(constituted.values()) == 10
        assert counts("dissolution_year", "registered") == {None: 9, 2022: 1}


@pytest.mark.parametrize("summary", [False, True], ids=["raw", "summary"])
def test_filters(registry: Database, summary: bool) -> None:
    with registry.session() as session:
        e = engine(session, summary=summary)
        only_region_2 = Filters.of({"region": ["2"], "rural_class": ["rural", "urbana"]})
        v = {k: x.value for k, x in e.indicators(filters=only_region_2).items()}
    assert v["cooperatives"] == 2  # cooperatives 4 and 6
    assert v["members"] == 308
    assert v["rural_share"] == pytest.approx(1 / 2)
    assert v["gini_sales"] == pytest.approx(2 * (1 * 0 + 2 * 500) / (2 * 500) - 3 / 2)


def test_comuna_and_sector_use_the_table(registry: Database) -> None:
    # Dimensions outside the summary fall back to the cooperatives table.
    with registry.session() as session:
        g = engine(session, summary=True).grouped(["comuna", "legal_class"], ["members"])
    by_class = {key[1]: vals[0] for key, vals in g.rows}
    assert by_class["agricola"] == 10 + 15 + 8
    assert by_class["ahorro_credito"] == 1000


def test_summary_is_rebuilt_when_the_registry_changes(registry: Database) -> None:
    from tests.stats.conftest import add_cooperatives

    def count() -> object:
        with registry.session() as session:
            return engine(session, summary=True).indicators(["cooperatives"])["cooperatives"].value

    assert count() == 9
    add_cooperatives(registry, [dict(region_code=4, rural_class="urbana")])
    assert count() == 10


def test_unknown_names_are_refused(registry: Database) -> None:
    with registry.session() as session, pytest.raises(KeyError, match="unknown dimension"):
        engine(session).grouped(["colour"])


def test_concurrent_first_requests_rebuild_the_summary_once(registry: Database) -> None:
    import threading

    from sqlalchemy import func, select

    from asocia.db.models.stats import CUBE_TABLES

    results: list[object] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            with registry.session() as session:
                values = engine(session, summary=True).indicators(["cooperatives", "members"])
                results.append((values["cooperatives"].value, values["members"].value))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results == [(9, 1435)] * 4
    with registry.session() as session:
        total = session.execute(select(func.sum(CUBE_TABLES["main"].c.cooperatives))).scalar()
    assert total == 9  # rebuilt once: no duplicated cells


def test_summary_without_sqlite_math_functions(tmp_path: Path, sqlite_template: Path) -> None:
    """Some SQLite builds lack log() and floor(): the summary brings its own."""
    from asocia.stats.summary import _ensure_sqlite_math
    from tests.stats.conftest import ROWS, add_cooperatives

    path = tmp_path / "nomath.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    add_cooperatives(db, ROWS)
    with db.session() as session:
        connection = session.connection()
        raw = connection.connection.driver_connection
        # Replace the built-ins with functions that fail, as if they were missing.
        raw.create_function("log", 1, None)
        raw.create_function("floor", 1, None)
        _ensure_sqlite_math(connection)
        c = engine(session, summary=True).concentration()
        bins = set(
            session.execute(
                text("SELECT sales_bin FROM stats_cube_sales_bins WHERE sales_bin IS NOT NULL")
            ).scalars()
        )
    db.dispose()
    assert c.reporting == 8
    # 1,000,000 pesos: 20 · log10 = 120; 500 million: ⌊20 · 8.699⌋ = 173; no sales: -1.
    assert {-1, 120, 173} <= bins


def test_age_is_in_completed_years(db: Database) -> None:
    from datetime import date

    from tests.stats.conftest import add_cooperatives

    add_cooperatives(
        db,
        [
            dict(region_code=1, constituted_on=date(2021, 7, 1)),  # 4 on 2026-06-30, not 5
            dict(region_code=1, constituted_on=date(2021, 6, 30)),  # 5 that very day
            dict(region_code=1, constituted_on=date(2016, 12, 31)),  # 9, not 10
        ],
    )
    for summary in (False, True):
        with db.session() as session:
            grouped = engine(session, summary=summary).grouped(("age",), ("cooperatives",))
        assert dict((k[0], v[0]) for k, v in grouped.rows) == {"0_4": 1, "5_9": 2}


@pytest.mark.parametrize("summary", [False, True], ids=["raw", "summary"])
def test_a_size_class_from_the_sii_band_counts_where_there_is_no_sales_amount(
    registry: Database, summary: bool
) -> None:
    """A DAES panel gives the SII's sales band, not an amount: the importer stores the size
    class (band 10–13 → large). The structure figures count it; sales sums cannot."""
    add_cooperatives(
        registry,
        [
            dict(region_code=13, legal_class="agricola", ilo_type="producer",
                 members_total=40, size_band="large"),
            dict(region_code=13, legal_class="agricola", ilo_type="producer",
                 members_total=40, size_band="micro"),
        ],
    )  # fmt: skip
    with registry.session() as session:
        v = {k: x.value for k, x in engine(session, summary=summary).indicators().items()}
    # 2 large of 8 with sales, plus the two banded co-ops: 3 large of 10.
    assert v["large_share"] == pytest.approx(3 / 10)
    assert v["large_sales_share"] == pytest.approx(700 / 766)  # amounts only where known
