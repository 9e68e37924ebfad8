"""The cell key method (asocia.stats.cellkey): its perturbation table, the rules every public
figure obeys (properties over generated inputs), and public tables on the registry."""

from __future__ import annotations

import random
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asocia.db import Database
from asocia.stats import report
from asocia.stats.cellkey import KEY_MODULUS, Perturbation, PTable
from asocia.stats.crosstab import BELOW_K, crosstab, from_grouped
from asocia.stats.engine import Filters, Grouped, StatsEngine
from tests.stats.conftest import AS_OF, UF

CONTROL = Perturbation(k=3, max_noise=2, variance=1.0, magnitude=0.1)

# -- the perturbation table ---------------------------------------------------------------------


@pytest.mark.parametrize(("max_noise", "variance"), [(1, 0.5), (2, 1.0), (3, 2.0), (5, 4.0)])
def test_ptable_rows_are_bounded_unbiased_and_keep_cells_non_empty(
    max_noise: int, variance: float
) -> None:
    table = PTable.build(max_noise, variance)
    for n in range(1, 3 * max_noise + 3):
        row = table.row(n)
        assert sum(p for _, p in row) == pytest.approx(1.0)
        assert all(-max_noise <= d <= max_noise and n + d >= 1 for d, _ in row)
        mean = sum(d * p for d, p in row)
        assert mean == pytest.approx(0.0, abs=1e-9)
        if n > max_noise:  # the full, symmetric row has exactly the asked variance
            assert sum(d * d * p for d, p in row) == pytest.approx(variance, rel=1e-6)
    # A single cooperative cannot be moved without bias or emptiness: it stays 1, "< k".
    assert table.row(1) == ((0, 1.0),)


def test_adjustment_follows_the_cumulative_intervals() -> None:
    table = PTable.build(2, 1.0)
    row = table.row(10)
    edges = [sum(p for _, p in row[: i + 1]) for i in range(len(row))]
    assert table.adjustment(10, 0.0) == -2
    assert table.adjustment(10, edges[0] - 1e-9) == -2
    assert table.adjustment(10, edges[0] + 1e-9) == -1
    assert table.adjustment(10, 0.999999) == 2
    # Over uniform keys, the adjustments have mean 0 and variance V.
    keys = [i / 20000 for i in range(20000)]
    values = [table.adjustment(10, u) for u in keys]
    assert sum(values) / len(values) == pytest.approx(0.0, abs=0.01)
    assert sum(v * v for v in values) / len(values) == pytest.approx(1.0, abs=0.01)


def test_empty_and_small_cells_show_below_k() -> None:
    # An empty cell is not perturbed, but is shown as "< k" like a small one, so that "< k"
    # never tells that a cell holds at least one cooperative.
    assert CONTROL.count(0, 12345) == 0 and CONTROL.shown_count(0, 12345) is None
    assert all(CONTROL.shown_count(1, key) is None for key in range(0, KEY_MODULUS, 10**7))
    # Sums of fewer than k cooperatives are never published, whatever their key.
    assert all(CONTROL.sum(500.0, 2, 400.0, key, "sales") is None for key in range(0, 10**9, 10**7))
    assert CONTROL.sum(0.0, 0, 0.0, 0, "sales") is None


# -- properties that must hold for every input ---------------------------------------------------

records = st.lists(
    st.tuples(st.integers(0, KEY_MODULUS - 1), st.integers(0, 5000)), min_size=0, max_size=40
)


@settings(max_examples=200)
@given(records, st.randoms(use_true_random=False))
def test_same_cell_same_value_however_it_is_grouped(
    rows: list[tuple[int, int]], rng: random.Random
) -> None:
    """A cell's published figures depend only on its set of cooperatives: the same set reached
    through any grouping (a finer cube, another table, another filter order) gives the same."""
    n = len(rows)
    keys = sum(k for k, _ in rows)
    total = sum(v for _, v in rows)
    largest = max((v for _, v in rows), default=0)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    cut = rng.randint(0, n)
    parts = [shuffled[:cut], shuffled[cut:]]
    keys_parts = sum(sum(k for k, _ in p) for p in parts)
    largest_parts = max((max((v for _, v in p), default=0) for p in parts), default=0)
    assert CONTROL.count(n, keys) == CONTROL.count(n, keys_parts)
    assert CONTROL.sum(total, n, largest, keys, "members") == CONTROL.sum(
        total, n, largest_parts, keys_parts, "members"
    )


@settings(max_examples=300)
@given(records)
def test_published_figures_are_non_negative_and_within_the_bounds(
    rows: list[tuple[int, int]],
) -> None:
    n = len(rows)
    keys = sum(k for k, _ in rows)
    total = sum(v for _, v in rows)
    largest = max((v for _, v in rows), default=0)
    count = CONTROL.count(n, keys)
    assert count >= 0 and abs(count - n) <= CONTROL.max_count_error()
    assert (count == 0) == (n == 0)  # an empty cell is 0, a non-empty one never is
    shown = CONTROL.shown_count(n, keys)
    assert shown is None or shown >= CONTROL.k
    value = CONTROL.sum(total, n, largest, keys, "members")
    if n < CONTROL.k:
        assert value is None
    elif value is not None:
        assert value >= 0 and abs(value - total) <= CONTROL.max_sum_error(largest)


