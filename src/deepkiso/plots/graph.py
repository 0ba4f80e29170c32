"""Drawing a computational graph with every node's forward value and gradient.

This serves the chain-rule and computational-graph slides and the two group
works (the detailed squared-error and tanh graphs): ``draw_graph`` returns a
matplotlib Figure of a ``deepkiso.graph`` graph, laid out left to right by our
own layered layout, so it needs nothing beyond matplotlib. ``save_graph``
writes .svg, .png or .dot, using Graphviz's ``dot`` for the pictures when it is
installed and matplotlib otherwise. ``show_graph`` wraps a graph for Jupyter,
where it shows inline as SVG.
The layout itself (``graph_layout``) is pure geometry; this module measures the text and draws.
"""

from __future__ import annotations

import io
import itertools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath
from matplotlib.typing import LineStyleType

from deepkiso.files import write_atomically
from deepkiso.graph import COLORS, Operation, Variable, to_dot
from deepkiso.i18n import _
from deepkiso.plots._figure import new_figure
from deepkiso.plots.fonts import with_japanese
from deepkiso.plots.graph_layout import (
    FONT_SIZE,
    LABEL_SIZE,
    LINE_HEIGHT,
    PAD,
    SYMBOL_SIZE,
    Edge,
    Layout,
    Node,
    carries_gradient,
    clip,
    edge_routes,
    offset,
    pretty,
    unit_normal,
)

__all__ = ["draw_graph", "save_graph", "show_graph", "GraphView", "RENDERERS", "SUFFIXES"]

RENDERERS = ("auto", "dot", "matplotlib")
SUFFIXES = (".svg", ".png", ".dot")

BACKWARD_OFFSET = 0.085  # inches between a forward edge and its gradient edge
MARGIN = 0.3  # inches around the drawing
TITLE_SPACE = 0.45  # inches above the drawing for a title
LEGEND_SPACE = 0.4  # inches below it for the legend
LEGEND_WIDTH = 6.2  # inches: no figure is narrower, so the legend always fits
_POINTS = 72.0
# The nodes' font, as Graphviz's drawing has it; the Japanese font behind it (plots.fonts).
_FAMILY = "DejaVu Sans"


# -------------------------------------------------------------------------------------------
# Public API
# -------------------------------------------------------------------------------------------


def draw_graph(
    output: Variable,
    *,
    title: str | None = None,
    show_gradients: bool = True,
    max_items: int = 3,
    max_width: float = 18.0,
) -> Figure:
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
    return _draw(output, title, show_gradients, max_items, max_width, through_pyplot=None)


def _draw(
    output: Variable,
    title: str | None,
    show_gradients: bool,
    max_items: int,
    max_width: float,
    through_pyplot: bool | None,
) -> Figure:
    layout = Layout.build(output, show_gradients, max_items, _text_width)
    layout.place(max_width)
    return _render(layout, title, show_gradients, through_pyplot)


