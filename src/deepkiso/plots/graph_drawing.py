"""The matplotlib drawing of a placed computational-graph layout: boxes, ellipses, edges, legend.

``deepkiso.plots.graph`` lays a graph out (``graph_layout``, pure geometry) and
hands the placed layout here; ``render`` returns the Figure, with white margins
that give it a slide's proportions where folding could not.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath
from matplotlib.typing import LineStyleType

from deepkiso.graph import COLORS, Operation, Variable
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
    clip,
    edge_routes,
)
from deepkiso.plots.graph_pinned import gradient_label, gradient_points

MARGIN = 0.3  # inches around the drawing
TITLE_SPACE = 0.45  # inches above the drawing for a title
LEGEND_SPACE = 0.4  # inches below it for the legend
LEGEND_WIDTH = 6.2  # inches: no figure is narrower, so the legend always fits
_POINTS = 72.0
# The nodes' font, as Graphviz's drawing has it; the Japanese font behind it (plots.fonts).
_FAMILY = "DejaVu Sans"


def text_width(text: str, size: float, weight: str = "normal") -> float:
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


def frame_size(layout: Layout, title: str | None) -> tuple[float, float]:
    left, top, right, bottom = _frame(layout, title)
    return right - left, bottom - top


def render(
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
    """The gradient edge beside the forward one and, for an input edge, its local-derivative label."""
    pts, side = gradient_points(layout, edge, points, shift)
    _draw_arrow(ax, pts[::-1], radii[::-1], COLORS["gradient"], dashed=True)
    placed = gradient_label(layout, edge, pts, side)
    if placed is None:
        return
    label, where = placed
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
        x += 0.75 + text_width(text, LABEL_SIZE)
