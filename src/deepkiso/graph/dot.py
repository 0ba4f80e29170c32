"""A graph in Graphviz's DOT language, for ``dot -Tsvg`` or any Graphviz viewer.

Value nodes are boxes with name, value and gradient; operation nodes are
ellipses with their symbol; each gradient edge runs back beside its forward
edge, labelled with the local derivative it multiplies by. Without a placement,
Graphviz's dot lays the graph out in one row. With one (deepkiso's own layered
layout, folded into slide-shaped rows by ``deepkiso.plots.graph``), every node is
pinned where that layout put it and Graphviz's neato (``layout=neato``, which
``dot -Tsvg`` follows too) only draws: the picture then matches the matplotlib
drawing, rows, lanes between them and all.
"""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass, field

from deepkiso.graph.engine import Operation, Variable, graph_variables, topological_operations
from deepkiso.graph.labels import COLORS, format_value, gradient_name, pretty


@dataclass
class Placement:
    """Where a layout put each node, for Graphviz to keep; inches, y growing downwards.

    centres and sizes: by ``id()`` of each Variable and Operation, its centre and
    (width, height). routes: by (id(source), id(target)) of an edge, the points
    its route runs through between the two nodes (one list per edge: x * x has two);
    gradients: the whole polyline of its gradient edge, from source to target.
    upstream: where the arrow of a general upstream gradient starts, if any.
    lines: by id() of each Variable, the lines its box shows as (text, colour,
    weight), the layout's own, so that the text fits the size it measured.
    labels: by (id(source), id(target)) of an input edge, where its gradient's
    local-derivative label goes (one place per edge, two for x * x).
    """

    centres: dict[int, tuple[float, float]]
    sizes: dict[int, tuple[float, float]]
    routes: dict[tuple[int, int], list[list[tuple[float, float]]]] = field(default_factory=dict)
    gradients: dict[tuple[int, int], list[list[tuple[float, float]]]] = field(default_factory=dict)
    upstream: tuple[float, float] | None = None
    lines: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)
    labels: dict[tuple[int, int], list[tuple[float, float]]] = field(default_factory=dict)


def to_dot(
    output: Variable,
    *,
    title: str | None = None,
    show_gradients: bool = True,
    max_items: int = 3,
    placement: Placement | None = None,
    upstream: str | None = None,
    pad: tuple[float, float] | None = None,
) -> str:
    """The graph that output was computed by, in Graphviz's DOT language (left to right).

    Value nodes are boxes with name, forward value and (after backward, in red)
    the gradient; operation nodes are ellipses with their symbol. Forward edges
    are solid; each gradient edge runs back beside its forward edge, dashed and
    red, labelled with the local derivative it multiplies by. Names are written
    with subscripts (x1 as x₁), as in the matplotlib drawing.

    placement: keep every node, edge route and label where a layout put them
    (``deepkiso.plots.graph`` folds wide graphs into rows so); None: Graphviz's dot
    lays the graph out itself, in one row.
    upstream: the loss a general upstream gradient came from (``backward(dout)``,
    ``deepkiso graph --dout``): gradients are named ∂upstream/∂v and an arrow brings
    the output's gradient in from the right. pad: inches of margin (left and right,
    top and bottom), to give the picture a slide's proportions.
    """
    operations = topological_operations(output)
    variables = graph_variables(output, operations)
    ids = {id(v): f"v{i}" for i, v in enumerate(variables)}
    ids.update({id(op): f"op{i}" for i, op in enumerate(operations)})
    c = COLORS
    lines = [
        "digraph computational_graph {",
        '  graph [rankdir=LR, nodesep=0.35, ranksep=0.6, fontname="DejaVu Sans"'
        + (
            ", layout=neato, splines=line, overlap=true, outputorder=edgesfirst"
            if placement
            else ""
        )
        + (f', pad="{pad[0]:.3f},{pad[1]:.3f}"' if pad else "")
        + "];",
        # Pinned, the nodes take the sizes of the layout's, whose text is 10 and 12 points.
        f'  node [fontname="DejaVu Sans", fontsize={10 if placement else 11}];',
        f'  edge [fontname="DejaVu Sans", fontsize={9 if placement else 10}, '
        f'color="{c["forward"]}"];',
    ]
    if title:
        lines.append(f'  label="{_dot_escape(title)}"; labelloc=t; fontsize=14;')
    for v in variables:
        attributes = _dot_value_attributes(v, output, show_gradients, max_items, upstream)
        if placement is not None and id(v) in placement.lines:
            attributes = _dot_lines_attributes(v, placement.lines[id(v)])
        lines.append(f"  {ids[id(v)]} {_pinned(attributes, v, placement, 12)};")
    for op in operations:
        attributes = (
            f'[shape=ellipse, style=filled, fillcolor="{c["op_fill"]}", '
            f'color="{c["op_edge"]}", label="{_dot_escape(op.symbol)}"]'
        )
        lines.append(f"  {ids[id(op)]} {_pinned(attributes, op, placement, 12)};")
    for op in operations:
        lines.extend(_dot_edges(op, ids, show_gradients, placement))
    if upstream is not None and output.grad is not None:
        label = pretty(gradient_name(output, output, upstream))
        if output.grad.ndim == 0:
            label += f" = {format_value(output.grad)}"
        where = ""
        if placement is not None and placement.upstream is not None:
            where = f", {_position(placement.upstream)}"
        # The upstream gradient's name and value, where the arrow that brings it in starts.
        lines.append(
            f'  upstream [shape=plaintext, fontcolor="{c["gradient"]}", fontsize=9, '
            f'margin=0.02, label="{_dot_escape(label)}"{where}];'
        )
        lines.append(
            f'  {ids[id(output)]} -> upstream [dir=back, style=dashed, color="{c["gradient"]}"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _position(point: tuple[float, float]) -> str:
    """A pinned position for neato, in inches (Graphviz's y grows upwards)."""
    return f'pos="{point[0]:.3f},{-point[1]:.3f}!"'


def _pinned(attributes: str, item, placement: Placement | None, symbol_size: int) -> str:
    """attributes with the node's place and size from placement (fixed, as the layout measured it)."""
    if placement is None:
        return attributes
    width, height = placement.sizes[id(item)]
    width += 0.06 if isinstance(item, Variable) else 0.0  # room for Graphviz's own glyph widths
    where = _position(placement.centres[id(item)])
    size = f"width={width:.3f}, height={height:.3f}, fixedsize=true"
    font = f", fontsize={symbol_size}" if isinstance(item, Operation) else ""
    return f"[{where}, {size}{font}, margin=0, " + attributes[1:]


def _dot_lines_attributes(v: Variable, rows: list[tuple[str, str, str]]) -> str:
    """A value node whose label is the given lines (text, colour, weight), as the layout drew them."""
    c = COLORS
    texts = []
    for text, colour, weight in rows:
        text = html.escape(text)
        texts.append(
            f'<font color="{colour}">{f"<b>{text}</b>" if weight == "bold" else text}</font>'
        )
    fill, edge = (
        (c["value_fill"], c["value_edge"])
        if v.requires_grad
        else (c["constant_fill"], c["constant_edge"])
    )
    style = "rounded,filled" if v.requires_grad else "rounded,filled,dashed"
    return f'[shape=box, style="{style}", fillcolor="{fill}", color="{edge}", label=<{"<br/>".join(texts)}>]'


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_value_attributes(
    v: Variable, output: Variable, show_gradients: bool, max_items: int, upstream: str | None
) -> str:
    c = COLORS
    rows = []
    if v.name:
        rows.append(f"<b>{html.escape(pretty(v.name))}</b>")
    rows.append(html.escape(format_value(v.data, max_items)))
    if show_gradients and v.grad is not None:
        name = pretty(gradient_name(v, output, upstream))
        grad = f"{name} = {format_value(v.grad, max_items)}"
        rows.append(f'<font color="{c["gradient"]}">{html.escape(grad)}</font>')
    fill, edge = (
        (c["value_fill"], c["value_edge"])
        if v.requires_grad
        else (c["constant_fill"], c["constant_edge"])
    )
    style = "rounded,filled" if v.requires_grad else "rounded,filled,dashed"
    return f'[shape=box, style="{style}", fillcolor="{fill}", color="{edge}", label=<{"<br/>".join(rows)}>]'


def _dot_edges(
    op: Operation, ids: dict, show_gradients: bool, placement: Placement | None
) -> list[str]:
    c = COLORS
    assert op.output is not None  # an operation in a graph has been called
    with_grad = show_gradients and op.output.grad is not None
    backward = f'style=dashed, color="{c["gradient"]}", fontcolor="{c["gradient"]}"'
    used: dict[tuple[int, int], int] = {}  # edges drawn so far per pair of nodes (x * x has two)

    def edge(source, target, gradient: bool, label: str | None) -> list[str]:
        """The forward edge source → target and, if gradient, the gradient edge back beside it."""
        a, b = ids[id(source)], ids[id(target)]
        if placement is None:
            text = f', label="{_dot_escape(pretty(label))}"' if label is not None else ""
            lines = [f"  {a} -> {b};"]
            if gradient:
                lines.append(f"  {a} -> {b} [dir=back, {backward}{text}, constraint=false];")
            return lines
        key = (id(source), id(target))
        k = used.get(key, 0)
        used[key] = k + 1
        name = f"{a}_{b}_{k}"
        lines = []
        forward = placement.routes.get(key, [[]])
        lines += _polyline(name + "f", [a, *forward[min(k, len(forward) - 1)], b], "", "forward")
        gradients = placement.gradients.get(key, [])
        if gradient and gradients:
            lines += _polyline(name + "g", gradients[min(k, len(gradients) - 1)], backward, "back")
        places = placement.labels.get(key, [])
        if gradient and label is not None and places:
            # The label where the layout put it, on white, over the edges (outputorder=edgesfirst).
            text = html.escape(pretty(label))
            lines.append(
                f"  {name}_label [shape=plaintext, width=0.01, height=0.01, fixedsize=true, "
                f'fontsize=9, fontcolor="{c["gradient"]}", label=<<table border="0" '
                f'cellborder="0" cellpadding="1" bgcolor="white"><tr><td>{text}</td></tr></table>>, '
                f"{_position(places[min(k, len(places) - 1)])}];"
            )
        return lines

    lines = edge(op, op.output, with_grad, None)
    for x, label in zip(op.inputs, op.gradient_labels):
        lines += edge(x, op, with_grad and x.grad is not None, label)
    return lines


def _polyline(name: str, points: list, style: str, arrow: str) -> list[str]:
    """Straight segments through points: node names, or (x, y) places pinned as invisible points.

    arrow: "forward" puts the arrowhead at the last point, "back" at the first.
    """
    names, lines = [], []
    for k, point in enumerate(points):
        if isinstance(point, str):
            names.append(point)
            continue
        names.append(f"{name}{k}")
        lines.append(
            f'  {name}{k} [shape=point, style=invis, width=0.01, height=0.01, label="", '
            f"{_position(point)}];"
        )
    attributes = f"{style}, " if style else ""
    last = len(names) - 2
    for k, (tail, head) in enumerate(itertools.pairwise(names)):
        head_here = arrow == "forward" and k == last
        tail_here = arrow == "back" and k == 0
        direction = "forward" if head_here else "back" if tail_here else "none"
        lines.append(f"  {tail} -> {head} [{attributes}dir={direction}];")
    return lines
