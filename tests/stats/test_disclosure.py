"""Primary and secondary suppression, on tables worked out by hand and audited by algebra."""

from __future__ import annotations

import random

import pytest

from asocia.db import Database
from asocia.stats.crosstab import crosstab
from asocia.stats.disclosure import recoverable, suppress
from asocia.stats.engine import StatsEngine
from tests.stats.conftest import AS_OF, UF


def test_one_way_table_hides_a_second_cell() -> None:
    # 5, 1, 7 (total 13), k = 3: the 1 alone could be read as 13 − 5 − 7, so the smallest
    # other cell (5) is hidden too. Column 1 of the augmented table is the row total.
    pattern = suppress([[5], [1], [7]], k=3)
    assert pattern.primary == {(1, 0), (1, 1)}
    assert pattern.secondary == {(0, 0), (0, 1)}
    assert recoverable([[5], [1], [7]], pattern.suppressed) == set()


def test_two_way_table_hides_a_rectangle() -> None:
    # [[1, 4], [6, 7]]: the 1 is primary; the cheapest protection is the rectangle 1, 4, 6, 7
    # (each row and column then has two unknowns and the totals stay published).
    counts = [[1, 4], [6, 7]]
    pattern = suppress(counts, k=3)
    assert pattern.primary == {(0, 0)}
    assert pattern.suppressed == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert recoverable(counts, pattern.suppressed) == set()


def test_small_totals_are_primary_and_protected() -> None:
    # Column 1 adds up to 2 < k: its total is hidden as well as its cells.
    counts = [[4, 1, 5], [6, 1, 9], [3, 0, 8]]
    pattern = suppress(counts, k=3)
    assert {(0, 1), (1, 1), (3, 1)} <= pattern.primary
    assert recoverable(counts, pattern.suppressed) == set()


def test_empty_cells_are_published_and_k_one_hides_nothing() -> None:
    assert suppress([[0, 5], [4, 0]], k=3).suppressed == frozenset()
    assert suppress([[1, 2], [1, 1]], k=1).suppressed == frozenset()


def test_a_lone_suppressed_cell_is_recoverable_by_the_audit() -> None:
    # The audit itself must be able to fail: one hidden cell in a row is the row total minus
    # the rest.
    assert recoverable([[1, 4], [6, 7]], frozenset({(0, 0)})) == {(0, 0)}


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_leave_nothing_recoverable(seed: int) -> None:
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 6), rng.randint(1, 6)
    counts = [[rng.choice([0, 1, 2, 3, 5, 8, 20]) for _ in range(cols)] for _ in range(rows)]
    pattern = suppress(counts, k=3)
    table = [[*r, sum(r)] for r in counts]
    table.append([sum(r[j] for r in table) for j in range(cols + 1)])
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            if 0 < value < 3:
                assert (i, j) in pattern.suppressed
    assert recoverable(counts, pattern.suppressed) == set()


def test_public_crosstab_on_the_registry(registry: Database) -> None:
    # Region × rural class of cooperatives in force:
    #          rural mixta urbana | total
    # region 1   3     0     0    |   3
    # region 2   1     1     1    |   3
    # region 3   1     0     2    |   3
    # total      5     1     3    |   9
    with registry.session() as session:
        engine = StatsEngine(session, uf_clp=UF, as_of=AS_OF)
        full = crosstab(engine, "region", "rural_class", "members")
        public = crosstab(engine, "region", "rural_class", "members", public=True, k=3)
    assert full.counts == [[3, 0, 0, 3], [1, 1, 1, 3], [1, 0, 2, 3], [5, 1, 3, 9]]
    assert full.values[1] == [8, 12, 300, 320]
    counts = [[3, 0, 0], [1, 1, 1], [1, 0, 2]]
    hidden = {(i, j) for i, r in enumerate(public.counts) for j, v in enumerate(r) if v is None}
    assert {(1, 0), (1, 1), (1, 2), (2, 0), (2, 2), (3, 1)} <= hidden
    assert recoverable(counts, frozenset(hidden)) == set()
    # The measure is hidden exactly where the count is.
    assert all(
        (public.values[i][j] is None) == ((i, j) in hidden) for i in range(4) for j in range(4)
    )
    assert public.counts[0][0] == 3 and public.grand_total == 1435


def test_dashboard_charts_hide_what_their_crosstab_margins_hide(registry: Database) -> None:
    from asocia.stats import report

    with registry.session() as session:
        board = report.dashboard(
            StatsEngine(session, uf_clp=UF, as_of=AS_OF, use_summary=True), public=True, k=3
        )
    region_by_class = board.crosstabs["region_by_legal_class"]
    by_class = board.charts["cooperatives_by_legal_class"]
    # Legal classes of the cooperatives in force: agricola 4, campesina, trabajo, consumo,
    # ahorro_credito and servicios 1 each: the chart shows exactly the cross-tab's totals row.
    assert by_class.row_values == region_by_class.column_values
    assert [row[0] for row in by_class.counts] == region_by_class.counts[-1]
    for chart_id in ("cooperatives_by_region", "members_by_region"):
        chart = board.charts[chart_id]
        assert [r[0] is None for r in chart.counts] == [
            r[-1] is None for r in region_by_class.counts
        ]
    members = board.crosstabs["rural_class_by_size_members"]
    for chart_id in ("cooperatives_by_rural_class", "members_by_rural_class"):
        assert [r[0] is None for r in board.charts[chart_id].counts] == [
            r[-1] is None for r in members.counts
        ]
    # Every table and chart passes the algebraic audit on its own.
    with registry.session() as session:
        engine = StatsEngine(session, uf_clp=UF, as_of=AS_OF)
        full = crosstab(engine, "region", "legal_class")
    interior = [[int(v or 0) for v in row[:-1]] for row in full.counts[:-1]]
    hidden = {
        (i, j)
        for i, row in enumerate(region_by_class.counts)
        for j, v in enumerate(row)
        if v is None
    }
    assert hidden and recoverable(interior, frozenset(hidden)) == set()