@settings(max_examples=200)
@given(st.integers(3, 10_000), st.integers(0, KEY_MODULUS - 1), st.floats(1.0, 1e12))
def test_sums_are_never_published_exactly(n: int, keys: int, largest: float) -> None:
    """The magnitude rule adds between 0.5·m and 1.5·m of the largest contribution: a sum
    (and so any difference isolating one cooperative) is never the true one."""
    total = largest * 2
    value = CONTROL.sum(total, n, largest, keys, "sales", integer=False)
    if value is not None:
        assert abs(value - total) >= 0.5 * CONTROL.magnitude * largest * (1 - 1e-9)


# -- public tables --------------------------------------------------------------------------------


def _grouped(cells: list[list[int]], seed: int) -> Grouped:
    """A two-way grouped aggregate with one cooperative per unit of count, random keys."""
    rng = random.Random(seed)
    rows = []
    for i, j in product(range(len(cells)), range(len(cells[0]))):
        n = cells[i][j]
        if n:
            keys = sum(rng.randrange(KEY_MODULUS) for _ in range(n))
            rows.append(((f"r{i}", f"c{j}"), (n, keys)))
    return Grouped(("legal_class", "ilo_type"), ("cooperatives", "record_keys"), rows)


@pytest.mark.parametrize("seed", range(30))
def test_the_issue_table_is_no_longer_solvable(seed: int) -> None:
    """`suppress([[1,1,5],[1,1,5],[5,5,5]], 3)` hid the four 1s and the ≥ 1 fact solved them.
    Now the 1s are "< 3" (which an empty cell shows too), and even an attacker who knew the 5s
    exactly, with every published total within D of the truth, finds several solutions."""
    cells = [[1, 1, 5], [1, 1, 5], [5, 5, 5]]
    table = from_grouped(
        _grouped(cells, seed), "legal_class", "ilo_type", "cooperatives", public=True, k=3
    )
    status = table.status
    assert all(status[i][j] == BELOW_K for i in range(2) for j in range(2))
    published = table.counts
    d = CONTROL.max_noise
    # Candidate true values of the four small cells (each 0..k-1+D, as "< 3" allows) that agree
    # with every published total of their rows and columns within ± D.
    span = range(0, 3 + d)
    solutions = []
    for x, y, u, v in product(span, repeat=4):
        truth = [[x, y, 5], [u, v, 5], [5, 5, 5]]
        ok = True
        for i in range(3):
            total = sum(truth[i])
            if published[i][3] is not None and abs(published[i][3] - total) > d:
                ok = False
        for j in range(3):
            total = sum(truth[i][j] for i in range(3))
            if published[3][j] is not None and abs(published[3][j] - total) > d:
                ok = False
        if ok:
            solutions.append((x, y, u, v))
    assert (1, 1, 1, 1) in solutions
    for position in range(4):
        assert len({s[position] for s in solutions}) >= 2


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
        again = crosstab(engine, "region", "rural_class", "members", public=True, k=3)
    assert full.counts == [[3, 0, 0, 3], [1, 1, 1, 3], [1, 0, 2, 3], [5, 1, 3, 9]]
    assert full.values[1] == [8, 12, 300, 320]
    assert public.to_dict() == again.to_dict()
    for i, j in product(range(4), range(4)):
        n, shown = full.counts[i][j], public.counts[i][j]
        if shown is None:
            assert public.status[i][j] == BELOW_K and public.values[i][j] is None
        else:
            assert abs(shown - n) <= 2 and shown >= 3
            if n < 3:  # members of fewer than k cooperatives: never published
                assert public.values[i][j] is None and public.status[i][j] == "suppressed"
    # Single-cooperative and empty cells are always "< 3".
    assert public.status[1][0] == public.status[1][1] == public.status[3][1] == BELOW_K
    assert public.status[0][1] == public.status[2][1] == BELOW_K


def test_the_same_cooperatives_show_the_same_figure_everywhere(registry: Database) -> None:
    """Region 1 has 3 cooperatives in force: its headline count (filter region=1), its line of
    every dashboard table and chart, and its total under an equivalent filter all agree."""
    with registry.session() as session:
        engine = StatsEngine(session, uf_clp=UF, as_of=AS_OF, use_summary=True)
        board = report.dashboard(engine, public=True, k=3)
        region_1 = report.summary(engine, Filters.of({"region": [1]}), public=True, k=3)
        equivalent = report.summary(
            engine,
            Filters.of({"region": [1], "ilo_type": ["producer", "worker"]}),
            public=True,
            k=3,
        )
        by_class = crosstab(engine, "region", "legal_class", public=True, k=3)
        nationwide = report.summary(engine, public=True, k=3)
    chart = board.charts["cooperatives_by_region"]
    row = chart.row_values.index(1)
    figures = {
        chart.counts[row][0],
        board.crosstabs["region_by_legal_class"].counts[row][-1],
        by_class.counts[row][-1],
        region_1["cooperatives"],
        equivalent["cooperatives"],
    }
    assert len(figures) == 1
    assert nationwide["cooperatives"] == board.headline["cooperatives"] == chart.counts[-1][0]
    assert board.headline["members"] == nationwide["members"]
    assert board.crosstabs["rural_class_by_size_members"].values[-1][-1] == nationwide["members"]


def test_analysts_keep_exact_figures(registry: Database) -> None:
    with registry.session() as session:
        engine = StatsEngine(session, uf_clp=UF, as_of=AS_OF, use_summary=True)
        board = report.dashboard(engine, public=False, k=3)
    assert board.headline["cooperatives"] == 9 and board.headline["members"] == 1435
    assert board.crosstabs["region_by_legal_class"].status == []  # no cell perturbed or hidden
