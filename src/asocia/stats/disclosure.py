"""Statistical disclosure control: no published cell counts fewer than k cooperatives, and no
suppressed cell can be worked out from the totals published beside it.

**Primary suppression** hides every cell (interior or total) that counts between 1 and k − 1
cooperatives. Empty cells describe no cooperative and stay visible.

**Secondary suppression.** A table with its row totals, column totals and grand total is a
system of linear equations. Write the suppressed cells as edges of a bipartite graph whose
vertices are the table's lines (rows, plus the totals row; columns, plus the totals column).
The published cells fix the suppressed ones up to the cycles of that graph: a suppressed cell
on no cycle — a *bridge* — is determined exactly by the totals (the textbook case is the lone
suppressed cell of a row, which is the row total minus the others). So, while some suppressed
cell is a bridge, we suppress one more cell that closes a cycle through it, choosing the
smallest non-empty cell (least information lost; empty cells are avoided because a known zero
on a cycle can pin the others). When no bridge is left, every suppressed cell lies on a cycle
of non-empty cells and its value can move by at least one in both directions along it without
changing any published figure: it cannot be recovered.

The same pattern, computed on counts, is applied to every measure of the table (members,
workers, sales), which obey the same equations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Cell = tuple[int, int]


@dataclass(frozen=True)
class Pattern:
    """Which cells of an augmented table are suppressed, and why."""

    primary: frozenset[Cell]
    secondary: frozenset[Cell]

    @property
    def suppressed(self) -> frozenset[Cell]:
        return self.primary | self.secondary


def is_sensitive(count: int, k: int) -> bool:
    """Whether a cell counting ``count`` cooperatives is too small to publish."""
    return 0 < count < k


def augment(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with a totals column on the right and a totals row at the bottom."""
    rows = [[*r, sum(r)] for r in counts]
    width = len(rows[0]) if rows else 1
    totals = [sum(r[j] for r in rows) for j in range(width)]
    return [*rows, totals]


def suppress(counts: Sequence[Sequence[int]], k: int) -> Pattern:
    """Suppression pattern of the augmented table of ``counts`` (rows × columns).

    Cell ``(i, j)`` with ``i == len(counts)`` is a column total, ``j == len(counts[0])`` a
    row total, both at once the grand total.
    """
    table = augment(counts)
    n_rows = len(table)
    n_cols = len(table[0])
    primary = {(i, j) for i in range(n_rows) for j in range(n_cols) if is_sensitive(table[i][j], k)}
    suppressed = set(primary)
    while True:
        bridge = _find_bridge(suppressed, n_rows, n_cols)
        if bridge is None:
            break
        extra = _closing_cell(table, suppressed, bridge)
        if extra is None:  # nothing left to suppress around it: the whole line is hidden
            break
        suppressed.add(extra)
    return Pattern(frozenset(primary), frozenset(suppressed - primary))


def _closing_cell(table: list[list[int]], suppressed: set[Cell], bridge: Cell) -> Cell | None:
    """A cell whose suppression puts ``bridge`` on a cycle, or else grows its component."""
    n_rows, n_cols = len(table), len(table[0])
    others = suppressed - {bridge}
    row_side = _component(("r", bridge[0]), others, n_rows, n_cols)
    col_side = _component(("c", bridge[1]), others, n_rows, n_cols)
    candidates: list[Cell] = []
    for side_a, side_b in ((row_side, col_side), (col_side, row_side)):
        rows = [v for kind, v in side_a if kind == "r"]
        cols = [v for kind, v in side_b if kind == "c"]
        candidates.extend((r, c) for r in rows for c in cols if (r, c) not in suppressed)
    best = _smallest(table, candidates)
    if best is not None:
        return best
    i, j = bridge
    line = [(i, c) for c in range(n_cols)] + [(r, j) for r in range(n_rows)]
    return _smallest(table, [cell for cell in line if cell not in suppressed])


