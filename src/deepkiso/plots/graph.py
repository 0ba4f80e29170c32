"""Drawing a computational graph with every node's forward value and gradient.

This serves the chain-rule and computational-graph slides and the two group
works (the detailed squared-error and tanh graphs): ``draw_graph`` returns a
matplotlib Figure of a ``deepkiso.graph`` graph, laid out left to right by our
own layered layout, so it needs nothing beyond matplotlib. ``save_graph``
writes .svg, .png or .dot, using Graphviz's ``dot`` for the pictures when it is
installed and matplotlib otherwise. ``show_graph`` wraps a graph for Jupyter,
where it shows inline as SVG.

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

import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath

from deepkiso.files import write_atomically
from deepkiso.graph import (
    COLORS,
    Operation,
    Variable,
    format_value,
    gradient_name,
    graph_variables,
    to_dot,
    topological_operations,
)

__all__ = ["draw_graph", "save_graph", "show_graph", "GraphView", "RENDERERS", "SUFFIXES"]

RENDERERS = ("auto", "dot", "matplotlib")
SUFFIXES = (".svg", ".png", ".dot")

FONT_SIZE = 10.0  # points, for the text in value nodes
SYMBOL_SIZE = 12.0  # points, for the symbol in operation nodes
LABEL_SIZE = 9.0  # points, for the local derivatives on gradient edges
LINE_HEIGHT = 1.45 * FONT_SIZE / 72  # inches
PAD = 0.10  # inches of padding inside a value node
ROW_GAP = 0.45  # inches between nodes in one column
MIN_COLUMN_GAP = 0.45  # inches between columns
BACKWARD_OFFSET = 0.085  # inches between a forward edge and its gradient edge
PARALLEL_SPACING = 0.3  # inches between two edges from one value into one operation
WRAP_MARGIN = 0.7  # inches left of a folded row, for the edges that come in from the row above
ROW_SPACING = 1.0  # inches between folded rows
WRAP_SPACING = 0.22  # inches between edges that wrap at the same fold
CORNER = 0.18  # inches: the radius of the bends where an edge wraps to the next row
MARGIN = 0.3  # inches around the drawing
TITLE_SPACE = 0.45  # inches above the drawing for a title
LEGEND_SPACE = 0.4  # inches below it for the legend
LEGEND_WIDTH = 6.2  # inches: no figure is narrower, so the legend always fits
_POINTS = 72.0


# -------------------------------------------------------------------------------------------
# Public API
# -------------------------------------------------------------------------------------------

def draw_graph(output: Variable, *, title: str | None = None, show_gradients: bool = True,
               max_items: int = 3, max_width: float = 18.0) -> Figure:
    """A Figure of the graph output was computed by, inputs on the left, output on the right.

    Value nodes are boxes: name and forward value (a scalar to 4 significant
    digits; an array as its shape and its first ``max_items`` numbers) and,
    after ``output.backward()``, the gradient in red. Constants are grey.
    Operation nodes are ellipses with their symbol. Forward edges are solid;
    under each one a dashed red edge carries the gradient back, labelled with
    the local derivative it multiplies by.

    max_width: inches; a wider graph is folded into rows (read left to right,
    then the next row) so that it still fits a slide.
    """
    layout = _Layout.build(output, show_gradients, max_items)
    layout.place(max_width)
    return _render(layout, title, show_gradients)


def save_graph(output: Variable, path: str | os.PathLike, *, renderer: str = "auto", title: str | None = None,
               dpi: int = 150, max_width: float = 18.0) -> str:
    """Write the graph to path, by its suffix: .svg or .png (a picture) or .dot (Graphviz's text).

    renderer: "auto" uses Graphviz's ``dot`` when it is on the PATH and
    matplotlib otherwise; "dot" or "matplotlib" forces one. The file is
    written under a temporary name and renamed, so it is never half-written.
    Returns the renderer used: "dot", "matplotlib" or "text" (for .dot).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"save_graph: cannot write {path.name!r}; the file name must end in one of {list(SUFFIXES)}")
    if renderer not in RENDERERS:
        raise ValueError(f"save_graph: unknown renderer {renderer!r}; choose one of {list(RENDERERS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".dot":
        write_atomically(path, lambda tmp: Path(tmp).write_text(to_dot(output, title=title), encoding="utf-8"))
        return "text"
    dot = shutil.which("dot")
    if renderer == "dot" and dot is None:
        raise ValueError("save_graph: the renderer 'dot' needs Graphviz's dot program, which is not on the "
                         "PATH; install Graphviz or use the matplotlib renderer")
    if dot is not None and renderer != "matplotlib":
        write_atomically(path, lambda tmp: _run_dot(dot, to_dot(output, title=title), suffix[1:], tmp, dpi))
        return "dot"
    figure = draw_graph(output, title=title, max_width=max_width)
    write_atomically(path, lambda tmp: _save_figure(figure, tmp, suffix[1:], dpi))
    return "matplotlib"


@dataclass
class GraphView:
    """A graph to look at: shows inline in Jupyter (as SVG) and saves to a file.

    ``GraphView(y)`` or ``show_graph(y)`` as the last line of a notebook cell
    draws y's graph with values and gradients as they are at that moment.
    """

    output: Variable
    title: str | None = None
    max_width: float = 18.0

    def figure(self) -> Figure:
        """The drawing as a matplotlib Figure."""
        return draw_graph(self.output, title=self.title, max_width=self.max_width)

    def save(self, path: str | os.PathLike, **options) -> str:
        """save_graph(self.output, path, **options); returns the renderer used."""
        return save_graph(self.output, path, title=self.title, max_width=self.max_width, **options)

    def to_dot(self) -> str:
        """The graph in Graphviz's DOT language."""
        return to_dot(self.output, title=self.title)

    def _repr_svg_(self) -> str:
        buffer = io.StringIO()
        self.figure().savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()


def show_graph(output: Variable, *, title: str | None = None, max_width: float = 18.0) -> GraphView:
    """A GraphView of output's graph, for Jupyter: it shows inline as an SVG drawing."""
    return GraphView(output, title, max_width)


# -------------------------------------------------------------------------------------------
# Writing files
# -------------------------------------------------------------------------------------------

def _save_figure(figure: Figure, tmp: str, fmt: str, dpi: int) -> None:
    # No date in the SVG's metadata, so the same graph always gives the same file.
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)


