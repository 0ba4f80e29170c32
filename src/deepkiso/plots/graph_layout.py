"""The layered layout of a computational graph: where each node and edge goes, in inches.

Pure geometry on a ``deepkiso.graph`` graph, with no matplotlib: text widths come from the
``measure`` function the caller passes (``deepkiso.plots.graph`` measures glyph outlines), so the
layout can be tested with any stand-in. ``deepkiso.plots.graph`` draws the result.

The layout is the classic layered one. Each node's rank (its column) is the
longest path from the inputs; then side branches (an input, a constant and its
reciprocal) move right until they sit just left of the node that reads them.
Edges that skip columns get invisible waypoints, one per column, so
every edge joins neighbouring columns. Sweeps that sort each column by the
average position of its neighbours (the barycenter heuristic) reduce the
crossings, and then each column is nudged towards its neighbours' heights,
keeping the order and a minimum gap, so that edges run as straight as they can.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from deepkiso.graph import (
    COLORS,
    Operation,
    Variable,
    format_value,
    gradient_name,
    graph_variables,
    topological_operations,
)
from deepkiso.graph.labels import pretty
from deepkiso.plots.graph_fold import FOLD_WIDTH, SLIDE_ASPECT, WRAP_MARGIN, choose_rows, fold

__all__ = [
    "Layout",
    "Node",
    "Edge",
    "Measure",
    "fold",
    "edge_routes",
    "edge_route",
    "clip",
    "offset",
    "unit_normal",
    "pretty",
    "value_lines",
    "carries_gradient",
    "choose_rows",
    "SLIDE_ASPECT",
    "FOLD_WIDTH",
]

# measure(text, size in points, weight) -> width in inches
Measure = Callable[[str, float, str], float]

FONT_SIZE = 10.0  # points, for the text in value nodes
SYMBOL_SIZE = 12.0  # points, for the symbol in operation nodes
LABEL_SIZE = 9.0  # points, for the local derivatives on gradient edges
LINE_HEIGHT = 1.45 * FONT_SIZE / 72  # inches
PAD = 0.10  # inches of padding inside a value node
ROW_GAP = 0.45  # inches between nodes in one column
MIN_COLUMN_GAP = 0.45  # inches between columns
PARALLEL_SPACING = 0.3  # inches between two edges from one value into one operation
ROW_SPACING = 1.0  # inches between folded rows
WRAP_SPACING = 0.22  # inches between edges that wrap at the same fold
CORNER = 0.18  # inches: the radius of the bends where an edge wraps to the next row
UPSTREAM_LENGTH = 0.9  # inches: the arrow that brings a general upstream gradient into the output


def value_lines(
    v: Variable,
    output: Variable,
    show_gradients: bool,
    max_items: int,
    upstream: str | None = None,
) -> list[tuple[str, str, str]]:
    """The lines of a value node as (text, colour, weight)."""
    c = COLORS
    name = pretty(v.name) if v.name else None
    lines = []
    if v.data.ndim == 0:
        value = format_value(v.data)
        if name and name != value:  # a constant named after its value ("2") shows it once
            lines.append((f"{name} = {value}", c["text"], "bold"))
        else:
            lines.append((value, c["text"], "normal"))
    else:
        shape = "×".join(str(n) for n in v.shape) if v.ndim > 1 else f"{v.shape[0]}"
        lines.append(
            (
                f"{name}  ({shape})" if name else f"({shape})",
                c["text"],
                "bold" if name else "normal",
            )
        )
        lines.append((_numbers(v.data, max_items), c["text"], "normal"))
    if show_gradients and v.grad is not None:
        numbers = format_value(v.grad) if v.grad.ndim == 0 else _numbers(v.grad, max_items)
        name = pretty(gradient_name(v, output, upstream))
        lines.append((f"{name} = {numbers}", c["gradient"], "normal"))
    return lines


def _numbers(a: np.ndarray, max_items: int) -> str:
    text = format_value(a, max_items)
    return text[text.index("[") :]  # the shape is on the line above


# -------------------------------------------------------------------------------------------
# Layout
# -------------------------------------------------------------------------------------------


@dataclass
class Node:
    kind: str  # "value", "op" or "waypoint"
    item: Variable | Operation | None
    width: float  # inches
    height: float
    lines: list = field(default_factory=list)  # value nodes only: (text, colour, weight) per line
    rank: int = 0
    x: float = 0.0  # centre, inches
    y: float = 0.0  # centre, inches, growing downwards

    def contains(self, px: float, py: float, margin: float = 0.0) -> bool:
        dx, dy = abs(px - self.x), abs(py - self.y)
        if self.kind == "op":
            a, b = self.width / 2 + margin, self.height / 2 + margin
            return (dx / a) ** 2 + (dy / b) ** 2 <= 1
        if self.kind == "value":
            return dx <= self.width / 2 + margin and dy <= self.height / 2 + margin
        return False


@dataclass
class Edge:
    """One forward edge of the graph (value → op or op → value) and its path through waypoints."""

    source: int
    target: int
    op: Operation
    input_index: int | None  # which input of op this edge feeds; None for op → its output
    path: list[int] = field(
        default_factory=list
    )  # node indices from source to target, waypoints between


class Layout:
    """Nodes, edges and their places; all lengths in inches."""

    def __init__(self, measure: Measure, upstream: str | None = None):
        self.measure = measure  # text widths, in inches
        self.upstream = upstream  # the loss a general upstream gradient comes from, if any
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.columns: list[list[int]] = []  # node indices per rank, top to bottom
        self.rows: list[
            tuple[int, int, float]
        ] = []  # folded rows: (first rank, last rank, y offset)
        self.wraps: dict[
            tuple[int, int], tuple[int, int]
        ] = {}  # link cut by a fold: (its place, how many)
        self.output: Variable | None = None
        self._heights: list[float] | None = None  # each node's height before rows are stacked

    @classmethod
    def build(
        cls,
        output: Variable,
        show_gradients: bool,
        max_items: int,
        measure: Measure,
        upstream: str | None = None,
    ) -> Layout:
        """The nodes and edges of output's graph, ranked into columns and ordered; ``place`` sets coordinates.

        upstream: see ``value_lines``; the output then gets an incoming gradient arrow.
        """
        layout = cls(measure, upstream)
        layout.output = output
        operations = topological_operations(output)
        variables = graph_variables(output, operations)
        index: dict[int, int] = {}
        for v in variables:
            lines = value_lines(v, output, show_gradients, max_items, upstream)
            width = max(measure(t, FONT_SIZE, w) for t, _, w in lines) + 2 * PAD
            index[id(v)] = layout._add(
                Node("value", v, width, len(lines) * LINE_HEIGHT + 2 * PAD, lines)
            )
        for op in operations:
            width = max(measure(op.symbol, SYMBOL_SIZE, "normal") + 0.24, 0.46)
            index[id(op)] = layout._add(Node("op", op, width, 0.46))
        for op in operations:
            for k, x in enumerate(op.inputs):
                layout.edges.append(Edge(index[id(x)], index[id(op)], op, k))
            layout.edges.append(Edge(index[id(op)], index[id(op.output)], op, None))
        layout._rank(operations, variables, index)
        layout._add_waypoints()
        layout._order()
        return layout

    def _add(self, node: Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _rank(self, operations, variables, index) -> None:
        """Rank = longest path from the inputs; then every node moves right until it sits next to its first reader.

        The second pass keeps the longest chain as it is and brings side
        branches (an input, a constant and its reciprocal) beside the node that
        reads them, instead of leaving them far away in the first column.
        """
        rank = {id(v): 0 for v in variables if v.creator is None}
        order = [id(v) for v in variables if v.creator is None]
        for op in operations:
            rank[id(op)] = 1 + max(rank[id(x)] for x in op.inputs)
            rank[id(op.output)] = rank[id(op)] + 1
            order += [id(op), id(op.output)]
        readers: dict[int, list[int]] = {}
        for op in operations:
            for x in op.inputs:
                readers.setdefault(id(x), []).append(id(op))
            readers[id(op)] = [id(op.output)]
        for key in reversed(order):
            if readers.get(key):
                rank[key] = min(rank[r] for r in readers[key]) - 1
        for key, i in index.items():
            self.nodes[i].rank = rank[key]

    def _add_waypoints(self) -> None:
        for edge in self.edges:
            path = [edge.source]
            for r in range(self.nodes[edge.source].rank + 1, self.nodes[edge.target].rank):
                path.append(self._add(Node("waypoint", None, 0.0, 0.12, rank=r)))
            path.append(edge.target)
            edge.path = path
        n_ranks = max(node.rank for node in self.nodes) + 1
        self.columns = [[] for _ in range(n_ranks)]
        for i, node in enumerate(self.nodes):
            self.columns[node.rank].append(i)

    def _links(self) -> list[tuple[int, int]]:
        return [(a, b) for edge in self.edges for a, b in zip(edge.path, edge.path[1:])]

    def _order(self, sweeps: int = 12) -> None:
        """Barycenter sweeps, left to right then right to left, keeping the order with fewest crossings."""
        links = self._links()
        left: dict[int, list[int]] = {i: [] for i in range(len(self.nodes))}
        right: dict[int, list[int]] = {i: [] for i in range(len(self.nodes))}
        for a, b in links:
            right[a].append(b)
            left[b].append(a)
        best, best_crossings = [list(c) for c in self.columns], self._crossings(links)
        for sweep in range(sweeps):
            downward = sweep % 2 == 0
            ranks = (
                range(1, len(self.columns)) if downward else range(len(self.columns) - 2, -1, -1)
            )
            for r in ranks:
                position = {i: p for c in self.columns for p, i in enumerate(c)}
                neighbours = left if downward else right

                def barycenter(i, position=position, neighbours=neighbours):
                    near = neighbours[i]
                    return sum(position[j] for j in near) / len(near) if near else position[i]

                self.columns[r].sort(key=barycenter)
            crossings = self._crossings(links)
            if crossings < best_crossings:
                best, best_crossings = [list(c) for c in self.columns], crossings
        self.columns = best

    def _crossings(self, links) -> int:
        """How many pairs of links cross: both leave one column, in one order, and arrive in the other."""
        position = {i: p for c in self.columns for p, i in enumerate(c)}
        by_column: dict[int, list[tuple[int, int]]] = {}
        for a, b in links:
            by_column.setdefault(self.nodes[a].rank, []).append((position[a], position[b]))
        count = 0
        for pairs in by_column.values():
            for k, (a1, b1) in enumerate(pairs):
                count += sum((a1 - a2) * (b1 - b2) < 0 for a2, b2 in pairs[k + 1 :])
        return count

    # -- coordinates ---------------------------------------------------------------------------
    def place(self, max_width: float, rows: int | None = None) -> None:
        """Give every node its centre (x, y), in inches.

        rows: fold into exactly this many rows (or as few as fit max_width, if more are
        needed); None: as few rows as fit max_width. Placing again (other rows) is cheap:
        the heights within a row are computed once.
        """
        if self._heights is None:
            self._place_vertically()
            self._heights = [n.y for n in self.nodes]
        for node, y in zip(self.nodes, self._heights):
            node.y = y
        self._place_horizontally(max_width, rows)

    def extent(self) -> tuple[float, float, float, float]:
        """The drawing's (left, top, right, bottom), in inches: nodes and edges, the upstream arrow."""
        routes, _unused = edge_routes(self)
        drawn = [n for n in self.nodes if n.kind != "waypoint"]
        xs = [n.x - n.width / 2 for n in drawn] + [n.x + n.width / 2 for n in drawn]
        xs += [p[0] for points, _unused in routes for p in points]
        ys = [n.y - n.height / 2 for n in drawn] + [n.y + n.height / 2 for n in drawn]
        ys += [p[1] for points, _unused in routes for p in points]
        arrow = self.upstream_arrow()
        if arrow is not None:
            (x0, y0), (x1, y1), _label = arrow
            xs += [x0, x1]
            ys += [y0 - 0.3, y1]
        return min(xs), min(ys), max(xs), max(ys)

    def upstream_arrow(self) -> tuple[tuple[float, float], tuple[float, float], str] | None:
        """Where the general upstream gradient comes into the output: (start, end, label), or None."""
        output = self.output
        if self.upstream is None or output is None or output.grad is None:
            return None
        node = next(n for n in self.nodes if n.item is output)
        label = pretty(gradient_name(output, output, self.upstream))
        if output.grad.ndim == 0:
            label += f" = {format_value(output.grad)}"
        end = (node.x + node.width / 2, node.y)
        start_x = end[0] + max(UPSTREAM_LENGTH, self.measure(label, LABEL_SIZE, "normal") + 0.3)
        return (start_x, node.y), end, label

    def _place_vertically(self, iterations: int = 40) -> None:
        """Nudge each column towards its neighbours' heights, keeping its order and the gaps."""
        links = self._links()
        neighbours: dict[int, list[tuple[int, float]]] = {i: [] for i in range(len(self.nodes))}
        for a, b in links:
            # Waypoint chains and an operation's own output pull harder: long edges run straight.
            weight = (
                1.0
                + 2.0 * (self.nodes[a].kind == "waypoint")
                + 2.0 * (self.nodes[b].kind == "waypoint")
            )
            weight += 2.0 * (self.nodes[a].kind == "op")
            neighbours[a].append((b, weight))
            neighbours[b].append((a, weight))
        for column in self.columns:
            self._project(column, [0.0] * len(column))
        for it in range(iterations):
            ranks = (
                range(len(self.columns)) if it % 2 == 0 else range(len(self.columns) - 1, -1, -1)
            )
            for r in ranks:
                column = self.columns[r]
                wanted = []
                for i in column:
                    near = neighbours[i]
                    total = sum(w for _, w in near)
                    wanted.append(
                        sum(self.nodes[j].y * w for j, w in near) / total
                        if total
                        else self.nodes[i].y
                    )
                self._project(column, wanted)

    def _project(self, column: list[int], wanted: list[float]) -> None:
        """Heights closest to wanted (least squares) with each node at least a gap below the one above.

        With offsets c_i (the gaps summed so far), z_i = y_i − c_i must not
        decrease; the closest such z is the pool-adjacent-violators average.
        """
        offsets = [0.0]
        for above, below in itertools.pairwise(column):
            gap = (self.nodes[above].height + self.nodes[below].height) / 2 + ROW_GAP
            offsets.append(offsets[-1] + gap)
        blocks: list[list[float]] = []  # [mean, count]
        for w, c in zip(wanted, offsets):
            blocks.append([w - c, 1])
            while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
                m2, n2 = blocks.pop()
                m1, n1 = blocks.pop()
                blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
        z = [m for m, n in blocks for _ in range(int(n))]
        for i, zi, c in zip(column, z, offsets):
            self.nodes[i].y = zi + c

    def _place_horizontally(self, max_width: float, rows: int | None = None) -> None:
        """Columns left to right, each gap wide enough for the labels in it; fold into rows if too wide."""
        widths = [
            max((self.nodes[i].width for i in column), default=0.0) for column in self.columns
        ]
        gaps = [MIN_COLUMN_GAP] * len(self.columns)  # gaps[r]: the gap left of column r
        for edge in self.edges:
            if edge.input_index is not None:
                label = pretty(edge.op.gradient_labels[edge.input_index])
                r = self.nodes[edge.target].rank
                gaps[r] = max(gaps[r], self.measure(label, LABEL_SIZE, "normal") + 0.3)
        starts = fold(widths, gaps, self._crossing_links(), max_width, rows)
        self.rows = []
        for k, first in enumerate(starts):
            last = starts[k + 1] - 1 if k + 1 < len(starts) else len(self.columns) - 1
            self.rows.append((first, last, 0.0))
            x = 0.0
            for r in range(first, last + 1):
                x += gaps[r] if r > first else WRAP_MARGIN if k > 0 else 0.0
                for i in self.columns[r]:
                    self.nodes[i].x = x + widths[r] / 2
                x += widths[r]
        self._stack_rows()
        self.wraps = {}
        for k in range(len(self.rows) - 1):
            folded = [(a, b) for a, b in self._links() if self.nodes[a].rank == self.rows[k][1]]
            folded.sort(key=lambda link: self.nodes[link[1]].y)
            self.wraps.update({link: (j, len(folded)) for j, link in enumerate(folded)})

    def _crossing_links(self) -> list[int]:
        """For each column r, the cost of folding after it: the links it would cut from r to r + 1.

        Cutting an input or constant away from the only node that reads it
        reads worst, so such a link counts three times.
        """
        counts = [0] * len(self.columns)
        for a, _ in self._links():
            node = self.nodes[a]
            leaf = (
                node.kind == "value"
                and isinstance(node.item, Variable)  # what a value node holds
                and node.item.creator is None
            )
            counts[node.rank] += 3 if leaf else 1
        return counts

    def _stack_rows(self) -> None:
        """Shift each folded row below the one before, leaving a lane for the edges that wrap between them."""
        offset = 0.0
        for k, (first, last, _) in enumerate(self.rows):
            members = [i for r in range(first, last + 1) for i in self.columns[r]]
            top = min(self.nodes[i].y - self.nodes[i].height / 2 for i in members)
            bottom = max(self.nodes[i].y + self.nodes[i].height / 2 for i in members)
            for i in members:
                self.nodes[i].y += offset - top
            self.rows[k] = (first, last, offset)
            offset += bottom - top + ROW_SPACING

    def row_of(self, rank: int) -> int:
        return next(k for k, (first, last, _) in enumerate(self.rows) if first <= rank <= last)


