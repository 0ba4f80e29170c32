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
    SLIDE_ASPECT,
    SYMBOL_SIZE,
    Edge,
    Layout,
    Node,
    carries_gradient,
    choose_rows,
    clip,
    edge_routes,
    offset,
    pretty,
    unit_normal,
)

__all__ = [
    "draw_graph",
    "save_graph",
    "show_graph",
    "dot_text",
    "chosen_renderer",
    "GraphView",
    "RENDERERS",
    "SUFFIXES",
    "SLIDE_ASPECT",
]

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
    fold: bool = True,
    upstream: str | None = None,
) -> Figure:
    """A Figure of the graph output was computed by, inputs on the left, output on the right.

    Value nodes are boxes: name and forward value (a scalar to 4 significant
    digits; an array as its shape and its first ``max_items`` numbers) and,
    after ``output.backward()``, the gradient in red. Constants are grey.
    Operation nodes are ellipses with their symbol. Forward edges are solid;
    under each one a dashed red edge carries the gradient back, labelled with
    the local derivative it multiplies by.

    fold: a wide graph is folded into rows (read left to right, then the next
    row), as many as make the figure slide-shaped (width over height between
    4:3 and 2.5:1, ``SLIDE_ASPECT``) and no row wider than max_width inches; a
    figure still outside that range gets white margins. fold=False keeps one row.
    upstream: the name of the loss ("L") when backward started from a general
    upstream gradient ∂L/∂z (``output.backward(dout)``): the gradients are named
    ∂L/∂v and an arrow labelled with ∂L/∂z brings it into the output.
    The title may hold mathtext ($x^2$), as a formula's title does.
    """
    return _draw(
        output, title, show_gradients, max_items, max_width, fold, upstream, through_pyplot=None
    )


def _draw(
    output: Variable,
    title: str | None,
    show_gradients: bool,
    max_items: int,
    max_width: float,
    fold: bool,
    upstream: str | None,
    through_pyplot: bool | None,
) -> Figure:
    layout = _layout(output, title, show_gradients, max_items, max_width, fold, upstream)
    return _render(layout, title, show_gradients, through_pyplot, max_width)


def _layout(
    output: Variable,
    title: str | None,
    show_gradients: bool,
    max_items: int,
    max_width: float,
    fold: bool,
    upstream: str | None,
) -> Layout:
    """The layout placed as the figure will show it: folded to a slide's shape, or in one row."""
    layout = Layout.build(output, show_gradients, max_items, _text_width, upstream)
    if fold:
        choose_rows(layout, max_width, lambda placed: _frame_size(placed, title))
    else:
        layout.place(np.inf)
    return layout


def save_graph(
    output: Variable,
    path: str | os.PathLike,
    *,
    renderer: str = "auto",
    title: str | None = None,
    dpi: int = 150,
    max_width: float = 18.0,
    fold: bool = True,
    upstream: str | None = None,
    dot_title: str | None = None,
) -> str:
    """Write the graph to path, by its suffix: .svg or .png (a picture) or .dot (Graphviz's text).

    renderer: "auto" uses Graphviz's ``dot`` when it is on the PATH and
    matplotlib otherwise; "dot" or "matplotlib" forces one. Both fold a wide
    graph into slide-shaped rows (see ``draw_graph``; fold=False keeps one row).
    dot_title: the title as Graphviz shows it, when title is mathtext that only
    matplotlib reads (default: title). The file is written under a temporary name
    and renamed, so it is never half-written.
    Returns the renderer used: "dot", "matplotlib" or "text" (for .dot).
    """
    path = Path(path)
    used = chosen_renderer(path, renderer)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    shown = dot_title if dot_title is not None else title
    if used == "text":
        text = dot_text(output, title=shown, max_width=max_width, fold=fold, upstream=upstream)
        write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        return "text"
    if used == "dot":
        dot = shutil.which("dot")
        assert dot is not None  # chosen_renderer checked
        text = dot_text(
            output, title=shown, max_width=max_width, fold=fold, upstream=upstream, dot=dot
        )
        write_atomically(path, lambda tmp: _run_dot(dot, text, suffix[1:], tmp, dpi))
        return "dot"
    # Not through pyplot: a figure made to be saved is not shown in a notebook's output.
    figure = _draw(output, title, True, 3, max_width, fold, upstream, through_pyplot=False)
    write_atomically(path, lambda tmp: _save_figure(figure, tmp, suffix[1:], dpi))
    return "matplotlib"