def _run_dot(dot: str, text: str, fmt: str, tmp: str, dpi: int) -> None:
    result = subprocess.run([dot, f"-T{fmt}", f"-Gdpi={dpi}", "-o", tmp], input=text.encode("utf-8"),
                            capture_output=True, timeout=120, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip()
        raise RuntimeError(f"Graphviz dot failed with exit code {result.returncode}: {message}")


# -------------------------------------------------------------------------------------------
# Text of the nodes
# -------------------------------------------------------------------------------------------

def _pretty(text: str) -> str:
    """Trailing digits of names as subscripts, as on the slides: x1 → x₁, W2 → W₂."""
    subscripts = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    return re.sub(r"\b([A-Za-z]+)(\d+)\b", lambda m: m.group(1) + m.group(2).translate(subscripts), text)


def _value_lines(v: Variable, output: Variable, show_gradients: bool, max_items: int) -> list[tuple[str, str, str]]:
    """The lines of a value node as (text, colour, weight)."""
    c = COLORS
    name = _pretty(v.name) if v.name else None
    lines = []
    if v.data.ndim == 0:
        value = format_value(v.data)
        if name and name != value:  # a constant named after its value ("2") shows it once
            lines.append((f"{name} = {value}", c["text"], "bold"))
        else:
            lines.append((value, c["text"], "normal"))
    else:
        shape = "×".join(str(n) for n in v.shape) if v.ndim > 1 else f"{v.shape[0]}"
        lines.append((f"{name}  ({shape})" if name else f"({shape})", c["text"], "bold" if name else "normal"))
        lines.append((_numbers(v.data, max_items), c["text"], "normal"))
    if show_gradients and v.grad is not None:
        numbers = format_value(v.grad) if v.grad.ndim == 0 else _numbers(v.grad, max_items)
        lines.append((f"{_pretty(gradient_name(v, output))} = {numbers}", c["gradient"], "normal"))
    return lines


def _numbers(a: np.ndarray, max_items: int) -> str:
    text = format_value(a, max_items)
    return text[text.index("[") :]  # the shape is on the line above


def _text_width(text: str, size: float, weight: str = "normal") -> float:
    """Width of text in inches, measured from the glyph outlines (needs no renderer)."""
    if not text:
        return 0.0
    prop = FontProperties(family="DejaVu Sans", weight=weight)
    return TextPath((0, 0), text, size=size, prop=prop).get_extents().width / _POINTS


# -------------------------------------------------------------------------------------------
# Layout
# -------------------------------------------------------------------------------------------

@dataclass
class _Node:
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
class _Edge:
    """One forward edge of the graph (value → op or op → value) and its path through waypoints."""

    source: int
    target: int
    op: Operation
    input_index: int | None  # which input of op this edge feeds; None for op → its output
    path: list[int] = field(default_factory=list)  # node indices from source to target, waypoints between


class _Layout:
    """Nodes, edges and their places; all lengths in inches."""

    def __init__(self):
        self.nodes: list[_Node] = []
        self.edges: list[_Edge] = []
        self.columns: list[list[int]] = []  # node indices per rank, top to bottom
        self.rows: list[tuple[int, int, float]] = []  # folded rows: (first rank, last rank, y offset)
        self.wraps: dict[tuple[int, int], tuple[int, int]] = {}  # link cut by a fold: (its place, how many)

    @classmethod
    def build(cls, output: Variable, show_gradients: bool, max_items: int) -> "_Layout":
        layout = cls()
        operations = topological_operations(output)
        variables = graph_variables(output, operations)
        index: dict[int, int] = {}
        for v in variables:
            lines = _value_lines(v, output, show_gradients, max_items)
            width = max(_text_width(t, FONT_SIZE, w) for t, _, w in lines) + 2 * PAD
            index[id(v)] = layout._add(_Node("value", v, width, len(lines) * LINE_HEIGHT + 2 * PAD, lines))
        for op in operations:
            width = max(_text_width(op.symbol, SYMBOL_SIZE) + 0.24, 0.46)
            index[id(op)] = layout._add(_Node("op", op, width, 0.46))
        for op in operations:
            for k, x in enumerate(op.inputs):
                layout.edges.append(_Edge(index[id(x)], index[id(op)], op, k))
            layout.edges.append(_Edge(index[id(op)], index[id(op.output)], op, None))
        layout._rank(operations, variables, index)
        layout._add_waypoints()
        layout._order()
        return layout

    def _add(self, node: _Node) -> int:
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
                path.append(self._add(_Node("waypoint", None, 0.0, 0.12, rank=r)))
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
        left = {i: [] for i in range(len(self.nodes))}
        right = {i: [] for i in range(len(self.nodes))}
        for a, b in links:
            right[a].append(b)
            left[b].append(a)
        best, best_crossings = [list(c) for c in self.columns], self._crossings(links)
        for sweep in range(sweeps):
            downward = sweep % 2 == 0
            ranks = range(1, len(self.columns)) if downward else range(len(self.columns) - 2, -1, -1)
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
    def place(self, max_width: float) -> None:
        """Give every node its centre (x, y), in inches."""
        self._place_vertically()
        self._place_horizontally(max_width)

    def _place_vertically(self, iterations: int = 40) -> None:
        """Nudge each column towards its neighbours' heights, keeping its order and the gaps."""
        links = self._links()
        neighbours: dict[int, list[tuple[int, float]]] = {i: [] for i in range(len(self.nodes))}
        for a, b in links:
            # Waypoint chains and an operation's own output pull harder: long edges run straight.
            weight = 1.0 + 2.0 * (self.nodes[a].kind == "waypoint") + 2.0 * (self.nodes[b].kind == "waypoint")
            weight += 2.0 * (self.nodes[a].kind == "op")
            neighbours[a].append((b, weight))
            neighbours[b].append((a, weight))
        for column in self.columns:
            self._project(column, [0.0] * len(column))
        for it in range(iterations):
            ranks = range(len(self.columns)) if it % 2 == 0 else range(len(self.columns) - 1, -1, -1)
            for r in ranks:
                column = self.columns[r]
                wanted = []
                for i in column:
                    near = neighbours[i]
                    total = sum(w for _, w in near)
                    wanted.append(sum(self.nodes[j].y * w for j, w in near) / total if total else self.nodes[i].y)
                self._project(column, wanted)

    def _project(self, column: list[int], wanted: list[float]) -> None:
        """Heights closest to wanted (least squares) with each node at least a gap below the one above.

        With offsets c_i (the gaps summed so far), z_i = y_i − c_i must not
        decrease; the closest such z is the pool-adjacent-violators average.
        """
        offsets = [0.0]
        for above, below in zip(column, column[1:]):
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

    def _place_horizontally(self, max_width: float) -> None:
        """Columns left to right, each gap wide enough for the labels in it; fold into rows if too wide."""
        widths = [max((self.nodes[i].width for i in column), default=0.0) for column in self.columns]
        gaps = [MIN_COLUMN_GAP] * len(self.columns)  # gaps[r]: the gap left of column r
        for edge in self.edges:
            if edge.input_index is not None:
                label = _pretty(edge.op.gradient_labels[edge.input_index])
                r = self.nodes[edge.target].rank
                gaps[r] = max(gaps[r], _text_width(label, LABEL_SIZE) + 0.3)
        starts = _fold(widths, gaps, self._crossing_links(), max_width)
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
            leaf = node.kind == "value" and node.item.creator is None
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


def _fold(widths: list[float], gaps: list[float], crossings: list[int], max_width: float) -> list[int]:
    """The first column of each row: as few rows as fit max_width, of even widths, cutting few edges.

    Dynamic programming over the places to fold: a row costs its squared
    deviation from the even width, a fold costs the number of edges it cuts.
    """
    n = len(widths)

    def row_width(first: int, last: int) -> float:
        return sum(widths[first : last + 1]) + sum(gaps[first + 1 : last + 1]) + (WRAP_MARGIN if first else 0.0)

    total = row_width(0, n - 1)
    if total <= max_width or n < 2:
        return [0]
    target = total / np.ceil(total / max_width)
    best = [0.0] + [np.inf] * n  # best[e]: cost of laying out columns 0 .. e-1
    choice = [0] * (n + 1)
    for e in range(1, n + 1):
        for first in range(e):
            width = row_width(first, e - 1)
            if width > max_width and e - 1 > first:
                continue
            cost = best[first] + 4 * ((width - target) / target) ** 2 + 1.0 + (crossings[e - 1] if e < n else 0)
            if cost < best[e]:
                best[e], choice[e] = cost, first
    starts, e = [], n
    while e > 0:
        starts.append(choice[e])
        e = choice[e]
    return starts[::-1]


# -------------------------------------------------------------------------------------------
# Rendering with matplotlib
# -------------------------------------------------------------------------------------------

def _render(layout: _Layout, title: str | None, show_gradients: bool) -> Figure:
    with_gradients = show_gradients and any(
        isinstance(n.item, Variable) and n.item.grad is not None for n in layout.nodes)
    routes, shifts = _routes(layout)
    drawn = [n for n in layout.nodes if n.kind != "waypoint"]
    xs = [n.x - n.width / 2 for n in drawn] + [n.x + n.width / 2 for n in drawn]
    xs += [p[0] for points, _ in routes for p in points]
    ys = [n.y - n.height / 2 for n in drawn] + [n.y + n.height / 2 for n in drawn]
    ys += [p[1] for points, _ in routes for p in points]
    # At least wide enough for the legend; a narrower drawing sits in the middle.
    width = max(max(xs) - min(xs) + 2 * MARGIN, LEGEND_WIDTH)
    left = (min(xs) + max(xs)) / 2 - width / 2
    right = left + width
    top = min(ys) - MARGIN - (TITLE_SPACE if title else 0.0)
    bottom = max(ys) + MARGIN + LEGEND_SPACE
    figure = Figure(figsize=(right - left, bottom - top))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)  # y grows downwards, as the layout's does
    ax.set_axis_off()
    for edge, (points, radii), shift in zip(layout.edges, routes, shifts):
        source, target = layout.nodes[edge.source], layout.nodes[edge.target]
        _draw_arrow(ax, _clip(points, source, target), radii, COLORS["forward"], dashed=False)
        if with_gradients and _carries_gradient(edge):
            _draw_backward(ax, layout, edge, points, radii, shift)
    for node in drawn:
        (_draw_value if node.kind == "value" else _draw_op)(ax, node)
    if title:
        ax.text((left + right) / 2, top + MARGIN, title, ha="center", va="top", fontsize=13,
                fontweight="bold", color=COLORS["text"], parse_math=False)
    _draw_legend(ax, left + MARGIN, bottom - MARGIN, with_gradients)
    return figure


