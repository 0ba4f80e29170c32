"""Tests of deepkiso.plots.graph_layout: the layered layout as pure geometry, without matplotlib.

Text widths come from a stand-in measure (a fixed width per character), so nothing here imports
matplotlib; the first test checks that the module itself does not either.
"""

import itertools
import subprocess
import sys

import numpy as np
import pytest

from deepkiso import graph as g
from deepkiso.plots import graph_layout as gl


def measure(text: str, size: float, weight: str = "normal") -> float:
    """A stand-in for glyph outlines: 0.6 em per character, in inches."""
    return 0.6 * size / 72 * len(text)


def placed(output, max_width: float = 18.0) -> gl.Layout:
    layout = gl.Layout.build(output, True, 3, measure)
    layout.place(max_width)
    return layout


def drawn(layout: gl.Layout) -> list[gl.Node]:
    return [n for n in layout.nodes if n.kind != "waypoint"]


def test_the_layout_module_imports_no_matplotlib():
    code = "import sys, deepkiso.plots.graph_layout; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_chain_rule_graph_is_ranked_left_to_right_from_the_inputs():
    example = g.chain_rule_example()
    layout = placed(example.output)
    rank = {id(n.item): n.rank for n in drawn(layout)}
    x1, x2 = example.inputs["x1"], example.inputs["x2"]
    t = example.output.creator.inputs[0]
    assert rank[id(x1)] == rank[id(x2)] == 0
    assert rank[id(t.creator)] == 1 and rank[id(t)] == 2
    assert rank[id(example.output.creator)] == 3 and rank[id(example.output)] == 4
    # Columns run left to right in rank order.
    xs = {r: {n.x for n in drawn(layout) if n.rank == r} for r in range(5)}
    assert all(max(xs[r]) < min(xs[r + 1]) for r in range(4))


@pytest.mark.parametrize("name", sorted(g.EXAMPLES))
def test_no_two_nodes_of_a_column_overlap_and_every_gap_is_kept(name):
    layout = placed(g.EXAMPLES[name]().output)
    for column in layout.columns:
        nodes = sorted((layout.nodes[i] for i in column), key=lambda n: n.y)
        for above, below in itertools.pairwise(nodes):
            assert below.y - above.y >= (above.height + below.height) / 2 + gl.ROW_GAP - 1e-9


def test_node_widths_follow_the_measured_text():
    output = g.square(g.Variable(3.0, "a_long_name_for_x")).named("y")
    wide = {n.item.name: n.width for n in drawn(placed(output)) if n.kind == "value"}
    assert wide["a_long_name_for_x"] > wide["y"]
    value = next(n for n in drawn(placed(output)) if n.kind == "value" and n.item.name == "y")
    assert value.width == pytest.approx(
        max(measure(t, gl.FONT_SIZE, w) for t, _, w in value.lines) + 2 * gl.PAD
    )


def test_a_graph_wider_than_max_width_is_folded_into_rows_each_no_wider():
    layout = placed(g.affine_softmax_loss_example().output, max_width=6.0)
    assert len(layout.rows) > 1
    for first, last, _ in layout.rows:
        members = [n for n in drawn(layout) if first <= n.rank <= last]
        assert (
            max(n.x + n.width / 2 for n in members) - min(n.x - n.width / 2 for n in members)
            <= 6.0 + 1e-9
        )
    # Each row lies below the one before.
    tops = [
        min(n.y - n.height / 2 for n in drawn(layout) if first <= n.rank <= last)
        for first, last, _ in layout.rows
    ]
    assert tops == sorted(tops)


def test_fold_keeps_one_row_when_it_fits_and_cuts_where_the_width_demands():
    assert gl.fold([1.0, 1.0, 1.0], [0.5, 0.5, 0.5], [0, 0, 0], max_width=10.0) == [0]
    starts = gl.fold([2.0] * 6, [0.5] * 6, [0] * 6, max_width=6.0)
    assert starts[0] == 0 and len(starts) >= 2 and starts == sorted(starts)


def test_every_edge_route_runs_from_its_source_centre_to_its_target_centre():
    layout = placed(g.tanh_example().output, max_width=5.0)
    routes, shifts = gl.edge_routes(layout)
    assert len(routes) == len(layout.edges) == len(shifts)
    for edge, (points, radii), shift in zip(layout.edges, routes, shifts):
        source, target = layout.nodes[edge.source], layout.nodes[edge.target]
        assert len(points) == len(radii)
        if shift == 0:
            assert points[0] == (source.x, source.y) and points[-1] == (target.x, target.y)


def test_the_same_value_read_twice_gives_two_parallel_edges_spread_apart():
    x = g.Variable(2.0, "x")
    layout = placed((x * x).named("y"))
    _, shifts = gl.edge_routes(layout)
    into_mul = [s for edge, s in zip(layout.edges, shifts) if edge.input_index is not None]
    assert sorted(into_mul) == [-gl.PARALLEL_SPACING / 2, gl.PARALLEL_SPACING / 2]


def test_offset_moves_a_left_to_right_line_down_and_keeps_a_bend_parallel():
    straight = gl.offset([(0.0, 0.0), (1.0, 0.0)], 0.5)
    np.testing.assert_allclose(straight, [[0.0, 0.5], [1.0, 0.5]])
    bend = gl.offset(
        [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)], 0.1
    )  # right, then down: the copy runs inside
    np.testing.assert_allclose(bend, [[0.0, 0.1], [0.9, 0.1], [0.9, 1.0]], atol=1e-12)


def test_clip_ends_the_line_on_the_outline_of_each_node():
    box = gl.Node("value", None, width=1.0, height=0.5, x=0.0, y=0.0)
    ellipse = gl.Node("op", None, width=0.5, height=0.5, x=3.0, y=0.0)
    start, end = gl.clip([(0.0, 0.0), (3.0, 0.0)], box, ellipse, margin=0.0)
    assert start[0] == pytest.approx(0.5, abs=1e-6)  # the box's right side
    assert end[0] == pytest.approx(2.75, abs=1e-6)  # the ellipse's left end


def test_pretty_writes_trailing_digits_of_names_as_subscripts():
    assert gl.pretty("∂y/∂x1 + W2 · b10") == "∂y/∂x₁ + W₂ · b₁₀"
    assert gl.pretty("2x") == "2x"