def chosen_renderer(path: str | os.PathLike, renderer: str = "auto") -> str:
    """Who save_graph would draw path with: "dot", "matplotlib" or "text" (a .dot file).

    Raises ValueError for a suffix or renderer it does not know, and for "dot" without Graphviz.
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
    if suffix == ".dot":
        return "text"
    dot = shutil.which("dot")
    if renderer == "dot" and dot is None:
        raise ValueError(
            _(
                "save_graph: the renderer 'dot' needs Graphviz's dot program, which is not on the "
                "PATH; install Graphviz or use the matplotlib renderer"
            )
        )
    return "dot" if dot is not None and renderer != "matplotlib" else "matplotlib"


def dot_text(
    output: Variable,
    *,
    title: str | None = None,
    max_width: float = 18.0,
    fold: bool = True,
    upstream: str | None = None,
    dot: str | None = None,
) -> str:
    """The DOT text of the graph, folded into slide-shaped rows (``to_dot`` with the layout's rows).

    The rows come from our own layered layout. With dot (the path of Graphviz's
    program), the number of rows is chosen by measuring dot's own drawing of
    each (``dot -Tplain``), and margins are added if its proportions still fall
    outside ``SLIDE_ASPECT``; without it, by the matplotlib drawing's proportions.
    """
    if not fold:
        return to_dot(output, title=title, upstream=upstream)
    layout = Layout.build(output, True, 3, _text_width, upstream)
    if dot is None:
        choose_rows(layout, max_width, lambda placed: _frame_size(placed, title))
        return to_dot(output, title=title, upstream=upstream, rows=layout.dot_rows())

    def size(placed: Layout) -> tuple[float, float]:
        rows = placed.dot_rows()
        return _dot_size(dot, to_dot(output, title=title, upstream=upstream, rows=rows))

    choose_rows(layout, max_width, size)
    rows = layout.dot_rows()
    width, height = size(layout)
    return to_dot(
        output, title=title, upstream=upstream, rows=rows, pad=_slide_pad(width, height, 0.06)
    )


def _slide_pad(width: float, height: float, minimum: float) -> tuple[float, float] | None:
    """Margins (x, y) in inches that bring width × height into SLIDE_ASPECT; None if it is already."""
    low, high = SLIDE_ASPECT
    width, height = width + 2 * minimum, height + 2 * minimum
    if width / height > high:
        return minimum, minimum + (width / high - height) / 2 + 0.01
    if width / height < low:
        return minimum + (height * low - width) / 2 + 0.01, minimum
    return None


def _dot_size(dot: str, text: str) -> tuple[float, float]:
    """The width and height, in inches, of dot's drawing of text (from ``dot -Tplain``)."""
    result = subprocess.run(
        [dot, "-Tplain"], input=text.encode("utf-8"), capture_output=True, timeout=120, check=False
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip()
        raise RuntimeError(
            _("Graphviz dot failed with exit code {code}: {message}").format(
                code=result.returncode, message=message
            )
        )
    fields = result.stdout.decode("utf-8", errors="replace").split(maxsplit=4)
    return float(fields[2]), float(fields[3])  # "graph scale width height ..."


@dataclass
class GraphView:
    """A graph to look at: shows inline in Jupyter (as SVG) and saves to a file.

    ``GraphView(y)`` or ``show_graph(y)`` as the last line of a notebook cell
    draws y's graph with values and gradients as they are at that moment.
    """

    output: Variable
    title: str | None = None
    max_width: float = 18.0
    fold: bool = True
    upstream: str | None = None

    def figure(self) -> Figure:
        """The drawing as a matplotlib Figure."""
        return draw_graph(
            self.output,
            title=self.title,
            max_width=self.max_width,
            fold=self.fold,
            upstream=self.upstream,
        )

    def save(self, path: str | os.PathLike, **options) -> str:
        """save_graph(self.output, path, **options); returns the renderer used."""
        return save_graph(
            self.output,
            path,
            title=self.title,
            max_width=self.max_width,
            fold=self.fold,
            upstream=self.upstream,
            **options,
        )

    def to_dot(self) -> str:
        """The graph in Graphviz's DOT language, folded as the picture is."""
        return dot_text(
            self.output,
            title=self.title,
            max_width=self.max_width,
            fold=self.fold,
            upstream=self.upstream,
        )

    def _repr_svg_(self) -> str:
        # Outside pyplot: the view is shown as this SVG, not as a figure of the inline backend too.
        figure = _draw(
            self.output,
            self.title,
            True,
            3,
            self.max_width,
            self.fold,
            self.upstream,
            through_pyplot=False,
        )
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()


def show_graph(
    output: Variable,
    *,
    title: str | None = None,
    max_width: float = 18.0,
    fold: bool = True,
    upstream: str | None = None,
) -> GraphView:
    """A GraphView of output's graph, for Jupyter: it shows inline as an SVG drawing."""
    return GraphView(output, title, max_width, fold, upstream)


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


def _frame(layout: Layout, title: str | None) -> tuple[float, float, float, float]:
    """The figure's (left, top, right, bottom) in the layout's inches, before slide margins."""
    x0, y0, x1, y1 = layout.extent()
    # At least wide enough for the legend; a narrower drawing sits in the middle.
    width = max(x1 - x0 + 2 * MARGIN, LEGEND_WIDTH)
    left = (x0 + x1) / 2 - width / 2
    top = y0 - MARGIN - (TITLE_SPACE if title else 0.0)
    bottom = y1 + MARGIN + LEGEND_SPACE
    return left, top, left + width, bottom


def _frame_size(layout: Layout, title: str | None) -> tuple[float, float]:
    left, top, right, bottom = _frame(layout, title)
    return right - left, bottom - top


def _render(
    layout: Layout,
    title: str | None,
    show_gradients: bool,
    through_pyplot: bool | None,
    max_width: float = np.inf,
) -> Figure:
    with_gradients = show_gradients and any(
        isinstance(n.item, Variable) and n.item.grad is not None for n in layout.nodes
    )
    routes, shifts = edge_routes(layout)
    drawn = [n for n in layout.nodes if n.kind != "waypoint"]
    left, top, right, bottom = _frame(layout, title)
    # White margins bring a figure that folding could not shape into a slide's proportions
    # (never wider than max_width asks).
    low, high = SLIDE_ASPECT
    width, height = right - left, bottom - top
    if width / height > high:
        extra = width / high - height
        top, bottom = top - extra / 2, bottom + extra / 2
    elif width / height < low:
        extra = max(0.0, min(height * low, max(max_width + 2 * MARGIN, width)) - width)
        left, right = left - extra / 2, right + extra / 2
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
    arrow = layout.upstream_arrow() if with_gradients else None
    if arrow is not None:
        start, end, label = arrow
        _draw_arrow(ax, [np.array(start), np.array(end)], [0.0, 0.0], COLORS["gradient"], True)
        ax.text(
            (start[0] + end[0]) / 2,
            start[1] - 0.16,
            label,
            ha="center",
            va="bottom",
            fontsize=LABEL_SIZE,
            color=COLORS["gradient"],
            parse_math=False,
            zorder=5,
        )
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
            parse_math="$" in title,  # a formula's title is mathtext
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