def _routes(layout: _Layout) -> tuple[list, list[float]]:
    """Every edge's route, and how far it is shifted sideways from its nodes' centres.

    The same value read twice by one operation (x * x) gives parallel edges,
    which are spread apart so that both stay visible.
    """
    routes = [_edge_route(layout, edge) for edge in layout.edges]
    twins: dict[tuple[int, int], list[int]] = {}
    for k, edge in enumerate(layout.edges):
        twins.setdefault((edge.source, edge.target), []).append(k)
    shifts = [0.0] * len(layout.edges)
    for group in twins.values():
        for m, k in enumerate(group):
            shifts[k] = (m - (len(group) - 1) / 2) * PARALLEL_SPACING
            if shifts[k]:
                points, radii = routes[k]
                routes[k] = ([tuple(p) for p in _offset(points, shifts[k])], radii)
    return routes, shifts


def _carries_gradient(edge: _Edge) -> bool:
    if edge.op.output.grad is None:
        return False
    return edge.input_index is None or edge.op.inputs[edge.input_index].grad is not None


def _edge_route(layout: _Layout, edge: _Edge) -> tuple[list[tuple[float, float]], list[float]]:
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


def _clip(points, start: _Node, end: _Node, margin: float = 0.02) -> list[np.ndarray]:
    """The polyline trimmed where it leaves start's outline and where it enters end's."""
    pts = [np.array(p, dtype=float) for p in points]
    pts[0] = _boundary(pts[0], pts[1], start, margin)
    pts[-1] = _boundary(pts[-1], pts[-2], end, margin)
    return pts


