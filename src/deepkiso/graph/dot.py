"""A graph in Graphviz's DOT language, for ``dot -Tsvg`` or any Graphviz viewer.

Value nodes are boxes with name, value and gradient; operation nodes are
ellipses with their symbol; each gradient edge runs back beside its forward
edge, labelled with the local derivative it multiplies by.
"""

from __future__ import annotations

import html

from deepkiso.graph.engine import Operation, Variable, graph_variables, topological_operations
from deepkiso.graph.labels import COLORS, format_value, gradient_name


def to_dot(
    output: Variable, *, title: str | None = None, show_gradients: bool = True, max_items: int = 3
) -> str:
    """The graph that output was computed by, in Graphviz's DOT language (left to right).

    Value nodes are boxes with name, forward value and (after backward, in red)
    the gradient; operation nodes are ellipses with their symbol. Forward edges
    are solid; each gradient edge runs back beside its forward edge, dashed and
    red, labelled with the local derivative it multiplies by.
    """
    operations = topological_operations(output)
    variables = graph_variables(output, operations)
    ids = {id(v): f"v{i}" for i, v in enumerate(variables)}
    ids.update({id(op): f"op{i}" for i, op in enumerate(operations)})
    c = COLORS
    lines = [
        "digraph computational_graph {",
        '  graph [rankdir=LR, nodesep=0.35, ranksep=0.6, fontname="DejaVu Sans"];',
        '  node [fontname="DejaVu Sans", fontsize=11];',
        f'  edge [fontname="DejaVu Sans", fontsize=10, color="{c["forward"]}"];',
    ]
    if title:
        lines.append(f'  label="{_dot_escape(title)}"; labelloc=t; fontsize=14;')
    for v in variables:
        lines.append(
            f"  {ids[id(v)]} {_dot_value_attributes(v, output, show_gradients, max_items)};"
        )
    for op in operations:
        lines.append(
            f'  {ids[id(op)]} [shape=ellipse, style=filled, fillcolor="{c["op_fill"]}", '
            f'color="{c["op_edge"]}", label="{_dot_escape(op.symbol)}"];'
        )
    for op in operations:
        lines.extend(_dot_edges(op, ids, show_gradients))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_value_attributes(
    v: Variable, output: Variable, show_gradients: bool, max_items: int
) -> str:
    c = COLORS
    rows = []
    if v.name:
        rows.append(f"<b>{html.escape(v.name)}</b>")
    rows.append(html.escape(format_value(v.data, max_items)))
    if show_gradients and v.grad is not None:
        grad = f"{gradient_name(v, output)} = {format_value(v.grad, max_items)}"
        rows.append(f'<font color="{c["gradient"]}">{html.escape(grad)}</font>')
    fill, edge = (
        (c["value_fill"], c["value_edge"])
        if v.requires_grad
        else (c["constant_fill"], c["constant_edge"])
    )
    style = "rounded,filled" if v.requires_grad else "rounded,filled,dashed"
    return f'[shape=box, style="{style}", fillcolor="{fill}", color="{edge}", label=<{"<br/>".join(rows)}>]'


def _dot_edges(op: Operation, ids: dict, show_gradients: bool) -> list[str]:
    c = COLORS
    assert op.output is not None  # an operation in a graph has been called
    o, y = ids[id(op)], ids[id(op.output)]
    lines = [f"  {o} -> {y};"]
    with_grad = show_gradients and op.output.grad is not None
    if with_grad:
        lines.append(
            f'  {o} -> {y} [dir=back, style=dashed, color="{c["gradient"]}", constraint=false];'
        )
    for x, label in zip(op.inputs, op.gradient_labels):
        v = ids[id(x)]
        lines.append(f"  {v} -> {o};")
        if with_grad and x.grad is not None:
            lines.append(
                f'  {v} -> {o} [dir=back, style=dashed, color="{c["gradient"]}", '
                f'fontcolor="{c["gradient"]}", label="{_dot_escape(label)}", constraint=false];'
            )
    return lines