def edge_routes(layout: Layout) -> tuple[list, list[float]]:
    """Every edge's route, and how far it is shifted sideways from its nodes' centres.

    The same value read twice by one operation (x * x) gives parallel edges,
    which are spread apart so that both stay visible.
    """
    routes = [edge_route(layout, edge) for edge in layout.edges]
    twins: dict[tuple[int, int], list[int]] = {}
    for k, edge in enumerate(layout.edges):
        twins.setdefault((edge.source, edge.target), []).append(k)
    shifts = [0.0] * len(layout.edges)
    for group in twins.values():
        for m, k in enumerate(group):
            shifts[k] = (m - (len(group) - 1) / 2) * PARALLEL_SPACING
            if shifts[k]:
                points, radii = routes[k]
                routes[k] = ([tuple(p) for p in offset(points, shifts[k])], radii)
    return routes, shifts


def carries_gradient(edge: Edge) -> bool:
    assert edge.op.output is not None  # an operation in a graph has been called
    if edge.op.output.grad is None:
        return False
    return edge.input_index is None or edge.op.inputs[edge.input_index].grad is not None


def edge_route(layout: Layout, edge: Edge) -> tuple[list[tuple[float, float]], list[float]]:
    """The centres along the edge's path and, for each point, how round its bend may be.

    Waypoints bend smoothly (radius unlimited: half the shorter neighbouring
    stretch). An edge that wraps to the next row runs right, down to the lane
    between the rows, left along it, down again and into its node, with small
    rounded corners.
    """
    points = [(layout.nodes[edge.source].x, layout.nodes[edge.source].y)]
    radii = [0.0]
    for a, b in zip(edge.path, edge.path[1:]):
        na, nb = layout.nodes[a], layout.nodes[b]
        row = layout.row_of(nb.rank)
        if layout.row_of(na.rank) != row:
            lane = layout.rows[row][2] - ROW_SPACING / 2
            out_x = na.x + na.width / 2 + 0.3
            in_x = nb.x - nb.width / 2 - 0.3
            # Several edges wrapping at one fold nest without crossing: the one to the highest
            # target runs outermost on the right, lowest in the lane and innermost on the left.
            j, n = layout.wraps[(a, b)]
            lane += (n - 1 - 2 * j) * WRAP_SPACING / 2
            out_x += (n - 1 - j) * WRAP_SPACING
            in_x -= j * WRAP_SPACING
            points += [(out_x, na.y), (out_x, lane), (in_x, lane), (in_x, nb.y)]
            radii += [CORNER] * 4
        points.append((nb.x, nb.y))
        radii.append(np.inf if nb.kind == "waypoint" else 0.0)
    return points, radii