def _boundary(inside: np.ndarray, outside: np.ndarray, node: _Node, margin: float) -> np.ndarray:
    """The point where the segment from inside to outside crosses node's outline (by bisection)."""
    if not node.contains(*inside, margin) or node.contains(*outside, margin):
        return inside
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if node.contains(*(inside + mid * (outside - inside)), margin):
            lo = mid
        else:
            hi = mid
    return inside + hi * (outside - inside)


def _rounded_path(pts: list[np.ndarray], radii: list[float]) -> MplPath:
    """A path through pts whose interior corners are rounded by quadratic curves of the given radii."""
    vertices, codes = [pts[0]], [MplPath.MOVETO]
    for k in range(1, len(pts) - 1):
        before, after = pts[k] - pts[k - 1], pts[k + 1] - pts[k]
        len_before, len_after = np.linalg.norm(before), np.linalg.norm(after)
        r = min(radii[k], len_before / 2, len_after / 2)
        if r <= 1e-9:
            vertices.append(pts[k])
            codes.append(MplPath.LINETO)
            continue
        vertices += [pts[k] - before / len_before * r, pts[k], pts[k] + after / len_after * r]
        codes += [MplPath.LINETO, MplPath.CURVE3, MplPath.CURVE3]
    vertices.append(pts[-1])
    codes.append(MplPath.LINETO)
    return MplPath(np.array(vertices), codes)


