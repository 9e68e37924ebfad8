"""Concentration from the summary's sales bins agrees with the exact computation."""

from __future__ import annotations

import random

import pytest

from asocia.db import Database
from asocia.stats import concentration
from asocia.stats.concentration import from_bins, gini_from_lorenz, top_count
from asocia.stats.engine import StatsEngine
from tests.stats.conftest import AS_OF, UF, add_cooperatives


def test_top_count_rounds_up_in_integers() -> None:
    assert [top_count(n, 0.01) for n in (0, 1, 99, 100, 101, 1000)] == [0, 1, 1, 1, 2, 10]
    assert top_count(20, 0.05) == 1 and top_count(21, 0.05) == 2
    assert top_count(8, 0.10) == 1 and top_count(25, 0.10) == 3


def test_gini_of_equal_and_of_one_seller() -> None:
    assert gini_from_lorenz([(0, 0), (0.5, 0.5), (1, 1)]) == pytest.approx(0)
    # Four cooperatives, one sells everything: Lorenz (0,0) (.75,0) (1,1); G = 0.75 = 1 − 1/n.
    assert gini_from_lorenz([(0, 0), (0.75, 0), (1, 1)]) == pytest.approx(0.75)
    c = from_bins([(3, 0.0), (1, 10.0)], sum_squares=100.0)
    assert c.gini == pytest.approx(0.75) and c.hhi == pytest.approx(1.0)
    assert c.top_share(0.25) == (pytest.approx(1.0), 1)


def test_binned_equals_exact_when_every_cooperative_has_its_own_bin(
    registry: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hand-made sales (0, 1, 2, 3, 10, 50, 200, 500 million) fall in eight different bins.
    with registry.session() as session:
        exact = StatsEngine(session, uf_clp=UF, as_of=AS_OF).concentration()
    monkeypatch.setattr(concentration, "EXACT_LIMIT", 0)
    with registry.session() as session:
        binned = StatsEngine(session, uf_clp=UF, as_of=AS_OF, use_summary=True).concentration()
    assert not binned.exact and exact.exact
    assert binned.reporting == exact.reporting == 8
    assert binned.gini == pytest.approx(exact.gini)
    assert binned.hhi == pytest.approx(exact.hhi)
    assert binned.top_share(0.10) == exact.top_share(0.10)
    assert binned.lorenz == [(pytest.approx(p), pytest.approx(v)) for p, v in exact.lorenz]


def test_binned_is_close_to_exact_on_many_cooperatives(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    rows = [
        dict(
            region_code=rng.randint(1, 16),
            rural_class="rural",
            sales_amount=round(rng.lognormvariate(17, 2.2)),
        )
        for _ in range(1500)
    ]
    add_cooperatives(sqlite_db, rows)
    with sqlite_db.session() as session:
        exact = StatsEngine(session, uf_clp=UF, as_of=AS_OF).concentration()
    monkeypatch.setattr(concentration, "EXACT_LIMIT", 0)
    with sqlite_db.session() as session:
        binned = StatsEngine(session, uf_clp=UF, as_of=AS_OF, use_summary=True).concentration()
    assert exact.gini is not None and binned.gini is not None
    # The polygon through bin edges under-estimates Gini by the within-bin inequality only.
    assert exact.gini - 0.01 < binned.gini <= exact.gini + 1e-9
    assert binned.hhi == pytest.approx(exact.hhi)
    for fraction in (0.01, 0.05, 0.10):
        assert binned.top_share(fraction)[0] == pytest.approx(
            exact.top_share(fraction)[0], abs=0.01
        )
