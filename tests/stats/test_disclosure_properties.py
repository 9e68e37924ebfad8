"""Disclosure control must hold for every table, not only the ones worked out by hand."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from asocia.stats.disclosure import augment, is_sensitive, recoverable, suppress

cells = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 8, 13, 40])
tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda cols: st.lists(st.lists(cells, min_size=cols, max_size=cols), min_size=1, max_size=5)
)


@settings(max_examples=150)
@given(tables, st.integers(min_value=2, max_value=5))
def test_no_small_cell_is_published_or_recoverable(counts: list[list[int]], k: int) -> None:
    pattern = suppress(counts, k=k)
    table = augment(counts)
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            if is_sensitive(value, k):
                assert (i, j) in pattern.primary
    assert pattern.primary <= pattern.suppressed
    assert recoverable(counts, pattern.suppressed) == set()


@given(tables)
def test_k_one_publishes_everything(counts: list[list[int]]) -> None:
    assert suppress(counts, k=1).suppressed == frozenset()