def clip(points, start: Node, end: Node, margin: float = 0.02) -> list[np.ndarray]:
    """The polyline trimmed where it leaves start's outline and where it enters end's."""
    pts = [np.array(p, dtype=float) for p in points]
    pts[0] = boundary(pts[0], pts[1], start, margin)
    pts[-1] = boundary(pts[-1], pts[-2], end, margin)
    return pts


def boundary(inside: np.ndarray, outside: np.ndarray, node: Node, margin: float) -> np.ndarray:
    """The point where the segment from inside to outside crosses node's outline (by bisection)."""
    # (x, y) points, passed as two numbers (a starred array has no length mypy can check)
    if not node.contains(inside[0], inside[1], margin) or node.contains(
        outside[0], outside[1], margin
    ):
        return inside
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        point = inside + mid * (outside - inside)
        if node.contains(point[0], point[1], margin):
            lo = mid
        else:
            hi = mid
    return inside + hi * (outside - inside)


def offset(points, distance: float) -> list[np.ndarray]:
    """The polyline moved sideways by distance, to the right of its direction (below, for left to right).

    Mitred, so that the copy stays parallel through the bends.
    """
    pts = np.array(points, dtype=float)
    out = []
    for k in range(len(pts)):
        before = pts[k] - pts[k - 1] if k > 0 else pts[k + 1] - pts[k]
        after = pts[k + 1] - pts[k] if k < len(pts) - 1 else before
        n_before = unit_normal(before)
        n_after = unit_normal(after)
        normal = n_before + n_after
        normal /= np.linalg.norm(normal) or 1
        out.append(pts[k] + normal * distance / max(0.3, float(normal @ n_before)))
    return out


def unit_normal(direction: np.ndarray) -> np.ndarray:
    """The unit normal on the right-hand side of direction (y grows downwards)."""
    length = np.linalg.norm(direction) or 1
    return np.array([-direction[1], direction[0]]) / length
