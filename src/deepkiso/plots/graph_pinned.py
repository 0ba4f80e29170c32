"""Where the gradient edges and their labels go, and the placement Graphviz pins: pure geometry.

Both renderers draw one layout (``graph_layout``): matplotlib from it directly
(``graph_drawing``), Graphviz from the ``deepkiso.graph.Placement`` made here, in
which every node, every bend of an edge that wraps to the next row and every
local-derivative label keeps the place the layout gave it.
"""

from __future__ import annotations

import itertools

import numpy as np

from deepkiso.graph.dot import Placement
from deepkiso.plots.graph_layout import (
    LABEL_SIZE,
    Edge,
    Layout,
    carries_gradient,
    clip,
    edge_routes,
    offset,
    pretty,
    unit_normal,
)

__all__ = ["BACKWARD_OFFSET", "gradient_points", "gradient_label", "placement"]

BACKWARD_OFFSET = 0.085  # inches between a forward edge and its gradient edge


def gradient_points(layout: Layout, edge: Edge, points, shift: float) -> tuple[list, float]:
    """The gradient edge's polyline beside the forward one's points, and its side (±1).

    The gradient runs on the outer side: above an edge that comes down into
    its operation (or the upper of two parallel edges), below the others, so
    the labels of an operation's two inputs never meet between them.
    """
    source, target = layout.nodes[edge.source], layout.nodes[edge.target]
    coming_down = edge.input_index is not None and source.y < target.y - 0.05
    side = -1.0 if shift < 0 or (shift == 0 and coming_down) else 1.0
    return clip(offset(points, side * BACKWARD_OFFSET), source, target, margin=0.04), side


def gradient_label(
    layout: Layout, edge: Edge, pts: list, side: float, distance: float = 0.14
) -> tuple[str, tuple[float, float]] | None:
    """The local-derivative label of an input edge's gradient and its centre; None for an output edge.

    pts: the gradient's polyline (``gradient_points``). The label sits beside
    the last stretch before the operation, or, where that is too short (an edge
    wrapped to this row), on the longest stretch, the lane, staggered so that
    the labels of edges sharing the lanes stay apart. distance: inches from the
    line to the label's centre.
    """
    if edge.input_index is None:
        return None
    label = pretty(edge.op.gradient_labels[edge.input_index])
    a, b = pts[-2], pts[-1]  # the last stretch before the operation
    fraction = 0.5
    if len(pts) > 2 and np.linalg.norm(b - a) < layout.measure(label, LABEL_SIZE, "normal") + 0.2:
        k = int(np.argmax([np.linalg.norm(q - p) for p, q in itertools.pairwise(pts)]))
        a, b = pts[k], pts[k + 1]
        j, n = next(
            (layout.wraps[link] for link in itertools.pairwise(edge.path) if link in layout.wraps),
            (0, 1),
        )
        fraction = (j + 1) / (n + 1)
    where = a + fraction * (b - a) + side * unit_normal(b - a) * distance
    return label, (float(where[0]), float(where[1]))


def placement(layout: Layout) -> Placement:
    """Where this (placed) layout put each node, for ``deepkiso.graph.to_dot`` to pin them.

    The edges that wrap from one row to the next keep their route's bends, and
    each local-derivative label its place beside its gradient edge.
    """
    drawn = [n for n in layout.nodes if n.kind != "waypoint"]
    routes: dict[tuple[int, int], list[list[tuple[float, float]]]] = {}
    gradients: dict[tuple[int, int], list[list[tuple[float, float]]]] = {}
    labels: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for edge, (points, _radii), shift in zip(layout.edges, *edge_routes(layout)):
        source, target = layout.nodes[edge.source].item, layout.nodes[edge.target].item
        key = (id(source), id(target))
        routes.setdefault(key, []).append([(float(p[0]), float(p[1])) for p in points[1:-1]])
        if not carries_gradient(edge):
            continue
        pts, side = gradient_points(layout, edge, points, shift)
        gradients.setdefault(key, []).append([(float(p[0]), float(p[1])) for p in pts])
        placed = gradient_label(layout, edge, pts, side)
        if placed is not None:
            labels.setdefault(key, []).append(placed[1])
    arrow = layout.upstream_arrow()
    upstream = None
    if arrow is not None:
        # Graphviz writes the gradient's name where the arrow starts: its middle goes there.
        (x, y), _end, label = arrow
        upstream = (x + layout.measure(label, LABEL_SIZE, "normal") / 2, y)
    return Placement(
        centres={id(n.item): (n.x, n.y) for n in drawn},
        sizes={id(n.item): (n.width, n.height) for n in drawn},
        routes=routes,
        gradients=gradients,
        upstream=upstream,
        lines={id(n.item): list(n.lines) for n in drawn if n.kind == "value"},
        labels=labels,
    )
