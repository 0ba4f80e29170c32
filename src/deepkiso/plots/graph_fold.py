"""Where to fold a wide computational graph into rows, so that its picture has a slide's shape.

Pure geometry, like ``graph_layout`` (which calls it): ``fold`` picks the
columns at which rows begin, ``choose_rows`` how many rows make the picture
between 4:3 and 2.5:1 (``SLIDE_ASPECT``), measured by a function the caller
passes (the matplotlib figure's size, or Graphviz's drawing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["fold", "choose_rows", "SLIDE_ASPECT", "FOLD_WIDTH", "WRAP_MARGIN"]

WRAP_MARGIN = 0.7  # inches left of a folded row, for the edges that come in from the row above
# Width over height that a slide's figure should have: between 4:3 and 2.5:1.
SLIDE_ASPECT = (4 / 3, 2.5)
# A picture up to this wide (inches, about a slide's width) stays in one row; margins shape it.
FOLD_WIDTH = 10.0
FOLD_COST = 0.1  # what one more fold weighs against a ratio outside SLIDE_ASPECT (log scale)


def fold(
    widths: list[float],
    gaps: list[float],
    crossings: list[int],
    max_width: float,
    rows: int | None = None,
) -> list[int]:
    """The first column of each row: as few rows as fit max_width, of even widths, cutting few edges.

    rows: this many rows instead (at most one per column), unless max_width needs more.
    Dynamic programming over the places to fold: a row costs its squared
    deviation from the even width, a fold costs the number of edges it cuts.
    """
    n = len(widths)

    def row_width(first: int, last: int) -> float:
        return (
            sum(widths[first : last + 1])
            + sum(gaps[first + 1 : last + 1])
            + (WRAP_MARGIN if first else 0.0)
        )

    total = row_width(0, n - 1)
    needed = int(np.ceil(total / max_width)) if total > max_width else 1
    wanted = min(max(rows or 1, needed), n)
    if wanted <= 1 or n < 2:
        return [0]
    target = total / wanted
    # best[k][e]: cost of laying out columns 0 .. e-1 in k rows; rows are added until wanted are
    # reached and the last column fits (max_width may need more rows than the even split says).
    best = [[0.0] + [np.inf] * n]
    choice = [[0] * (n + 1)]
    while len(best) <= wanted or not np.isfinite(best[-1][n]):
        previous = best[-1]
        costs, choices = [np.inf] * (n + 1), [0] * (n + 1)
        for e in range(1, n + 1):
            for first in range(e):
                if not np.isfinite(previous[first]):
                    continue
                width = row_width(first, e - 1)
                if width > max_width and e - 1 > first:
                    continue
                cost = (
                    previous[first]
                    + 4 * ((width - target) / target) ** 2
                    + (crossings[e - 1] if e < n else 0)
                )
                if cost < costs[e]:
                    costs[e], choices[e] = cost, first
        best.append(costs)
        choice.append(choices)
    k, e, starts = len(best) - 1, n, []
    while e > 0:
        starts.append(choice[k][e])
        e = choice[k][e]
        k -= 1
    return starts[::-1] or [0]


def choose_rows(
    layout: Any,  # a graph_layout.Layout, built and not yet placed
    max_width: float,
    size: Callable[[Any], tuple[float, float] | None],
    aspect: tuple[float, float] = SLIDE_ASPECT,
    max_rows: int = 6,
) -> int:
    """How many rows to fold layout into, so that its picture is slide-shaped; leaves it placed so.

    size(layout) gives the picture's (width, height) once placed, or None if it
    cannot be drawn so (that many rows is then skipped). The fewest rows whose
    width over height lies within aspect win; if none does, the rows whose ratio
    comes nearest (on a log scale, each fold counting as ``FOLD_COST`` of it:
    margins shape the picture more kindly than an extra fold). A picture no
    wider than ``FOLD_WIDTH`` in one row stays so (folding a short chain helps nobody).
    """
    low, high = aspect
    best_rows, best_score = 1, np.inf
    for rows in range(1, max_rows + 1):
        layout.place(max_width, rows)
        if len(layout.rows) < rows and rows > 1:
            break  # no more columns to fold at
        measured = size(layout)
        if measured is None:
            continue
        width, height = measured
        if rows == 1 and len(layout.rows) == 1 and width <= FOLD_WIDTH:
            return 1
        ratio = width / height
        distance = max(np.log(low / ratio), np.log(ratio / high), 0.0)
        if distance == 0.0:
            best_rows = len(layout.rows)
            break
        score = distance + FOLD_COST * (len(layout.rows) - 1)
        if score < best_score:
            best_rows, best_score = len(layout.rows), score
        if ratio < low:
            break
    layout.place(max_width, best_rows)
    return best_rows