def save_graph(
    output: Variable,
    path: str | os.PathLike,
    *,
    renderer: str = "auto",
    title: str | None = None,
    dpi: int = 150,
    max_width: float = 18.0,
) -> str:
    """Write the graph to path, by its suffix: .svg or .png (a picture) or .dot (Graphviz's text).

    renderer: "auto" uses Graphviz's ``dot`` when it is on the PATH and
    matplotlib otherwise; "dot" or "matplotlib" forces one. The file is
    written under a temporary name and renamed, so it is never half-written.
    Returns the renderer used: "dot", "matplotlib" or "text" (for .dot).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(
            _(
                "save_graph: cannot write {name!r}; the file name must end in one of {suffixes}"
            ).format(name=path.name, suffixes=list(SUFFIXES))
        )
    if renderer not in RENDERERS:
        raise ValueError(
            _("save_graph: unknown renderer {renderer!r}; choose one of {choices}").format(
                renderer=renderer, choices=list(RENDERERS)
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".dot":
        write_atomically(
            path, lambda tmp: Path(tmp).write_text(to_dot(output, title=title), encoding="utf-8")
        )
        return "text"
    dot = shutil.which("dot")
    if renderer == "dot" and dot is None:
        raise ValueError(
            _(
                "save_graph: the renderer 'dot' needs Graphviz's dot program, which is not on the "
                "PATH; install Graphviz or use the matplotlib renderer"
            )
        )
    if dot is not None and renderer != "matplotlib":
        write_atomically(
            path, lambda tmp: _run_dot(dot, to_dot(output, title=title), suffix[1:], tmp, dpi)
        )
        return "dot"
    # Not through pyplot: a figure made to be saved is not shown in a notebook's output.
    figure = _draw(output, title, True, 3, max_width, through_pyplot=False)
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
        # Outside pyplot: the view is shown as this SVG, not as a figure of the inline backend too.
        figure = _draw(self.output, self.title, True, 3, self.max_width, through_pyplot=False)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
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
    result = subprocess.run(
        [dot, f"-T{fmt}", f"-Gdpi={dpi}", "-o", tmp],
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip()
        raise RuntimeError(
            _("Graphviz dot failed with exit code {code}: {message}").format(
                code=result.returncode, message=message
            )
        )


def _text_width(text: str, size: float, weight: str = "normal") -> float:
    """Width of text in inches, measured from the glyph outlines (needs no renderer)."""
    if not text:
        return 0.0
    prop = FontProperties(family=with_japanese(_FAMILY), weight=weight)
    return TextPath((0, 0), text, size=size, prop=prop).get_extents().width / _POINTS


# -------------------------------------------------------------------------------------------
# Rendering with matplotlib
# -------------------------------------------------------------------------------------------


def _render(
    layout: Layout, title: str | None, show_gradients: bool, through_pyplot: bool | None
) -> Figure:
    with_gradients = show_gradients and any(
        isinstance(n.item, Variable) and n.item.grad is not None for n in layout.nodes
    )
    routes, shifts = edge_routes(layout)
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
    figure = new_figure(figsize=(right - left, bottom - top), through_pyplot=through_pyplot)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)  # y grows downwards, as the layout's does
    ax.set_axis_off()
    for edge, (points, radii), shift in zip(layout.edges, routes, shifts):
        source, target = layout.nodes[edge.source], layout.nodes[edge.target]
        _draw_arrow(ax, clip(points, source, target), radii, COLORS["forward"], dashed=False)
        if with_gradients and carries_gradient(edge):
            _draw_backward(ax, layout, edge, points, radii, shift)
    for node in drawn:
        (_draw_value if node.kind == "value" else _draw_op)(ax, node)
    if title:
        ax.text(
            (left + right) / 2,
            top + MARGIN,
            title,
            ha="center",
            va="top",
            fontsize=13,
            fontweight="bold",
            color=COLORS["text"],
            parse_math=False,
        )
    _draw_legend(ax, left + MARGIN, bottom - MARGIN, with_gradients)
    return figure


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


def _draw_backward(ax, layout: Layout, edge: Edge, points, radii, shift: float) -> None:
    """The gradient edge beside the forward one and, for an input edge, its local-derivative label.

    The gradient runs on the outer side: above an edge that comes down into
    its operation (or the upper of two parallel edges), below the others, so
    the labels of an operation's two inputs never meet between them.
    """
    source, target = layout.nodes[edge.source], layout.nodes[edge.target]
    coming_down = edge.input_index is not None and source.y < target.y - 0.05
    side = -1.0 if shift < 0 or (shift == 0 and coming_down) else 1.0
    pts = clip(offset(points, side * BACKWARD_OFFSET), source, target, margin=0.04)
    _draw_arrow(ax, pts[::-1], radii[::-1], COLORS["gradient"], dashed=True)
    if edge.input_index is None:
        return
    label = pretty(edge.op.gradient_labels[edge.input_index])
    a, b = pts[-2], pts[-1]  # the last stretch before the operation
    fraction = 0.5
    if len(pts) > 2 and np.linalg.norm(b - a) < _text_width(label, LABEL_SIZE) + 0.2:
        # Too short to hold the label (an edge wrapped to this row): put it on the longest stretch,
        # the lane, staggered so that the labels of edges sharing the lanes stay apart.
        k = int(np.argmax([np.linalg.norm(q - p) for p, q in itertools.pairwise(pts)]))
        a, b = pts[k], pts[k + 1]
        j, n = next(
            (layout.wraps[link] for link in zip(edge.path, edge.path[1:]) if link in layout.wraps),
            (0, 1),
        )
        fraction = (j + 1) / (n + 1)
    where = a + fraction * (b - a) + side * unit_normal(b - a) * 0.14
    ax.text(
        where[0],
        where[1],
        label,
        ha="center",
        va="center",
        fontsize=LABEL_SIZE,
        color=COLORS["gradient"],
        parse_math=False,
        zorder=5,
        bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none", alpha=0.9),
    )


def _draw_arrow(ax, pts, radii, colour: str, dashed: bool) -> None:
    ax.add_patch(
        PathPatch(
            _rounded_path(pts, radii),
            facecolor="none",
            edgecolor=colour,
            linewidth=1.3,
            linestyle=(0, (4, 2.5)) if dashed else "-",
            capstyle="butt",
            zorder=2,
        )
    )
    # A solid head on the last short stretch, so dashes never cut it.
    end, before = np.array(pts[-1]), np.array(pts[-2])
    direction = (end - before) / (np.linalg.norm(end - before) or 1)
    ax.add_patch(
        FancyArrowPatch(
            tuple(end - 0.12 * direction),
            tuple(end),
            arrowstyle="-|>",
            mutation_scale=11,
            color=colour,
            linewidth=1.3,
            shrinkA=0,
            shrinkB=0,
            zorder=2,
        )
    )


def _draw_value(ax, node: Node) -> None:
    v = node.item
    assert isinstance(v, Variable)  # a value node holds its Variable
    c = COLORS
    fill, edge = (
        (c["value_fill"], c["value_edge"])
        if v.requires_grad
        else (c["constant_fill"], c["constant_edge"])
    )
    ax.add_patch(
        FancyBboxPatch(
            (node.x - node.width / 2, node.y - node.height / 2),
            node.width,
            node.height,
            boxstyle="round,pad=0,rounding_size=0.06",
            facecolor=fill,
            edgecolor=edge,
            linewidth=1.2,
            linestyle="-" if v.requires_grad else (0, (3, 2)),
            zorder=3,
        )
    )
    first = node.y - node.height / 2 + PAD + LINE_HEIGHT / 2
    for k, (text, colour, weight) in enumerate(node.lines):
        ax.text(
            node.x,
            first + k * LINE_HEIGHT,
            text,
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            color=colour,
            fontweight=weight,
            family=_FAMILY,
            parse_math=False,
            zorder=4,
        )


def _draw_op(ax, node: Node) -> None:
    assert isinstance(node.item, Operation)  # an op node holds its Operation
    c = COLORS
    ax.add_patch(
        Ellipse(
            (node.x, node.y),
            node.width,
            node.height,
            facecolor=c["op_fill"],
            edgecolor=c["op_edge"],
            linewidth=1.4,
            zorder=3,
        )
    )
    ax.text(
        node.x,
        node.y,
        node.item.symbol,
        ha="center",
        va="center",
        fontsize=SYMBOL_SIZE,
        color=c["text"],
        family=_FAMILY,
        parse_math=False,
        zorder=4,
    )


def _draw_legend(ax, x: float, y: float, with_gradients: bool) -> None:
    entries: list[tuple[str, LineStyleType, str]] = [(COLORS["forward"], "-", _("forward: values"))]
    if with_gradients:
        entries.append(
            (COLORS["gradient"], (0, (4, 2.5)), _("backward: gradient × local derivative"))
        )
    for colour, style, text in entries:
        ax.add_line(Line2D([x, x + 0.45], [y, y], color=colour, linestyle=style, linewidth=1.3))
        ax.text(
            x + 0.55,
            y,
            text,
            va="center",
            fontsize=LABEL_SIZE,
            color=COLORS["text"],
            parse_math=False,
        )
        x += 0.75 + _text_width(text, LABEL_SIZE)
