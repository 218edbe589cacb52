"""Small-cell suppression: no hidden figure can be worked out from what is shown."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from brightline.core.stats.suppression import Margin, recoverable, suppress

MIN = 10


def table_margins(rows: int, cols: int) -> list[Margin[tuple[int, int]]]:
    keys = [(r, c) for r in range(rows) for c in range(cols)]
    out = [Margin("total", tuple(keys))]
    out += [Margin(f"r{r}", tuple((r, c) for c in range(cols))) for r in range(rows)]
    out += [Margin(f"c{c}", tuple((r, c) for r in range(rows))) for c in range(cols)]
    return out


def determined_by_rank(
    hidden: set[tuple[int, int]], margins: list[Margin[tuple[int, int]]], gone: frozenset[str]
) -> set[tuple[int, int]]:
    """An independent oracle (NumPy's rank): the unknowns are the hidden cells and
    margins, one equation per margin; unknown i is determined exactly when adding
    its unit row does not raise the rank."""
    unknowns = [("cell", k) for k in sorted(hidden)] + [("margin", n) for n in sorted(gone)]
    if not unknowns:
        return set()
    at = {u: i for i, u in enumerate(unknowns)}
    a = np.zeros((len(margins), len(unknowns)))
    for r, m in enumerate(margins):
        for c in m.cells:
            if c in hidden:
                a[r, at[("cell", c)]] = 1
        if m.name in gone:
            a[r, at[("margin", m.name)]] = -1
    rank = np.linalg.matrix_rank(a)
    out = set()
    for u, i in at.items():
        unit = np.zeros((1, len(unknowns)))
        unit[0, i] = 1
        if u[0] == "cell" and np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.add(u[1])
    return out  # type: ignore[return-value]


def test_one_small_cell_in_a_row_takes_a_second_with_it() -> None:
    cells = {(0, 0): 3, (0, 1): 50, (0, 2): 40}
    result = suppress(cells, [Margin("total", tuple(cells))], MIN)
    assert result.cells == {(0, 0), (0, 2)}  # the smallest other figure
    assert result.margins == frozenset()


def test_nothing_small_nothing_hidden_and_zeros_stay_shown() -> None:
    cells = {"a": 0, "b": 12, "c": 10}
    assert suppress(cells, [Margin("total", tuple(cells))], MIN).cells == frozenset()


def test_small_total_is_hidden_with_its_cells() -> None:
    cells = {"a": 2, "b": 3}
    result = suppress(cells, [Margin("total", ("a", "b"))], MIN)
    assert result.cells == {"a", "b"} and result.margins == {"total"}


def test_a_two_way_table_hides_a_rectangle() -> None:
    cells = {(0, 0): 4, (0, 1): 30, (1, 0): 25, (1, 1): 60}
    result = suppress(cells, table_margins(2, 2), MIN)
    assert (0, 0) in result.cells and len(result.cells) == 4
    assert recoverable(set(result.cells), table_margins(2, 2)) == set()


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda rows: st.integers(1, 4).flatmap(
            lambda cols: st.tuples(
                st.just(rows),
                st.just(cols),
                st.lists(
                    st.one_of(st.integers(0, 12), st.integers(0, 200)),
                    min_size=rows * cols,
                    max_size=rows * cols,
                ),
            )
        )
    )
)
def test_no_hidden_cell_is_recoverable_from_the_margins(data: tuple[int, int, list[int]]) -> None:
    rows, cols, values = data
    cells = {(r, c): values[r * cols + c] for r in range(rows) for c in range(cols)}
    margins = table_margins(rows, cols)
    result = suppress(cells, margins, MIN)
    # every small non-zero cell is hidden ...
    assert {k for k, v in cells.items() if 0 < v < MIN} <= result.cells
    # ... and no hidden one follows from the shown cells and margins by subtraction
    assert recoverable(set(result.cells), margins, result.margins) == set()
    assert determined_by_rank(set(result.cells), margins, result.margins) == set()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=30))
def test_a_column_and_its_total(values: list[int]) -> None:
    cells = dict(enumerate(values))
    margins = [Margin("total", tuple(cells))]
    result = suppress(cells, margins, MIN)
    assert recoverable(set(result.cells), margins, result.margins) == set()
    # one hidden non-zero figure beside a shown total would be the total minus the rest
    if "total" not in result.margins:
        assert len(result.cells) != 1