def _smallest(table: list[list[int]], cells: list[Cell]) -> Cell | None:
    if not cells:
        return None
    last_row, last_col = len(table) - 1, len(table[0]) - 1

    def cost(c: Cell) -> tuple[bool, bool, int, Cell]:
        # Interior cells before totals, non-empty before empty, then the smallest.
        value = table[c[0]][c[1]]
        return (c[0] == last_row or c[1] == last_col, value == 0, value, c)

    return min(cells, key=cost)


def _component(
    start: tuple[str, int], edges: set[Cell], n_rows: int, n_cols: int
) -> set[tuple[str, int]]:
    adjacency = _adjacency(edges)
    seen = {start}
    stack = [start]
    while stack:
        vertex = stack.pop()
        for nxt in adjacency.get(vertex, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _adjacency(edges: set[Cell]) -> dict[tuple[str, int], list[tuple[str, int]]]:
    adjacency: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for i, j in sorted(edges):
        adjacency.setdefault(("r", i), []).append(("c", j))
        adjacency.setdefault(("c", j), []).append(("r", i))
    return adjacency


def _find_bridge(edges: set[Cell], n_rows: int, n_cols: int) -> Cell | None:
    """A bridge of the bipartite graph of suppressed cells (Tarjan, iterative), or None."""
    adjacency = _adjacency(edges)
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    counter = 0
    for root in sorted(adjacency):
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        # stack of (vertex, parent edge, iterator index)
        stack: list[tuple[tuple[str, int], Cell | None, int]] = [(root, None, 0)]
        while stack:
            vertex, parent_edge, index = stack[-1]
            neighbours = adjacency[vertex]
            if index < len(neighbours):
                stack[-1] = (vertex, parent_edge, index + 1)
                nxt = neighbours[index]
                edge = _edge(vertex, nxt)
                if edge == parent_edge:
                    continue
                if nxt in order:
                    low[vertex] = min(low[vertex], order[nxt])
                else:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, edge, 0))
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[vertex])
                    if low[vertex] > order[parent]:
                        assert parent_edge is not None
                        return parent_edge
    return None


def _edge(a: tuple[str, int], b: tuple[str, int]) -> Cell:
    return (a[1], b[1]) if a[0] == "r" else (b[1], a[1])


def recoverable(counts: Sequence[Sequence[int]], suppressed: frozenset[Cell]) -> set[Cell]:
    """Suppressed cells whose value the published cells and totals determine exactly.

    An independent audit (linear algebra, not the graph argument above): a cell is determined
    when its unit vector lies in the row space of the equations restricted to the unknowns.
    """
    table = augment(counts)
    n_rows, n_cols = len(table), len(table[0])
    unknowns = sorted(suppressed)
    index = {cell: i for i, cell in enumerate(unknowns)}
    equations: list[list[float]] = []
    # Each row of the augmented table: interior cells minus the row total = 0; same for columns.
    for i in range(n_rows):
        eq = [0.0] * len(unknowns)
        for j in range(n_cols):
            if (i, j) in index:
                eq[index[(i, j)]] = -1.0 if j == n_cols - 1 else 1.0
        equations.append(eq)
    for j in range(n_cols):
        eq = [0.0] * len(unknowns)
        for i in range(n_rows):
            if (i, j) in index:
                eq[index[(i, j)]] = -1.0 if i == n_rows - 1 else 1.0
        equations.append(eq)
    rank_all = _rank(equations)
    found: set[Cell] = set()
    for cell, col in index.items():
        # The cell is determined iff dropping its column lowers the rank of the system.
        reduced = [[v for c, v in enumerate(eq) if c != col] for eq in equations]
        if _rank(reduced) < rank_all:
            found.add(cell)
    return found


def _rank(matrix: list[list[float]]) -> int:
    rows = [r[:] for r in matrix if any(r)]
    if not rows:
        return 0
    width = len(rows[0])
    rank = 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if abs(rows[r][col]) > 1e-9), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and abs(rows[r][col]) > 1e-9:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank
