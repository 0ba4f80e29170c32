"""A graph in Graphviz's DOT language, for ``dot -Tsvg`` or any Graphviz viewer.

Value nodes are boxes with name, value and gradient; operation nodes are
ellipses with their symbol; each gradient edge runs back beside its forward
edge, labelled with the local derivative it multiplies by. A wide graph can be
folded into rows, read like text: the rows (computed by ``deepkiso.plots``'
layered layout) are written as one cluster each, and the columns of all rows are
aligned with ``rank=same``, so that dot stacks the rows instead of drawing a strip.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence

from deepkiso.graph.engine import Operation, Variable, graph_variables, topological_operations
from deepkiso.graph.labels import COLORS, format_value, gradient_name, pretty

# rows → columns → the nodes of the column, top to bottom (Variables and Operations)
Rows = Sequence[Sequence[Sequence[object]]]


def to_dot(
    output: Variable,
    *,
    title: str | None = None,
    show_gradients: bool = True,
    max_items: int = 3,
    rows: Rows | None = None,
    upstream: str | None = None,
    pad: tuple[float, float] | None = None,
) -> str:
    """The graph that output was computed by, in Graphviz's DOT language (left to right).

    Value nodes are boxes with name, forward value and (after backward, in red)
    the gradient; operation nodes are ellipses with their symbol. Forward edges
    are solid; each gradient edge runs back beside its forward edge, dashed and
    red, labelled with the local derivative it multiplies by. Names are written
    with subscripts (x1 as x₁), as in the matplotlib drawing.

    rows: fold the graph into these rows (per row, per column, the nodes top to
    bottom; ``deepkiso.plots.graph`` computes them); None: one row.
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
    folded = rows is not None and len(rows) > 1
    lines = [
        "digraph computational_graph {",
        '  graph [rankdir=LR, nodesep=0.35, ranksep=0.6, fontname="DejaVu Sans"'
        + (", newrank=true" if folded else "")
        + (f', pad="{pad[0]:.3f},{pad[1]:.3f}"' if pad else "")
        + "];",
        '  node [fontname="DejaVu Sans", fontsize=11];',
        f'  edge [fontname="DejaVu Sans", fontsize=10, color="{c["forward"]}"];',
    ]
    if title:
        lines.append(f'  label="{_dot_escape(title)}"; labelloc=t; fontsize=14;')
    for v in variables:
        attributes = _dot_value_attributes(v, output, show_gradients, max_items, upstream)
        lines.append(f"  {ids[id(v)]} {attributes};")
    for op in operations:
        lines.append(
            f'  {ids[id(op)]} [shape=ellipse, style=filled, fillcolor="{c["op_fill"]}", '
            f'color="{c["op_edge"]}", label="{_dot_escape(op.symbol)}"];'
        )
    row_of: dict[str, int] = {}
    if folded:
        assert rows is not None  # folded says so
        lines.extend(_dot_rows(rows, ids, row_of))
    for op in operations:
        lines.extend(_dot_edges(op, ids, show_gradients, row_of))
    if upstream is not None and output.grad is not None:
        label = pretty(gradient_name(output, output, upstream))
        if output.grad.ndim == 0:
            label += f" = {format_value(output.grad)}"
        lines.append('  upstream [shape=point, style=invis, width=0.01, label=""];')
        lines.append(
            f'  {ids[id(output)]} -> upstream [dir=back, style=dashed, color="{c["gradient"]}", '
            f'fontcolor="{c["gradient"]}", label="{_dot_escape(label)}"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_rows(rows: Rows, ids: dict, row_of: dict[str, int]) -> list[str]:
    """One invisible cluster per row, the k-th columns of all rows on one rank, in their order.

    Invisible edges keep the order within each column (top to bottom) and the
    columns apart (one rank each), so dot draws the rows as the layout folded them.
    """
    lines = []
    columns: dict[int, list[str]] = {}
    for k, row in enumerate(rows):
        members = []
        for j, column in enumerate(row):
            for item in column:
                name = ids[id(item)]
                row_of[name] = k
                members.append(name)
                columns.setdefault(j, []).append(name)
        lines.append(
            f'  subgraph cluster_row{k} {{ label=""; peripheries=0; {"; ".join(members)}; }}'
        )
    for j in sorted(columns):
        names = columns[j]
        lines.append(f"  {{ rank=same; {'; '.join(names)}; }}")
        lines.extend(f"  {a} -> {b} [style=invis];" for a, b in itertools.pairwise(names))
        if j + 1 in columns:
            lines.append(f"  {names[0]} -> {columns[j + 1][0]} [style=invis];")
    return lines


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


def _dot_edges(op: Operation, ids: dict, show_gradients: bool, row_of: dict[str, int]) -> list[str]:
    c = COLORS
    assert op.output is not None  # an operation in a graph has been called
    o, y = ids[id(op)], ids[id(op.output)]

    def forward(a: str, b: str) -> str:
        # An edge from one folded row to the next must not pull the rows onto one line.
        return (
            f"  {a} -> {b} [constraint=false];"
            if row_of.get(a) != row_of.get(b)
            else f"  {a} -> {b};"
        )

    lines = [forward(o, y)]
    with_grad = show_gradients and op.output.grad is not None
    if with_grad:
        lines.append(
            f'  {o} -> {y} [dir=back, style=dashed, color="{c["gradient"]}", constraint=false];'
        )
    for x, label in zip(op.inputs, op.gradient_labels):
        v = ids[id(x)]
        lines.append(forward(v, o))
        if with_grad and x.grad is not None:
            lines.append(
                f'  {v} -> {o} [dir=back, style=dashed, color="{c["gradient"]}", '
                f'fontcolor="{c["gradient"]}", label="{_dot_escape(pretty(label))}", '
                "constraint=false];"
            )
    return lines
