"""Small-cell suppression with secondary suppression.

A published table is a set of *cells* (counts) and *margins* (published sums of
some of the cells: a row total, a column total, the grand total). Primary
suppression hides every cell and margin with ``0 < count < min_cell``. That is not
enough: a reader who knows a margin and every other cell in it subtracts and
recovers the hidden one. Secondary suppression therefore hides more cells until no
hidden cell is *determined* by the published figures, checked exactly: the margins
are linear equations over the hidden cells (each margin's value minus its shown
cells), and a hidden cell is recoverable exactly when its unit vector lies in the
span of those equations (Gaussian elimination over the rationals). While one is,
the smallest shown non-zero cell of one of its margins is hidden too (and, when a
margin has none left, the margin itself). Each step hides one more figure, so it
ends.

What it does not promise: bounds. Two hidden cells whose margin says they sum to 3
are each between 0 and 3; that is the usual meaning of "suppressed" and is stated in
the exports' caveats.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
#: How a suppressed figure is written in CSV and on pages (the same for every one,
#: so it does not say whether a figure was small or hidden to protect another).
MARK = "[c]"


@dataclass(frozen=True)
class Margin(Generic[K]):
    """A published sum of ``cells``; ``name`` says which (``total``, ``2026-03``)."""

    name: str
    cells: tuple[K, ...]


@dataclass(frozen=True)
class Suppressed(Generic[K]):
    cells: frozenset[K]
    margins: frozenset[str]


def suppress(cells: Mapping[K, int], margins: Sequence[Margin[K]], min_cell: int) -> Suppressed[K]:
    """Which cells and margins to hide so no hidden figure can be worked out."""
    hidden = {k for k, v in cells.items() if 0 < v < min_cell}
    values = {m.name: sum(cells[c] for c in m.cells) for m in margins}
    hidden_margins = {m.name for m in margins if 0 < values[m.name] < min_cell}
    while True:
        found = _determined(hidden, hidden_margins, margins)
        if not found:
            return Suppressed(frozenset(hidden), frozenset(hidden_margins))
        _widen(found[0], cells, margins, hidden, hidden_margins)


def recoverable(
    hidden: set[K], margins: Sequence[Margin[K]], hidden_margins: frozenset[str] = frozenset()
) -> set[K]:
    """The hidden cells the published margins determine (for tests and checks)."""
    found = {v[1] for v in _determined(hidden, set(hidden_margins), margins) if v[0] == "cell"}
    return {k for k in hidden if k in found}


Var = tuple[str, object]


def _determined(
    hidden: set[K], hidden_margins: set[str], margins: Sequence[Margin[K]]
) -> list[Var]:
    """Hidden figures (``("cell", key)`` or ``("margin", name)``) that the published
    ones determine: the unknowns are the hidden cells and margins, one equation per
    margin (its cells minus itself equals what is shown)."""
    unknowns: list[Var] = [("cell", k) for k in sorted(hidden, key=repr)]
    unknowns += [("margin", n) for n in sorted(hidden_margins)]
    if not unknowns:
        return []
    index = {u: i for i, u in enumerate(unknowns)}
    rows = []
    for m in margins:
        row = [Fraction(0)] * len(unknowns)
        for c in m.cells:
            if c in hidden:
                row[index[("cell", c)]] = Fraction(1)
        if m.name in hidden_margins:
            row[index[("margin", m.name)]] = Fraction(-1)
        if any(row):
            rows.append(row)
    basis = _echelon(rows)
    return [u for i, u in enumerate(unknowns) if _in_span(basis, _unit(len(unknowns), i))]


def _widen(
    var: Var,
    cells: Mapping[K, int],
    margins: Sequence[Margin[K]],
    hidden: set[K],
    hidden_margins: set[str],
) -> None:
    """Hide one more figure so that ``var`` is less determined: in the margin around
    it that pins it hardest (fewest hidden cells), the shown cell that costs least
    (``_cost``); else such a margin itself."""
    kind, key = var
    if kind == "cell":
        around = [m for m in margins if key in m.cells]
    else:
        own = [m for m in margins if m.name == key]
        inside = set(own[0].cells) if own else set()
        around = own + [m for m in margins if m.name != key and inside & set(m.cells)]

    def shown(m: Margin[K]) -> list[K]:
        return [c for c in m.cells if c not in hidden]

    open_ = [m for m in around if shown(m)]
    if open_:
        best = min(open_, key=lambda m: (sum(c in hidden for c in m.cells), len(m.cells), m.name))
        hidden.add(min(shown(best), key=lambda c: _cost(c, best, cells, margins, hidden)))
        return
    unhidden = [m for m in around if m.name not in hidden_margins]
    if unhidden:
        hidden_margins.add(min(unhidden, key=lambda m: (len(m.cells), m.name)).name)
        return
    hidden.update(cells)  # nothing narrower breaks it: hide everything
    hidden_margins.update(m.name for m in margins)


def _cost(
    c: K, chosen: Margin[K], cells: Mapping[K, int], margins: Sequence[Margin[K]], hidden: set[K]
) -> tuple[int, bool, int, str]:
    """Prefer a cell whose other margins already hide something (it closes a cycle
    instead of starting a new chain), then a non-zero one, then the smallest."""
    fresh = sum(
        1
        for m in margins
        if m is not chosen and c in m.cells and not any(x in hidden for x in m.cells)
    )
    return (fresh, cells[c] == 0, cells[c], repr(c))


def _unit(n: int, i: int) -> list[Fraction]:
    row = [Fraction(0)] * n
    row[i] = Fraction(1)
    return row


def _echelon(rows: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    """A reduced basis of the rows' span: (pivot column, row) pairs."""
    basis: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        r = _reduce(basis, list(row))
        pivot = next((j for j, v in enumerate(r) if v != 0), None)
        if pivot is None:
            continue
        scale = r[pivot]
        r = [v / scale for v in r]
        basis = [(p, _eliminate(b, r, pivot)) for p, b in basis]
        basis.append((pivot, r))
    return basis


def _eliminate(row: list[Fraction], by: list[Fraction], pivot: int) -> list[Fraction]:
    f = row[pivot]
    return row if f == 0 else [a - f * b for a, b in zip(row, by, strict=True)]


def _reduce(basis: list[tuple[int, list[Fraction]]], row: list[Fraction]) -> list[Fraction]:
    for pivot, b in basis:
        row = _eliminate(row, b, pivot)
    return row


def _in_span(basis: list[tuple[int, list[Fraction]]], row: list[Fraction]) -> bool:
    return not any(_reduce(basis, row))