def _offset(points, distance: float) -> list[np.ndarray]:
    """The polyline moved sideways by distance, to the right of its direction (below, for left to right).

    Mitred, so that the copy stays parallel through the bends.
    """
    pts = np.array(points, dtype=float)
    out = []
    for k in range(len(pts)):
        before = pts[k] - pts[k - 1] if k > 0 else pts[k + 1] - pts[k]
        after = pts[k + 1] - pts[k] if k < len(pts) - 1 else before
        n_before = _normal(before)
        n_after = _normal(after)
        normal = n_before + n_after
        normal /= np.linalg.norm(normal) or 1
        out.append(pts[k] + normal * distance / max(0.3, float(normal @ n_before)))
    return out


def _normal(direction: np.ndarray) -> np.ndarray:
    """The unit normal on the right-hand side of direction (y grows downwards)."""
    length = np.linalg.norm(direction) or 1
    return np.array([-direction[1], direction[0]]) / length


def _draw_backward(ax, layout: _Layout, edge: _Edge, points, radii, shift: float) -> None:
    """The gradient edge beside the forward one and, for an input edge, its local-derivative label.

    The gradient runs on the outer side: above an edge that comes down into
    its operation (or the upper of two parallel edges), below the others, so
    the labels of an operation's two inputs never meet between them.
    """
    source, target = layout.nodes[edge.source], layout.nodes[edge.target]
    coming_down = edge.input_index is not None and source.y < target.y - 0.05
    side = -1.0 if shift < 0 or (shift == 0 and coming_down) else 1.0
    pts = _clip(_offset(points, side * BACKWARD_OFFSET), source, target, margin=0.04)
    _draw_arrow(ax, pts[::-1], radii[::-1], COLORS["gradient"], dashed=True)
    if edge.input_index is None:
        return
    label = _pretty(edge.op.gradient_labels[edge.input_index])
    a, b = pts[-2], pts[-1]  # the last stretch before the operation
    fraction = 0.5
    if len(pts) > 2 and np.linalg.norm(b - a) < _text_width(label, LABEL_SIZE) + 0.2:
        # Too short to hold the label (an edge wrapped to this row): put it on the longest stretch,
        # the lane, staggered so that the labels of edges sharing the lanes stay apart.
        k = int(np.argmax([np.linalg.norm(q - p) for p, q in zip(pts, pts[1:])]))
        a, b = pts[k], pts[k + 1]
        j, n = next((layout.wraps[link] for link in zip(edge.path, edge.path[1:]) if link in layout.wraps), (0, 1))
        fraction = (j + 1) / (n + 1)
    where = a + fraction * (b - a) + side * _normal(b - a) * 0.14
    ax.text(where[0], where[1], label, ha="center", va="center", fontsize=LABEL_SIZE,
            color=COLORS["gradient"], parse_math=False, zorder=5,
            bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none", alpha=0.9))


def _draw_arrow(ax, pts, radii, colour: str, dashed: bool) -> None:
    ax.add_patch(PathPatch(_rounded_path(pts, radii), facecolor="none", edgecolor=colour, linewidth=1.3,
                           linestyle=(0, (4, 2.5)) if dashed else "-", capstyle="butt", zorder=2))
    # A solid head on the last short stretch, so dashes never cut it.
    end, before = np.array(pts[-1]), np.array(pts[-2])
    direction = (end - before) / (np.linalg.norm(end - before) or 1)
    ax.add_patch(FancyArrowPatch(tuple(end - 0.12 * direction), tuple(end), arrowstyle="-|>",
                                 mutation_scale=11, color=colour, linewidth=1.3, shrinkA=0, shrinkB=0, zorder=2))


def _draw_value(ax, node: _Node) -> None:
    v = node.item
    c = COLORS
    fill, edge = (c["value_fill"], c["value_edge"]) if v.requires_grad else (c["constant_fill"], c["constant_edge"])
    ax.add_patch(FancyBboxPatch((node.x - node.width / 2, node.y - node.height / 2), node.width, node.height,
                                boxstyle="round,pad=0,rounding_size=0.06", facecolor=fill, edgecolor=edge,
                                linewidth=1.2, linestyle="-" if v.requires_grad else (0, (3, 2)), zorder=3))
    first = node.y - node.height / 2 + PAD + LINE_HEIGHT / 2
    for k, (text, colour, weight) in enumerate(node.lines):
        ax.text(node.x, first + k * LINE_HEIGHT, text, ha="center", va="center", fontsize=FONT_SIZE,
                color=colour, fontweight=weight, family="DejaVu Sans", parse_math=False, zorder=4)


def _draw_op(ax, node: _Node) -> None:
    c = COLORS
    ax.add_patch(Ellipse((node.x, node.y), node.width, node.height, facecolor=c["op_fill"],
                         edgecolor=c["op_edge"], linewidth=1.4, zorder=3))
    ax.text(node.x, node.y, node.item.symbol, ha="center", va="center", fontsize=SYMBOL_SIZE,
            color=c["text"], family="DejaVu Sans", parse_math=False, zorder=4)


def _draw_legend(ax, x: float, y: float, with_gradients: bool) -> None:
    entries = [(COLORS["forward"], "-", "forward: values")]
    if with_gradients:
        entries.append((COLORS["gradient"], (0, (4, 2.5)), "backward: gradient × local derivative"))
    for colour, style, text in entries:
        ax.add_line(Line2D([x, x + 0.45], [y, y], color=colour, linestyle=style, linewidth=1.3))
        ax.text(x + 0.55, y, text, va="center", fontsize=LABEL_SIZE, color=COLORS["text"], parse_math=False)
        x += 0.75 + _text_width(text, LABEL_SIZE)
